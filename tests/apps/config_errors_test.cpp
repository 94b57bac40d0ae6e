// Every error of a config in one run: ConfigErrors (file order, the cap), value accessors that
// record and go on, abandoned sections, consequences kept quiet, and the enum name tables.

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "cli/daemon.hpp"
#include "config/config_reader.hpp"
#include "config/load.hpp"
#include "echo_config.hpp"
#include "proxy_config.hpp"

using Catch::Contains;
using Catch::EndsWith;

namespace {

/// The ConfigErrors that `parse` throws for `text` (named `file`); fails the test if none.
app::ConfigErrors errors_of(std::string_view text, const std::string& file,
                            const std::function<void(app::ConfigReader&)>& parse) {
    const toml::table table = app::parse_config_text(text, file);
    app::ConfigReader reader(table, file);
    try {
        parse(reader);
    } catch (const app::ConfigErrors& errors) {
        return errors;
    }
    FAIL("expected ConfigErrors");
    throw std::logic_error("unreachable");
}

app::ConfigErrors proxy_errors(std::string_view text) {
    return errors_of(text, "proxy.toml",
                     [](app::ConfigReader& r) { (void)app::parse_proxy_config(r); });
}

app::ConfigErrors echo_errors(std::string_view text) {
    return errors_of(text, "echo.toml",
                     [](app::ConfigReader& r) { (void)app::parse_echo_config(r); });
}

/// What one reported error must be: its line, full key and part of its message.
struct Expected {
    std::size_t line;
    std::string key;
    std::string message;
};

/// `errors` are exactly `expected`, in that order, and what() lists them one per line.
void check_errors(const app::ConfigErrors& errors, const std::vector<Expected>& expected) {
    INFO(errors.what());
    REQUIRE(errors.errors.size() == expected.size());
    std::string lines;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const app::ConfigError& error = errors.errors[i];
        CHECK(error.line == expected[i].line);
        CHECK(error.key == expected[i].key);
        CHECK_THAT(error.message, Contains(expected[i].message));
        lines += (i == 0 ? "" : "\n") + std::string(error.what());
    }
    CHECK(std::string(errors.what()) == lines);
    // The base ConfigError is the first error, so single-error handlers see that one.
    CHECK(errors.line == expected.front().line);
    CHECK(errors.key == expected.front().key);
}

}  // namespace

TEST_CASE("a proxy config with four mistakes reports all four, in file order", "[config][errors]") {
    const app::ConfigErrors errors = proxy_errors(R"([listeners.web]
bind = "127.0.0.1:99999"
protocol = "sctp"
upstream = "ap"

[upstreams.app]
retires = 1
[[upstreams.app.servers]]
address = "127.0.0.1:9000"
)");
    check_errors(errors,
                 {
                     {2, "listeners.web.bind", "port 99999 is out of range (0..65535)"},
                     {3, "listeners.web.protocol", "expected one of tcp, udp"},
                     {4, "listeners.web.upstream", "no upstream named 'ap'; did you mean 'app'?"},
                     {7, "upstreams.app.retires", "did you mean 'retries'?"},
                 });
}

TEST_CASE("an echo config with four mistakes reports all four, in file order", "[config][errors]") {
    const app::ConfigErrors errors = echo_errors(R"([runtime]
max_conections = 10

[listeners.a]
bind = "127.0.0.1:70000"
protocol = "sctp"

[listeners.b]
bind = "127.0.0.1:7"
mode = "revrse"
)");
    check_errors(errors, {
                             {2, "runtime.max_conections", "did you mean 'max_connections'?"},
                             {5, "listeners.a.bind", "port 70000 is out of range (0..65535)"},
                             {6, "listeners.a.protocol", "expected one of tcp, udp, unix"},
                             {10, "listeners.b.mode", "expected one of echo, discard"},
                         });
}

TEST_CASE("more than 20 errors: 20 are listed, the rest counted", "[config][errors]") {
    std::string text = "[t]\n";
    for (int i = 0; i < 25; ++i)
        text += "k" + std::to_string(i) + " = \"x\"\n";
    const app::ConfigErrors errors = errors_of(text, "many.toml", [](app::ConfigReader& reader) {
        app::Section root = reader.root();
        app::Section t = root.section_or_empty("t");
        for (int i = 0; i < 25; ++i)
            (void)t.integer<int>("k" + std::to_string(i), 0, 0, 9);
        reader.finish();
    });
    REQUIRE(errors.errors.size() == 25);
    const std::string what = errors.what();
    CHECK(std::count(what.begin(), what.end(), '\n') == 20);  // 20 errors + the count line
    CHECK_THAT(what, Contains("many.toml:21:") && !Contains("many.toml:22:"));
    CHECK_THAT(what, EndsWith("\n... and 5 more errors"));
    CHECK_THAT(errors.joined("; "), Contains("t.k19: expected an integer, got a string; ... and 5 "
                                             "more errors"));
}

TEST_CASE("one error reads exactly as a single ConfigError", "[config][errors]") {
    const app::ConfigErrors errors =
        echo_errors("[listeners.a]\nbind = \"127.0.0.1:7\"\nmode = \"loud\"\n");
    REQUIRE(errors.errors.size() == 1);
    CHECK(std::string(errors.what()) == errors.errors[0].what());
    CHECK(errors.joined("; ") == errors.errors[0].what());
}

TEST_CASE("an abandoned section leaves the others checked and reports no unread keys",
          "[config][errors]") {
    const std::string text =
        "[things.a]\nvalue = \"x\"\nother = 1\n[things.b]\nvalue = 1\nspelt = 2\n";
    const app::ConfigErrors errors = errors_of(text, "s.toml", [](app::ConfigReader& reader) {
        app::Section root = reader.root();
        for (auto& [name, thing] : root.sections("things")) {
            (void)thing.attempt([&thing = thing] {
                (void)thing.require<int>("value");  // "x": cannot go on without it
                (void)thing.get<int>("other", 0);
            });
        }
        reader.finish();
    });
    // things.a.other was never read (the section was abandoned) and is not called unknown;
    // things.b was read in full, so its misspelt key is.
    check_errors(errors, {
                             {2, "things.a.value", "expected an integer, got a string"},
                             {6, "things.b.spelt", "unknown key 'spelt'"},
                         });
}

TEST_CASE("a schema that throws keeps the errors recorded before it", "[config][errors]") {
    const toml::table table = app::parse_config_text("[a]\nx = \"no\"\n[b]\ny = 1\n", "throw.toml");
    app::ConfigReader reader(table, "throw.toml");
    CHECK_FALSE(reader.attempt([&] {
        app::Section root = reader.root();
        (void)root.section_or_empty("a").get<int>("x", 0);  // recorded
        root.section_or_empty("b").fail("y", "thrown");
    }));
    try {
        reader.finish();
        FAIL("expected ConfigErrors");
    } catch (const app::ConfigErrors& errors) {
        check_errors(errors, {{2, "a.x", "expected an integer"}, {4, "b.y", "thrown"}});
    }
}

TEST_CASE("checks built on a value in error stay quiet", "[config][errors]") {
    SECTION("an unknown echo protocol is not held against bind or datagram keys") {
        const auto errors = echo_errors(
            "[listeners.a]\nbind = \"unix:/tmp/a.sock\"\nprotocol = \"unixgrm\"\nmax_datagram = "
            "9\n");
        check_errors(errors, {{3, "listeners.a.protocol", "did you mean 'unixgram'?"}});
    }
    SECTION("an invalid runtime cap is not held against a listener's") {
        const auto errors = echo_errors(
            "[runtime]\nmax_connections = 0\n[listeners.a]\nbind = \"127.0.0.1:7\"\n"
            "max_connections = 20000\n");
        check_errors(errors, {{2, "runtime.max_connections", "between 1 and 1000000"}});
    }
    SECTION("an invalid upstream name is not reported again at every reference") {
        const auto errors = proxy_errors(
            "[listeners.web]\nbind = \"127.0.0.1:80\"\nupstream = \"app\"\n[upstreams.App]\n"
            "[[upstreams.App.servers]]\naddress = \"127.0.0.1:1\"\n");
        check_errors(errors, {{4, "upstreams.App", "invalid name 'App'"}});
    }
    SECTION("a bad buffer_size is not compared with memory_limit; a bad address is not a dup") {
        const auto errors = proxy_errors(
            "[runtime]\nbuffer_size = \"1GiB\"\nmemory_limit = \"1MiB\"\n[listeners.web]\n"
            "bind = [\"nowhere\"]\nupstream = \"app\"\n[upstreams.app]\n"
            "[[upstreams.app.servers]]\naddress = \"127.0.0.1:1:1\"\n");
        check_errors(errors, {
                                 {2, "runtime.buffer_size", "between 1KiB and 16MiB"},
                                 {5, "listeners.web.bind[0]", "invalid address"},
                                 {9, "upstreams.app.servers[0].address", "needs brackets"},
                             });
    }
}

TEST_CASE("a failed reload reads as one line listing every error", "[config][errors]") {
    const auto errors =
        echo_errors("[listeners.a]\nbind = \"127.0.0.1:7\"\nmode = \"x\"\nprotocol = \"y\"\n");
    const std::string text = app::reload_error_text(errors);
    CHECK(text.find('\n') == std::string::npos);
    CHECK_THAT(text, Contains("echo.toml:3:") && Contains("; echo.toml:4:"));
    CHECK(app::reload_error_text(std::runtime_error("other")) == "other");
}

TEST_CASE("to_string and parsing read the same enum name tables", "[config][errors]") {
    for (const auto& [name, value] : app::kEchoProtocolNames)
        CHECK(app::to_string(value) == name);
    for (const auto& [name, value] : app::kEchoModeNames)
        CHECK(app::to_string(value) == name);
    for (const auto& [name, value] : app::kBalanceNames)
        CHECK(app::to_string(value) == name);
    for (const auto& [name, value] : app::kSpliceModeNames)
        CHECK(app::to_string(value) == name);
    for (const auto& [name, value] : app::kLogLevelNames)
        CHECK(app::level_name(value) == name);
    // Every name parses back to its value.
    for (const auto& [name, value] : app::kBalanceNames) {
        const toml::table table =
            app::parse_config_text("[u]\nbalance = \"" + std::string(name) + "\"\n", "enum.toml");
        app::ConfigReader reader(table, "enum.toml");
        app::Section root = reader.root();
        CHECK(root.section_or_empty("u").choice("balance", app::Balance::first,
                                                app::kBalanceNames) == value);
        CHECK_NOTHROW(reader.finish());
    }
}
