// load_config_file (missing file, syntax errors) and --set overrides.

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "config/config_error.hpp"
#include "config/load.hpp"

using Catch::Contains;

namespace {

/// A unique temporary file holding `content`, removed on destruction.
class TempFile {
public:
    explicit TempFile(std::string_view content) {
        const char* dir = std::getenv("TMPDIR");
        path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/mio-cfg-XXXXXX.toml";
        const int fd = ::mkstemps(path_.data(), 5);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, content.data(), content.size()) ==
                static_cast<ssize_t>(content.size()));
        ::close(fd);
    }
    ~TempFile() { ::unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

app::ConfigError load_error(const std::string& path) {
    try {
        (void)app::load_config_file(path);
    } catch (const app::ConfigError& error) {
        return error;
    }
    FAIL("expected a ConfigError");
    throw std::logic_error("unreachable");
}

std::string usage_error(const std::vector<std::string>& sets) {
    toml::table table;
    try {
        app::apply_overrides(table, sets);
    } catch (const app::UsageError& error) {
        return error.what();
    }
    FAIL("expected a UsageError");
    return {};
}

}  // namespace

TEST_CASE("load_config_file reads a file", "[config][load]") {
    const TempFile file("[a]\nb = 1\n");
    const toml::table table = app::load_config_file(file.path());
    CHECK(table["a"]["b"].value<std::int64_t>() == 1);
    CHECK(*table["a"]["b"].node()->source().path == file.path());
}

TEST_CASE("a missing file is a ConfigError naming the path and the OS reason", "[config][load]") {
    std::string path;
    {
        const TempFile file("");
        path = file.path();
    }  // removed: the path is unique and now absent
    const auto error = load_error(path);
    CHECK(error.file == path);
    CHECK_THAT(error.what(), Contains(path) && Contains("No such file or directory"));
}

TEST_CASE("a directory is a ConfigError", "[config][load]") {
    const auto error = load_error("/");
    CHECK_THAT(error.what(), Contains("cannot read config file"));
}

TEST_CASE("a TOML syntax error gives the path, line and column", "[config][load]") {
    const TempFile file("[a]\nb = 1\nc = \n");
    const auto error = load_error(file.path());
    CHECK(error.line == 3);
    CHECK(error.column > 0);
    CHECK_THAT(error.what(), Contains(file.path() + ":3:"));
}

TEST_CASE("override (--set) values are TOML when they parse, else bare strings", "[config][load]") {
    toml::table table = app::parse_config_text("[log]\nlevel = \"info\"\n", "t.toml");
    app::apply_overrides(
        table, {"log.level=debug", "n=10", "b=true", "s=\"quoted\"", "list=[\"a\",\"b\"]", "d=10s",
                "addr=127.0.0.1:7", "empty=", "eq=a=b"});
    CHECK(table["log"]["level"].value<std::string>() == "debug");
    CHECK(table["n"].value<std::int64_t>() == 10);
    CHECK(table["b"].value<bool>() == true);
    CHECK(table["s"].value<std::string>() == "quoted");
    REQUIRE(table["list"].as_array() != nullptr);
    CHECK(table["list"].as_array()->size() == 2);
    CHECK(table["d"].value<std::string>() == "10s");
    CHECK(table["addr"].value<std::string>() == "127.0.0.1:7");
    CHECK(table["empty"].value<std::string>() == "");
    CHECK(table["eq"].value<std::string>() == "a=b");
}

TEST_CASE("overrides (--set) beat the file, the later one wins, new tables are created",
          "[config][load]") {
    toml::table table =
        app::parse_config_text("[listeners.echo]\nidle_timeout = \"5m\"\nbind = \"x\"\n", "t.toml");
    app::apply_overrides(table,
                         {"listeners.echo.idle_timeout=10s", "listeners.echo.idle_timeout=20s",
                          "listeners.new.bind=1.2.3.4:5", "a.b.c.d=1"});
    CHECK(table["listeners"]["echo"]["idle_timeout"].value<std::string>() == "20s");
    CHECK(table["listeners"]["echo"]["bind"].value<std::string>() == "x");  // untouched
    CHECK(table["listeners"]["new"]["bind"].value<std::string>() == "1.2.3.4:5");
    CHECK(table["a"]["b"]["c"]["d"].value<std::int64_t>() == 1);
    const auto* node = table["listeners"]["echo"]["idle_timeout"].node();
    CHECK(*node->source().path == "--set listeners.echo.idle_timeout=20s");
}

TEST_CASE("values with quotes, backslashes or newlines stay strings", "[config][load]") {
    toml::table table;
    app::apply_overrides(table, {"a=x\"y\\z", "b=1\nc = 2"});
    CHECK(table["a"].value<std::string>() == "x\"y\\z");
    CHECK(table["b"].value<std::string>() == "1\nc = 2");
    CHECK_FALSE(table.contains("c"));
}

TEST_CASE("malformed --set arguments are UsageErrors naming the argument", "[config][load]") {
    CHECK_THAT(usage_error({"novalue"}), Contains("'novalue'") && Contains("key.path=value"));
    CHECK_THAT(usage_error({"=1"}), Contains("'=1'") && Contains("empty key"));
    CHECK_THAT(usage_error({"a..b=1"}), Contains("'a..b=1'") && Contains("invalid key"));
    CHECK_THAT(usage_error({".a=1"}), Contains("invalid key"));
    CHECK_THAT(usage_error({"a b=1"}), Contains("invalid key"));
    CHECK_THAT(usage_error({"x=1", "x.y=2"}),
               Contains("'x.y=2'") && Contains("'x' is not a table"));
}
