// mio-echo's config schema: defaults, the shipped file, round trips and every error case.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>

#include "config/load.hpp"
#include "echo_config.hpp"

using namespace std::chrono_literals;
using Catch::Contains;

namespace {

const std::string kShippedConfig =
    (std::filesystem::path(__FILE__).parent_path() / "../../config/mio-echo.toml").string();

app::EchoConfig parse_echo(std::string_view text, const std::vector<std::string>& sets = {}) {
    toml::table table = app::parse_config_text(text, "echo.toml");
    app::apply_overrides(table, sets);
    app::ConfigReader reader(table, "echo.toml");
    return app::parse_echo_config(reader);
}

app::ConfigError echo_error(std::string_view text) {
    try {
        (void)parse_echo(text);
    } catch (const app::ConfigError& error) {
        return error;
    }
    FAIL("expected a ConfigError");
    throw std::logic_error("unreachable");
}

/// to_toml, printed and parsed again, must give back `config`.
void check_round_trip(const app::EchoConfig& config) {
    std::ostringstream text;
    text << app::echo_config_to_toml(config);
    INFO(text.str());
    CHECK(parse_echo(text.str()) == config);
}

constexpr std::string_view kMinimal = "[listeners.echo]\nbind = \"127.0.0.1:7\"\n";

}  // namespace

TEST_CASE("a minimal config gets every default", "[config][echo]") {
    const app::EchoConfig config = parse_echo(kMinimal);
    CHECK(config.runtime.max_connections == 10000);
    CHECK(config.runtime.drain_timeout == 10s);
    CHECK(config.log.level == spdlog::level::info);
    CHECK(config.log.format == app::LogFormat::text);
    CHECK(config.log.target == "stderr");
    CHECK_FALSE(config.admin.listen.has_value());
    REQUIRE(config.listeners.size() == 1);
    const auto& listener = config.listeners[0];
    CHECK(listener.name == "echo");
    CHECK(listener.bind == std::vector{*app::Endpoint::parse("127.0.0.1:7")});
    CHECK(listener.protocol == app::EchoProtocol::tcp);
    CHECK(listener.mode == app::EchoMode::echo);
    CHECK(listener.max_connections == 1000);
    CHECK(listener.idle_timeout == 5min);
    CHECK(listener.buffer_size == 16 * 1024);
    CHECK(listener.max_datagram == 65507);
    CHECK(listener.rate_limit_pps == 1000);
    CHECK(listener.deny_source_ports == std::vector<std::uint16_t>{7, 13, 19, 37});
    check_round_trip(config);
}

TEST_CASE("the shipped config parses and round-trips", "[config][echo]") {
    const toml::table table = app::load_config_file(kShippedConfig);
    app::ConfigReader reader(table, kShippedConfig);
    const app::EchoConfig config = app::parse_echo_config(reader);
    REQUIRE(config.listeners.size() == 2);
    CHECK(config.listeners[0].protocol == app::EchoProtocol::tcp);
    CHECK(config.listeners[1].protocol == app::EchoProtocol::udp);
    for (const auto& listener : config.listeners) {
        REQUIRE(listener.bind.size() == 1);
        CHECK(listener.bind[0].to_string() == "127.0.0.1:7007");
        CHECK(listener.bind[0].inet().is_loopback());
    }
    REQUIRE(config.admin.listen.has_value());
    CHECK(config.admin.listen->to_string() == "127.0.0.1:9901");
    check_round_trip(config);
    // Every key of the schema is present in the shipped file: its effective config (every
    // default filled in) has no key the file lacks.
    const toml::table effective = app::echo_config_to_toml(config);
    for (auto&& [section, value] : effective) {
        if (section.str() == "listeners") continue;
        for (auto&& [key, unused] : *value.as_table()) {
            INFO(section.str() << "." << key.str());
            CHECK(table[section.str()][key.str()].node() != nullptr);
        }
    }
    for (auto&& [name, listener] : *effective["listeners"].as_table()) {
        for (auto&& [key, unused] : *listener.as_table()) {
            INFO(name.str() << "." << key.str());
            CHECK(table["listeners"][name.str()][key.str()].node() != nullptr);
        }
    }
}

TEST_CASE("a full config with every protocol round-trips", "[config][echo]") {
    const app::EchoConfig config = parse_echo(R"(
[runtime]
max_connections = 500
drain_timeout = "1500ms"
[log]
level = "off"
format = "json"
target = "/var/log/mio-echo.log"
[admin]
listen = "unix:/run/mio-echo/admin.sock"
[listeners.a]
bind = ["127.0.0.1:7", "[::1]:7"]
mode = "chargen"
max_connections = 500
idle_timeout = "off"
buffer_size = 1000000
[listeners.b]
bind = "unix:/run/mio-echo/b.sock"
protocol = "unix"
mode = "info"
buffer_size = "1MiB"
[listeners.c]
bind = "unix:/run/mio-echo/c.sock"
protocol = "unixgram"
max_datagram = 512
rate_limit_pps = 0
deny_source_ports = []
[listeners.d_4]
bind = "0.0.0.0:9"
protocol = "udp"
mode = "discard"
deny_source_ports = [0, 65535]
)");
    REQUIRE(config.listeners.size() == 4);
    CHECK(config.listeners[0].idle_timeout == 0ms);
    CHECK(config.listeners[0].buffer_size == 1000000);
    CHECK(config.listeners[1].protocol == app::EchoProtocol::unix_stream);
    CHECK(config.listeners[1].max_connections == 500);  // default lowered to the global cap
    CHECK(config.listeners[2].rate_limit_pps == 0);
    CHECK(config.listeners[2].deny_source_ports.empty());
    CHECK(config.listeners[3].deny_source_ports == std::vector<std::uint16_t>{0, 65535});
    check_round_trip(config);
}

TEST_CASE("overrides (--set) beat the file and can add a listener", "[config][echo]") {
    const app::EchoConfig config =
        parse_echo(kMinimal, {"listeners.echo.idle_timeout=10s", "listeners.more.bind=127.0.0.1:8",
                              "listeners.more.protocol=udp", "runtime.max_connections=2000"});
    REQUIRE(config.listeners.size() == 2);
    CHECK(config.listeners[0].idle_timeout == 10s);
    CHECK(config.listeners[1].name == "more");
    CHECK(config.listeners[1].protocol == app::EchoProtocol::udp);
    CHECK(config.runtime.max_connections == 2000);
}

TEST_CASE("echo config errors are located and name the full key", "[config][echo]") {
    struct Case {
        const char* what;
        std::string text;
        std::size_t line;
        const char* key;
        const char* message;
    };
    const std::string l = "[listeners.echo]\n";
    const std::vector<Case> cases{
        {"unknown key with hint", l + "bind = \"127.0.0.1:7\"\nprotocl = \"tcp\"\n", 3,
         "listeners.echo.protocl", "did you mean 'protocol'?"},
        {"unknown top-level key", std::string(kMinimal) + "[runtim]\n", 3, "runtim",
         "did you mean 'runtime'?"},
        {"wrong type", l + "bind = \"127.0.0.1:7\"\nmax_connections = \"10\"\n", 3,
         "listeners.echo.max_connections", "expected an integer, got a string"},
        {"out of range", "[runtime]\nmax_connections = 0\n" + l + "bind = \"127.0.0.1:7\"\n", 2,
         "runtime.max_connections", "between 1 and 1000000"},
        {"listener above runtime cap",
         "[runtime]\nmax_connections = 10\n" + l + "bind = \"127.0.0.1:7\"\nmax_connections = 11\n",
         5, "listeners.echo.max_connections", "must not exceed runtime.max_connections (10)"},
        {"bare duration", l + "bind = \"127.0.0.1:7\"\nidle_timeout = \"5\"\n", 3,
         "listeners.echo.idle_timeout", "invalid duration '5'"},
        {"unknown unit", l + "bind = \"127.0.0.1:7\"\nidle_timeout = \"5 parsecs\"\n", 3,
         "listeners.echo.idle_timeout", "invalid duration '5 parsecs'"},
        {"buffer too small", l + "bind = \"127.0.0.1:7\"\nbuffer_size = \"512B\"\n", 3,
         "listeners.echo.buffer_size", "between 1KiB and 16MiB"},
        {"missing bind", "\n" + l + "mode = \"echo\"\n", 2, "listeners.echo.bind",
         "missing required key 'bind'"},
        {"empty bind", l + "bind = []\n", 2, "listeners.echo.bind", "at least one address"},
        {"bad address", l + "bind = [\"127.0.0.1:7\", \"localhost:7\"]\n", 2,
         "listeners.echo.bind[1]", "invalid address"},
        {"unix path too long",
         l + "protocol = \"unix\"\nbind = \"unix:/" + std::string(120, 'x') + "\"\n", 3,
         "listeners.echo.bind", "the limit is 107"},
        {"unix bind on tcp", l + "bind = \"unix:/tmp/e.sock\"\n", 2, "listeners.echo.bind",
         "does not match protocol 'tcp'"},
        {"inet bind on unixgram", l + "protocol = \"unixgram\"\nbind = \"127.0.0.1:7\"\n", 3,
         "listeners.echo.bind", "does not match protocol 'unixgram'"},
        {"datagram key on tcp", l + "bind = \"127.0.0.1:7\"\nmax_datagram = 100\n", 3,
         "listeners.echo.max_datagram", "only valid for protocol udp or unixgram"},
        {"deny port out of range",
         l + "bind = \"127.0.0.1:7\"\nprotocol = \"udp\"\ndeny_source_ports = [7, 70000]\n", 4,
         "listeners.echo.deny_source_ports[1]", "between 0 and 65535"},
        {"bad protocol", l + "bind = \"127.0.0.1:7\"\nprotocol = \"tcpp\"\n", 3,
         "listeners.echo.protocol", "did you mean 'tcp'?"},
        {"bad mode", l + "bind = \"127.0.0.1:7\"\nmode = \"reverse\"\n", 3, "listeners.echo.mode",
         "expected one of echo, discard, chargen, info"},
        {"bad log level", std::string(kMinimal) + "[log]\nlevel = \"verbose\"\n", 4, "log.level",
         "expected one of trace, debug, info, warn, error, critical, off"},
        {"duplicate endpoint",
         l + "bind = \"127.0.0.1:7\"\n[listeners.other]\n\nbind = [\"127.0.0.1:8\", "
             "\"127.0.0.1:7\"]\n",
         5, "listeners.other.bind", "'127.0.0.1:7' is already bound by listener 'echo'"},
        {"wildcard overlap",
         l + "bind = \"0.0.0.0:7\"\n[listeners.other]\nbind = \"127.0.0.1:7\"\n", 4,
         "listeners.other.bind", "already bound by listener 'echo' ('0.0.0.0:7')"},
        {"clash with admin", "[admin]\nlisten = \"127.0.0.1:7\"\n" + std::string(kMinimal), 4,
         "listeners.echo.bind", "already bound by [admin]"},
        {"bad admin address", "[admin]\nlisten = \"nowhere\"\n" + std::string(kMinimal), 2,
         "admin.listen", "invalid address"},
        {"bad listener name", "[listeners.Echo]\nbind = \"127.0.0.1:7\"\n", 1, "listeners.Echo",
         "invalid name 'Echo'"},
        {"no listeners", "[runtime]\n", 1, "listeners", "at least one [listeners.<name>]"},
    };
    for (const Case& c : cases) {
        INFO(c.what << "\n" << c.text);
        const app::ConfigError error = echo_error(c.text);
        CHECK(error.file == "echo.toml");
        CHECK(error.line == c.line);
        CHECK(error.key == c.key);
        CHECK_THAT(error.what(), Contains("echo.toml:" + std::to_string(c.line) + ":") &&
                                     Contains(std::string(c.key) + ": ") && Contains(c.message));
    }
}

TEST_CASE("tcp and udp may share an address; unix and unixgram may not share a path",
          "[config][echo]") {
    CHECK_NOTHROW(
        parse_echo("[listeners.t]\nbind = \"127.0.0.1:7\"\n[listeners.u]\nbind = \"127.0.0.1:7\"\n"
                   "protocol = \"udp\"\n"));
    CHECK_NOTHROW(parse_echo(
        "[listeners.t]\nbind = \"127.0.0.1:0\"\n[listeners.u]\nbind = \"127.0.0.1:0\"\n"));
    const auto error = echo_error(
        "[listeners.s]\nbind = \"unix:/tmp/e.sock\"\nprotocol = \"unix\"\n"
        "[listeners.t]\nbind = \"unix:/tmp/e.sock\"\nprotocol = \"unixgram\"\n");
    CHECK(error.key == "listeners.t.bind");
    CHECK_THAT(error.what(), Contains("already bound by listener 's'"));
}
