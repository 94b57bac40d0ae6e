// run_daemon(): the CLI, exit codes and stdout/stderr of the shared driver, in-process with a
// tiny test-only Config.

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/daemon.hpp"
#include "config/log_config.hpp"

using Catch::Contains;

namespace {

/// The test-only config: [tiny] value (0..100) and name, plus the shared [log].
struct TinyConfig {
    std::int64_t value = 1;
    std::string name = "x";
    app::LogConfig log;
    friend bool operator==(const TinyConfig&, const TinyConfig&) = default;
};

TinyConfig parse_tiny(app::ConfigReader& reader) {
    TinyConfig config;
    app::Section root = reader.root();
    app::Section tiny = root.section_or_empty("tiny");
    config.value = tiny.integer<std::int64_t>("value", config.value, 0, 100);
    config.name = tiny.get<std::string>("name", config.name);
    app::Section log = root.section_or_empty("log");
    config.log = app::parse_log_config(log);
    return config;
}

toml::table tiny_to_toml(const TinyConfig& config) {
    toml::table tiny;
    tiny.insert("value", config.value);
    tiny.insert("name", config.name);
    toml::table root;
    root.insert("tiny", std::move(tiny));
    root.insert("log", app::log_config_to_toml(config.log));
    return root;
}

/// A unique temporary file (mkstemps), removed on destruction.
class TempFile {
public:
    explicit TempFile(std::string_view content = "") {
        const char* dir = std::getenv("TMPDIR");
        path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/mio-cli-XXXXXX.toml";
        fd_ = ::mkstemps(path_.data(), 5);
        REQUIRE(fd_ >= 0);
        write(content);
    }
    ~TempFile() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] int fd() const { return fd_; }
    void write(std::string_view content) const { std::ofstream(path_, std::ios::trunc) << content; }
    [[nodiscard]] std::string read() const {
        std::ifstream in(path_);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

private:
    std::string path_;
    int fd_ = -1;
};

struct Run {
    int code;
    std::string out;
    std::string err;
};

/// Runs run_daemon with argv {"tiny", args...}, stdout and stderr redirected to temp files.
Run run(const app::DaemonSpec<TinyConfig>& spec, const std::vector<std::string>& args) {
    const TempFile out;
    const TempFile err;
    std::vector<const char*> argv{"tiny"};
    for (const std::string& arg : args)
        argv.push_back(arg.c_str());
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const int saved_out = ::dup(1);
    const int saved_err = ::dup(2);
    ::dup2(out.fd(), 1);
    ::dup2(err.fd(), 2);
    const int code = app::run_daemon(static_cast<int>(argv.size()), argv.data(), spec);
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    ::dup2(saved_out, 1);
    ::dup2(saved_err, 2);
    ::close(saved_out);
    ::close(saved_err);
    return Run{code, out.read(), err.read()};
}

struct Served {
    int calls = 0;
    TinyConfig config;
    app::CliOptions options;
};

app::DaemonSpec<TinyConfig> make_spec(Served& served, std::string default_path = "") {
    app::DaemonSpec<TinyConfig> spec;
    spec.name = "tiny";
    spec.version = "9.8.7";
    spec.description = "test daemon";
    spec.default_config_path = default_path.empty() ? "/nonexistent/tiny.toml" : default_path;
    spec.config_env_var = "MIO_TINY_TEST_CONFIG";
    spec.parse = parse_tiny;
    spec.to_toml = tiny_to_toml;
    spec.serve = [&served](TinyConfig config, const app::CliOptions& options,
                           const app::ReloadFn<TinyConfig>&) {
        ++served.calls;
        served.config = std::move(config);
        served.options = options;
        return 0;
    };
    return spec;
}

constexpr std::string_view kGood = "[tiny]\nvalue = 5\nname = \"good\"\n";

}  // namespace

TEST_CASE("check mode (-t) on a valid file prints 'configuration OK' and exits 0", "[cli]") {
    Served served;
    const TempFile file(kGood);
    for (const char* flag : {"-t", "--check"}) {
        const Run r = run(make_spec(served), {flag, "-c", file.path()});
        CHECK(r.code == app::kExitOk);
        CHECK(r.out == "configuration OK\n");
        CHECK(r.err.empty());
    }
    CHECK(served.calls == 0);
}

TEST_CASE("an invalid file exits 78 with 'error: file:line:col: key: message'", "[cli]") {
    Served served;
    const TempFile file("[tiny]\nvalue = 500\n");
    const Run r = run(make_spec(served), {"--check", "--config", file.path()});
    CHECK(r.code == app::kExitConfig);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Contains("error: " + file.path() +
                               ":2:9: tiny.value: must be between 0 "
                               "and 100 (got 500)"));
    const TempFile unknown("[tiny]\nvalu = 5\n");
    const Run u = run(make_spec(served), {"-c", unknown.path()});
    CHECK(u.code == app::kExitConfig);
    CHECK_THAT(u.err, Contains(unknown.path() + ":2:1: tiny.valu: unknown key") &&
                          Contains("did you mean 'value'?"));
    CHECK(served.calls == 0);
}

TEST_CASE("every error of a file is printed in one run, one 'error:' line each, in file order",
          "[cli]") {
    Served served;
    const TempFile file("[tiny]\nnmae = \"x\"\nvalue = 500\n[log]\nlevel = \"loud\"\n");
    const Run r = run(make_spec(served), {"--check", "-c", file.path()});
    CHECK(r.code == app::kExitConfig);
    CHECK(r.out.empty());
    const std::string& p = file.path();
    CHECK(r.err == "error: " + p + ":2:1: tiny.nmae: unknown key 'nmae'; did you mean 'name'?\n" +
                       "error: " + p + ":3:9: tiny.value: must be between 0 and 100 (got 500)\n" +
                       "error: " + p + ":5:9: log.level: invalid value 'loud': expected one of " +
                       "trace, debug, info, warn, error, critical, off\n");
    CHECK(served.calls == 0);
}

TEST_CASE("more than 20 errors: 20 'error:' lines, then how many more", "[cli]") {
    Served served;
    std::string text = "[tiny]\n";
    for (int i = 0; i < 23; ++i)
        text += "unknown" + std::to_string(i) + " = 1\n";
    const TempFile file(text);
    const Run r = run(make_spec(served), {"-t", "-c", file.path()});
    CHECK(r.code == app::kExitConfig);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 21);
    CHECK_THAT(r.err, Contains(file.path() + ":21:1: tiny.unknown19:") &&
                          !Contains("tiny.unknown20:") &&
                          Catch::EndsWith("\nerror: ... and 3 more errors\n"));
}

TEST_CASE("a TOML syntax error exits 78", "[cli]") {
    Served served;
    const TempFile file("[tiny\n");
    const Run r = run(make_spec(served), {"-c", file.path()});
    CHECK(r.code == app::kExitConfig);
    CHECK_THAT(r.err, Contains("error: " + file.path() + ":1:"));
}

TEST_CASE("a missing config file exits 78 naming the path", "[cli]") {
    Served served;
    std::string path;
    {
        const TempFile gone;
        path = gone.path();
    }
    Run r = run(make_spec(served), {"-t", "-c", path});
    CHECK(r.code == app::kExitConfig);
    CHECK_THAT(r.err, Contains("error: " + path + ": cannot read config file: No such file"));
    r = run(make_spec(served, path), {"-t"});  // the daemon's default path
    CHECK(r.code == app::kExitConfig);
    CHECK_THAT(r.err, Contains(path));
}

TEST_CASE("bad flags exit 2; --help and --version exit 0", "[cli]") {
    Served served;
    Run r = run(make_spec(served), {"--no-such-flag"});
    CHECK(r.code == app::kExitUsage);
    CHECK_FALSE(r.err.empty());
    r = run(make_spec(served), {"--log-level", "loud"});
    CHECK(r.code == app::kExitUsage);
    r = run(make_spec(served), {"-c"});
    CHECK(r.code == app::kExitUsage);
    r = run(make_spec(served), {"unexpected-positional"});
    CHECK(r.code == app::kExitUsage);
    r = run(make_spec(served), {"--help"});
    CHECK(r.code == app::kExitOk);
    CHECK_THAT(r.out, Contains("--config") && Contains("--print-config") && Contains("--set"));
    for (const char* flag : {"-V", "--version"}) {
        r = run(make_spec(served), {flag});
        CHECK(r.code == app::kExitOk);
        CHECK(r.out == app::version_line("tiny", "9.8.7") + "\n");
        CHECK_THAT(r.out, Contains("tiny 9.8.7 (libpoll ") && Contains(", backend "));
    }
    CHECK(served.calls == 0);
}

TEST_CASE("a malformed --set exits 2 naming the argument", "[cli]") {
    Served served;
    const TempFile file(kGood);
    const Run r = run(make_spec(served), {"-c", file.path(), "--set", "tiny.value"});
    CHECK(r.code == app::kExitUsage);
    CHECK_THAT(r.err, Contains("'tiny.value'"));
}

TEST_CASE("overrides (--set) win over the file; a bad override value exits 78 naming it", "[cli]") {
    Served served;
    const TempFile file(kGood);
    Run r =
        run(make_spec(served), {"-c", file.path(), "--set", "tiny.value=7", "--set=tiny.name=n"});
    CHECK(r.code == app::kExitOk);
    REQUIRE(served.calls == 1);
    CHECK(served.config.value == 7);
    CHECK(served.config.name == "n");
    CHECK(served.options.sets == std::vector<std::string>{"tiny.value=7", "tiny.name=n"});
    r = run(make_spec(served), {"-c", file.path(), "--set", "tiny.value=1000"});
    CHECK(r.code == app::kExitConfig);
    CHECK_THAT(r.err, Contains("error: --set tiny.value=1000: tiny.value: must be between"));
}

TEST_CASE("print mode (-T) prints the effective config with defaults, as TOML", "[cli]") {
    Served served;
    const TempFile file("[tiny]\nvalue = 5\n");
    const Run r = run(make_spec(served), {"-T", "-c", file.path(), "--set", "log.level=warn",
                                          "--log-level", "debug", "--log-format=json"});
    CHECK(r.code == app::kExitOk);
    CHECK(r.err.empty());
    const toml::table printed = toml::parse(r.out);
    CHECK(printed["tiny"]["value"].value<std::int64_t>() == 5);
    CHECK(printed["tiny"]["name"].value<std::string>() == "x");      // default filled in
    CHECK(printed["log"]["level"].value<std::string>() == "debug");  // --log-level wins
    CHECK(printed["log"]["format"].value<std::string>() == "json");
    CHECK(printed["log"]["target"].value<std::string>() == "stderr");
    CHECK(served.calls == 0);
}

TEST_CASE("the config path comes from -c, else the env var, else the default", "[cli]") {
    Served served;
    const TempFile from_env("[tiny]\nvalue = 11\n");
    const TempFile from_flag("[tiny]\nvalue = 22\n");
    ::setenv("MIO_TINY_TEST_CONFIG", from_env.path().c_str(), 1);
    Run r = run(make_spec(served), {});
    CHECK(r.code == app::kExitOk);
    CHECK(served.config.value == 11);
    r = run(make_spec(served), {"-c", from_flag.path()});
    CHECK(served.config.value == 22);
    ::unsetenv("MIO_TINY_TEST_CONFIG");
    r = run(make_spec(served, from_flag.path()), {});
    CHECK(r.code == app::kExitOk);
    CHECK(served.options.config_path == from_flag.path());
}

TEST_CASE("serve's exit code is returned; an exception from serve exits 1", "[cli]") {
    Served served;
    const TempFile file(kGood);
    auto spec = make_spec(served);
    spec.serve = [](TinyConfig, const app::CliOptions&, const app::ReloadFn<TinyConfig>&) {
        return app::kExitFailure;
    };
    CHECK(run(spec, {"-c", file.path()}).code == app::kExitFailure);
    spec.serve = [](TinyConfig, const app::CliOptions&, const app::ReloadFn<TinyConfig>&) -> int {
        throw std::runtime_error("bind failed: address in use");
    };
    const Run r = run(spec, {"-c", file.path()});
    CHECK(r.code == app::kExitFailure);
    CHECK_THAT(r.err, Contains("error: bind failed: address in use"));
}

TEST_CASE("the reload function re-reads the file with the same overrides", "[cli]") {
    Served served;
    const TempFile file(kGood);
    auto spec = make_spec(served);
    std::optional<TinyConfig> reloaded;
    std::optional<TinyConfig> broken;
    std::string error;
    spec.serve = [&](TinyConfig, const app::CliOptions&, const app::ReloadFn<TinyConfig>& reload) {
        file.write("[tiny]\nvalue = 9\nname = \"from-file\"\n");
        reloaded = reload(nullptr);
        file.write("[tiny]\nvalue = \"nine\"\nnmae = 1\n");
        broken = reload(&error);
        return 0;
    };
    CHECK(run(spec, {"-c", file.path(), "--set", "tiny.name=pinned"}).code == 0);
    REQUIRE(reloaded.has_value());
    CHECK(reloaded->value == 9);
    CHECK(reloaded->name == "pinned");  // --set still applies on reload
    CHECK_FALSE(broken.has_value());
    CHECK_THAT(error, Contains(file.path() + ":2:") && Contains("tiny.value"));
    CHECK_THAT(error, Contains("; " + file.path() + ":3:1: tiny.nmae: unknown key"));
}
