// ConfigReader / Section: typed access, defaults, and located errors (file:line:col: key).

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "config/config_reader.hpp"
#include "config/load.hpp"

using namespace std::chrono_literals;
using Catch::Contains;

namespace {

/// Runs `schema` over `text` (named "reader.toml"), then rejects unknown keys; returns the
/// ConfigError it throws (fails the test if none).
app::ConfigError error_of(std::string_view text, const std::function<void(app::Section&)>& schema,
                          const std::vector<std::string>& sets = {}) {
    toml::table table = app::parse_config_text(text, "reader.toml");
    app::apply_overrides(table, sets);
    app::ConfigReader reader(table, "reader.toml");
    try {
        app::Section root = reader.root();
        schema(root);
        reader.finish();
    } catch (const app::ConfigError& error) {
        return error;
    }
    FAIL("expected a ConfigError");
    throw std::logic_error("unreachable");
}

void server_schema(app::Section& root) {
    app::Section server = root.section_or_empty("server");
    (void)server.integer<int>("port", 80, 1, 65535);
    (void)server.get<std::string>("name", "x");
    (void)server.duration("timeout", 5s);
    (void)server.size("buffer", 1024, 1024, 16 * 1024 * 1024);
    (void)server.one_of("mode", "fast", {"fast", "slow"});
    (void)server.get<bool>("enabled", true);
}

}  // namespace

TEST_CASE("Section reads typed values and falls back to defaults", "[config][reader]") {
    const toml::table table = app::parse_config_text(R"(
[server]
port = 8080
name = "srv"
timeout = "250ms"
buffer = "16KiB"
ratio = 0.5
addrs = ["127.0.0.1:1", "unix:/tmp/x.sock"]
single = "one"
ports = [1, 2]
[things.a]
v = 1
[things.b-2]
v = 2
[[servers]]
address = "10.0.0.1:5432"
[[servers]]
address = "10.0.0.2:5432"
)",
                                                     "reader.toml");
    app::ConfigReader reader(table, "reader.toml");
    app::Section root = reader.root();
    auto server = root.section("server");
    REQUIRE(server);
    CHECK(server->path() == "server");
    CHECK(server->integer<int>("port", 80, 1, 65535) == 8080);
    CHECK(server->require<std::string>("name") == "srv");
    CHECK(server->get<std::string>("missing", "dflt") == "dflt");
    CHECK(server->duration("timeout", 5s) == 250ms);
    CHECK(server->duration("other_timeout", 5s) == 5s);
    CHECK(server->size("buffer", 0) == 16 * 1024);
    CHECK(server->get<double>("ratio", 1.0) == 0.5);
    CHECK(server->endpoints("addrs").size() == 2);
    CHECK(server->string_or_list("single") == std::vector<std::string>{"one"});
    CHECK(server->string_or_list("absent").empty());
    CHECK(server->integer_list<std::uint16_t>("ports", {}, 0, 65535) ==
          std::vector<std::uint16_t>{1, 2});
    CHECK_FALSE(root.section("absent").has_value());
    const auto things = root.sections("things");
    REQUIRE(things.size() == 2);
    CHECK(things[0].first == "a");
    CHECK(things[1].second.path() == "things.b-2");
    const auto servers = root.table_array("servers");
    REQUIRE(servers.size() == 2);
    CHECK(servers[1].path() == "servers[1]");
    for (auto [name, thing] : things)
        CHECK(thing.get<std::int64_t>("v", 0) > 0);
    for (auto entry : servers)
        CHECK(entry.endpoint("address").has_value());
    CHECK_NOTHROW(reader.finish());
}

TEST_CASE("unknown keys are rejected with their position and a did-you-mean hint",
          "[config][reader]") {
    const auto error = error_of("[server]\nport = 80\n\ntimout = \"5s\"\n", server_schema);
    CHECK(error.file == "reader.toml");
    CHECK(error.line == 4);
    CHECK(error.column == 1);
    CHECK(error.key == "server.timout");
    CHECK_THAT(error.what(), Contains("reader.toml:4:1: server.timout: unknown key 'timout'") &&
                                 Contains("did you mean 'timeout'?"));
}

TEST_CASE("an unknown table is rejected at its header, first in file order", "[config][reader]") {
    const auto error = error_of("[srever]\nport = 1\n[server]\nzzz = 1\n", server_schema);
    CHECK(error.line == 1);
    CHECK(error.key == "srever");
    CHECK_THAT(error.what(), Contains("did you mean 'server'?"));
}

TEST_CASE("a far-off unknown key gets no hint", "[config][reader]") {
    const auto error = error_of("[server]\ncompletely_different = 1\n", server_schema);
    CHECK_THAT(error.what(),
               Contains("unknown key 'completely_different'") && !Contains("did you mean"));
}

TEST_CASE("a value of the wrong type names both types", "[config][reader]") {
    const auto error = error_of("[server]\n\nport = \"80\"\n", server_schema);
    CHECK(error.line == 3);
    CHECK(error.key == "server.port");
    CHECK_THAT(error.what(), Contains("reader.toml:3:") && Contains("expected an integer") &&
                                 Contains("got a string"));
}

TEST_CASE("an integer out of range names the allowed range", "[config][reader]") {
    const auto error = error_of("[server]\nport = 70000\n", server_schema);
    CHECK(error.line == 2);
    CHECK_THAT(error.what(), Contains("server.port: must be between 1 and 65535 (got 70000)"));
}

TEST_CASE("durations need a unit", "[config][reader]") {
    auto error = error_of("[server]\ntimeout = \"5\"\n", server_schema);
    CHECK(error.line == 2);
    CHECK_THAT(error.what(), Contains("server.timeout: invalid duration '5'"));
    error = error_of("[server]\n\ntimeout = \"5 parsecs\"\n", server_schema);
    CHECK(error.line == 3);
    CHECK_THAT(error.what(), Contains("invalid duration '5 parsecs'"));
    error = error_of("[server]\ntimeout = 5\n", server_schema);
    CHECK_THAT(error.what(), Contains("expected a duration string") && Contains("got an integer"));
}

TEST_CASE("sizes: bad units and ranges in units", "[config][reader]") {
    auto error = error_of("[server]\nbuffer = \"16KB\"\n", server_schema);
    CHECK_THAT(error.what(), Contains("server.buffer: invalid size '16KB'"));
    error = error_of("[server]\nbuffer = 512\n", server_schema);
    CHECK_THAT(error.what(), Contains("must be between 1KiB and 16MiB (got 512B)"));
    error = error_of("[server]\nbuffer = -1\n", server_schema);
    CHECK_THAT(error.what(), Contains("must not be negative"));
}

TEST_CASE("one_of lists the choices and suggests the closest", "[config][reader]") {
    const auto error = error_of("[server]\nmode = \"fsat\"\n", server_schema);
    CHECK_THAT(error.what(), Contains("server.mode: invalid value 'fsat': expected one of fast, "
                                      "slow; did you mean 'fast'?"));
}

TEST_CASE("a missing required key is located at its table, with a typo hint", "[config][reader]") {
    const auto error =
        error_of("# comment\n\n[listeners.web]\nbnd = \"x\"\n", [](app::Section& root) {
            for (auto& [name, listener] : root.sections("listeners")) {
                (void)listener.require<std::string>("bind");
            }
        });
    CHECK(error.line == 3);
    CHECK(error.key == "listeners.web.bind");
    CHECK_THAT(error.what(),
               Contains("missing required key 'bind'") && Contains("is 'bnd' a misspelling?"));
}

TEST_CASE("named tables must match [a-z0-9_-]+", "[config][reader]") {
    const auto error = error_of("[things.ok]\n[things.Bad]\n",
                                [](app::Section& root) { (void)root.sections("things"); });
    CHECK(error.line == 2);
    CHECK(error.key == "things.Bad");
    CHECK_THAT(error.what(), Contains("invalid name 'Bad'"));
}

TEST_CASE("a named member that is not a table is rejected", "[config][reader]") {
    const auto error =
        error_of("things = { a = 1 }\n", [](app::Section& root) { (void)root.sections("things"); });
    CHECK(error.key == "things.a");
    CHECK_THAT(error.what(), Contains("expected a table, got an integer"));
}

TEST_CASE("unknown keys inside arrays of tables are found", "[config][reader]") {
    const auto error = error_of("[[servers]]\naddress = \"1.2.3.4:5\"\n[[servers]]\nadress = 1\n",
                                [](app::Section& root) {
                                    for (auto server : root.table_array("servers")) {
                                        (void)server.endpoint("address");
                                    }
                                });
    CHECK(error.line == 4);
    CHECK(error.key == "servers[1].adress");
    CHECK_THAT(error.what(), Contains("did you mean 'address'?"));
}

TEST_CASE("errors in list elements name the element", "[config][reader]") {
    const auto error = error_of("addrs = [\"127.0.0.1:1\",\n  \"nope\"]\n",
                                [](app::Section& root) { (void)root.endpoints("addrs"); });
    CHECK(error.line == 2);
    CHECK(error.key == "addrs[1]");
    CHECK_THAT(error.what(), Contains("invalid address"));
}

TEST_CASE("errors in --set values name the override instead of a file line", "[config][reader]") {
    const auto error = error_of("[server]\nport = 80\n", server_schema, {"server.port=0"});
    CHECK(error.file == "--set server.port=0");
    CHECK(error.line == 0);
    CHECK_THAT(error.what(), Contains("--set server.port=0: server.port: must be between 1"));
    const auto unknown = error_of("[server]\n", server_schema, {"server.prot=1"});
    CHECK(unknown.file == "--set server.prot=1");
    CHECK_THAT(unknown.what(), Contains("server.prot: unknown key 'prot'; did you mean 'port'?"));
}
