// mio-proxy's config schema: defaults, the shipped file, round trips and every error case.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>

#include "config/load.hpp"
#include "proxy_config.hpp"
#include "proxy_config_support.hpp"

using namespace std::chrono_literals;
using namespace proxy_config_test;
using Catch::Contains;

namespace {

const std::string kShippedConfig =
    (std::filesystem::path(__FILE__).parent_path() / "../../config/mio-proxy.toml").string();

/// Every key of `effective` (recursively, arrays of tables element by element) is in `file`.
void check_all_keys_present(const toml::table& effective, const toml::table& file,
                            const std::string& path) {
    for (auto&& [key, value] : effective) {
        const std::string name = path + std::string(key.str());
        INFO(name);
        const toml::node* present = file.get(key.str());
        CHECK(present != nullptr);
        if (present == nullptr) continue;
        if (const auto* table = value.as_table()) {
            REQUIRE(present->is_table());
            check_all_keys_present(*table, *present->as_table(), name + ".");
        } else if (const auto* array = value.as_array(); array && array->is_array_of_tables()) {
            REQUIRE(present->is_array());
            REQUIRE(present->as_array()->size() == array->size());
            for (std::size_t i = 0; i < array->size(); ++i) {
                check_all_keys_present(*array->get(i)->as_table(),
                                       *present->as_array()->get(i)->as_table(),
                                       name + "[" + std::to_string(i) + "].");
            }
        }
    }
}

app::Endpoint ep(std::string_view text) {
    return *app::Endpoint::parse(text);
}

constexpr std::string_view kMinimal =
    "[listeners.web]\nbind = \"127.0.0.1:8080\"\nupstream = \"app\"\n"
    "[upstreams.app]\n[[upstreams.app.servers]]\naddress = \"127.0.0.1:9000\"\n";

}  // namespace

TEST_CASE("a minimal proxy config gets every default", "[config][proxy_config]") {
    const app::ProxyConfig config = parse_proxy(kMinimal);
    CHECK(config.runtime.max_connections == 20000);
    CHECK(config.runtime.buffer_size == 16 * 1024);
    CHECK(config.runtime.memory_limit == 512ull << 20);
    CHECK(config.runtime.drain_timeout == 25s);
    CHECK(config.runtime.splice == app::SpliceMode::automatic);
    CHECK(config.log == app::LogConfig{});
    CHECK_FALSE(config.admin.listen.has_value());
    REQUIRE(config.listeners.size() == 1);
    const auto& listener = config.listeners[0];
    CHECK(listener.name == "web");
    CHECK(listener.bind == std::vector{ep("127.0.0.1:8080")});
    CHECK(listener.upstream == "app");
    CHECK(listener.max_connections == 10000);
    CHECK(listener.max_connections_per_ip == 0);
    CHECK(listener.tcp_nodelay);
    CHECK_FALSE(listener.reuseport);
    REQUIRE(config.upstreams.size() == 1);
    const auto& upstream = config.upstreams[0];
    CHECK(upstream.name == "app");
    CHECK(upstream.balance == app::Balance::round_robin);
    CHECK(upstream.connect_timeout == 3s);
    CHECK(upstream.idle_timeout == 15min);
    CHECK(upstream.half_close);
    CHECK(upstream.fin_timeout == 30s);
    CHECK(upstream.retries == 2);
    CHECK(upstream.passive.max_fails == 3);
    CHECK(upstream.passive.fail_window == 10s);
    CHECK(upstream.passive.eject_for == 30s);
    CHECK_FALSE(upstream.health.has_value());
    REQUIRE(upstream.servers.size() == 1);
    CHECK(upstream.servers[0].address == ep("127.0.0.1:9000"));
    CHECK(upstream.servers[0].weight == 1);
    CHECK(upstream.servers[0].max_connections == 0);
    CHECK_FALSE(upstream.servers[0].backup);
    CHECK(config.upstream("app") == &upstream);
    CHECK(config.upstream("nope") == nullptr);
    check_round_trip(config);
}

TEST_CASE("the shipped proxy config parses, round-trips and shows every key",
          "[config][proxy_config]") {
    const toml::table table = app::load_config_file(kShippedConfig);
    app::ConfigReader reader(table, kShippedConfig);
    const app::ProxyConfig config = app::parse_proxy_config(reader);
    REQUIRE(config.listeners.size() == 1);
    const auto& listener = config.listeners[0];
    CHECK(listener.name == "echo");
    CHECK(listener.upstream == "echo");
    REQUIRE(listener.bind.size() == 1);
    CHECK(listener.bind[0].to_string() == "127.0.0.1:7100");
    CHECK(listener.bind[0].inet().is_loopback());
    REQUIRE(config.admin.listen.has_value());
    CHECK(config.admin.listen->to_string() == "127.0.0.1:9902");
    CHECK(config.admin.listen->inet().is_loopback());
    REQUIRE(config.upstreams.size() == 1);
    const auto& upstream = config.upstreams[0];
    REQUIRE(upstream.servers.size() == 2);
    CHECK(upstream.servers[0].address == ep("127.0.0.1:7007"));
    CHECK_FALSE(upstream.servers[0].backup);
    CHECK(upstream.servers[1].address == ep("127.0.0.1:7008"));
    CHECK(upstream.servers[1].backup);
    REQUIRE(upstream.health.has_value());
    CHECK(upstream.health->send == "ping\n");
    // Apart from its servers, admin address and health payload, the shipped file is the
    // defaults: a minimal config naming the same things parses to the same config.
    app::ProxyConfig defaults = parse_proxy(R"(
[admin]
listen = "127.0.0.1:9902"
[listeners.echo]
bind = "127.0.0.1:7100"
upstream = "echo"
[upstreams.echo.health]
send = "ping\n"
expect = "ping\n"
[[upstreams.echo.servers]]
address = "127.0.0.1:7007"
[[upstreams.echo.servers]]
address = "127.0.0.1:7008"
backup = true
)");
    CHECK(defaults == config);
    check_round_trip(config);
    check_all_keys_present(app::proxy_config_to_toml(config), table, "");
}

TEST_CASE("a full proxy config round-trips", "[config][proxy_config]") {
    const app::ProxyConfig config = parse_proxy(R"(
[runtime]
max_connections = 500
buffer_size = "64KiB"
memory_limit = 1000000
drain_timeout = "off"
splice = "always"
[log]
level = "debug"
format = "json"
target = "/var/log/mio-proxy.log"
[admin]
listen = "unix:/run/mio-proxy/admin.sock"
[listeners.a]
bind = ["0.0.0.0:5432", "[::1]:5432", "unix:/run/mio-proxy/pg.sock"]
protocol = "tcp"
upstream = "pg"
max_connections_per_ip = 200
tcp_nodelay = false
reuseport = true
[listeners.b-2]
bind = "127.0.0.1:0"
upstream = "dns_x"
max_connections = 7
[upstreams.pg]
balance = "least_conn"
connect_timeout = "250ms"
idle_timeout = "off"
half_close = false
fin_timeout = "0s"
retries = 16
  [upstreams.pg.passive]
  max_fails = 0
  fail_window = "1m"
  eject_for = "1h"
  [upstreams.pg.health]
  interval = "1s"
  timeout = "999ms"
  rise = 1
  fall = 100
  expect = "220 "
  [[upstreams.pg.servers]]
  address = "10.0.1.10:5432"
  weight = 1000
  max_connections = 50
  [[upstreams.pg.servers]]
  address = "unix:/run/pg.sock"
  [[upstreams.pg.servers]]
  address = "[2001:db8::1]:5432"
  backup = true
[upstreams.dns_x]
balance = "hash"
servers = [ { address = "10.0.2.53:53" }, { address = "10.0.3.53:53", weight = 2 } ]
[upstreams.unused]
balance = "first"
servers = [ { address = "10.0.9.9:1" } ]
)");
    CHECK(config.runtime.buffer_size == 64 * 1024);
    CHECK(config.runtime.memory_limit == 1000000);
    CHECK(config.runtime.drain_timeout == 0ms);
    REQUIRE(config.listeners.size() == 2);
    CHECK(config.listeners[0].bind.size() == 3);
    CHECK(config.listeners[0].max_connections == 500);  // default lowered to the global cap
    CHECK(config.listeners[1].name == "b-2");
    REQUIRE(config.upstreams.size() == 3);
    const auto& dns = config.upstreams[0];  // name order
    CHECK(dns.name == "dns_x");
    CHECK(dns.balance == app::Balance::hash);
    REQUIRE(dns.servers.size() == 2);
    CHECK(dns.servers[1].weight == 2);
    const auto& pg = config.upstreams[1];
    CHECK(pg.idle_timeout == 0ms);
    CHECK(pg.passive.max_fails == 0);
    REQUIRE(pg.health.has_value());
    CHECK(pg.health->send.empty());
    CHECK(pg.health->expect == "220 ");
    CHECK(pg.servers[1].address.is_unix());
    CHECK(pg.servers[2].backup);
    CHECK(config.upstreams[2].name == "unused");
    check_round_trip(config);
}

TEST_CASE("overrides (--set) apply to upstreams and servers", "[config][proxy_config]") {
    const app::ProxyConfig config =
        parse_proxy(kMinimal, {"upstreams.app.balance=p2c", "upstreams.app.health.rise=5",
                               "listeners.web.max_connections_per_ip=3"});
    CHECK(config.upstreams[0].balance == app::Balance::p2c);
    REQUIRE(config.upstreams[0].health.has_value());
    CHECK(config.upstreams[0].health->rise == 5);
    CHECK(config.upstreams[0].health->interval == 2s);
    CHECK(config.listeners[0].max_connections_per_ip == 3);
}

TEST_CASE("every balance algorithm has its config name", "[config][proxy_config]") {
    for (const char* name : {"round_robin", "least_conn", "p2c", "random", "hash", "first"}) {
        const app::ProxyConfig config =
            parse_proxy(kMinimal, {std::string("upstreams.app.balance=") + name});
        CHECK(app::to_string(config.upstreams[0].balance) == name);
    }
}

TEST_CASE("proxy config edge cases that are valid", "[config][proxy_config]") {
    const std::string m(kMinimal);
    SECTION("an unused upstream is allowed") {
        const auto config =
            parse_proxy(m + "[upstreams.spare]\nservers = [{ address = \"127.0.0.1:9001\" }]\n");
        CHECK(config.upstreams.size() == 2);
    }
    SECTION("expect without send waits for a banner") {
        const auto config = parse_proxy(m + "[upstreams.app.health]\nexpect = \"SSH-\"\n");
        REQUIRE(config.upstreams[0].health.has_value());
        CHECK(config.upstreams[0].health->send.empty());
        CHECK(config.upstreams[0].health->expect == "SSH-");
    }
    SECTION("an empty health table turns on active checks with the defaults") {
        const auto config = parse_proxy(m + "[upstreams.app.health]\n");
        CHECK(config.upstreams[0].health == app::ActiveHealthConfig{});
    }
    SECTION("memory_limit of exactly two buffers") {
        const auto config =
            parse_proxy("[runtime]\nbuffer_size = \"1MiB\"\nmemory_limit = \"2MiB\"\n" + m);
        CHECK(config.runtime.memory_limit == 2u << 20);
    }
    SECTION("the same address in different upstreams, and port 0 twice") {
        CHECK_NOTHROW(parse_proxy(m +
                                  "[upstreams.b]\nservers = [{ address = \"127.0.0.1:9000\" }]\n"
                                  "[listeners.x]\nbind = \"127.0.0.1:0\"\nupstream = \"b\"\n"
                                  "[listeners.y]\nbind = \"127.0.0.1:0\"\nupstream = \"b\"\n"));
    }
    SECTION("a unix listener path twice is an error") {
        const auto error = proxy_error(
            "[listeners.x]\nbind = \"unix:/tmp/p.sock\"\nupstream = \"app\"\n"
            "[listeners.y]\nbind = \"unix:/tmp/p.sock\"\nupstream = \"app\"\n" +
            m.substr(m.find("[upstreams")));
        CHECK(error.key == "listeners.y.bind");
        CHECK_THAT(error.what(), Contains("already bound by listener 'x'"));
    }
}

TEST_CASE("a UDP listener gets its session defaults and round-trips", "[config][proxy_config]") {
    const std::string upstream = "[upstreams.dns]\nservers = [{ address = \"127.0.0.1:53\" }]\n";
    const app::ProxyConfig defaults = parse_proxy(
        "[listeners.dns]\nbind = \"127.0.0.1:5353\"\nprotocol = \"udp\"\nupstream = \"dns\"\n" +
        upstream);
    const app::ProxyListenerConfig& l = defaults.listeners.at(0);
    CHECK(l.protocol == app::Protocol::udp);
    CHECK(l.udp == app::UdpSessionConfig{});
    CHECK(l.udp.idle_timeout == 30s);
    CHECK(l.udp.max_datagram == 65507);
    check_round_trip(defaults);

    const app::ProxyConfig custom = parse_proxy(
        "[listeners.dns]\nbind = \"127.0.0.1:5353\"\nprotocol = \"udp\"\nupstream = \"dns\"\n"
        "[listeners.dns.udp]\nsession_key = \"src_ip\"\nidle_timeout = \"5s\"\n"
        "max_sessions = 100\nexpected_responses = 1\nrequests_per_session = 3\n"
        "max_datagram = 512\n" +
        upstream);
    const app::UdpSessionConfig& udp = custom.listeners.at(0).udp;
    CHECK(udp.session_key == app::SessionKeyMode::src_ip);
    CHECK(udp.idle_timeout == 5s);
    CHECK(udp.max_sessions == 100);
    CHECK(udp.expected_responses == 1);
    CHECK(udp.requests_per_session == 3);
    CHECK(udp.max_datagram == 512);
    check_round_trip(custom);
}

TEST_CASE("UDP listener mistakes are named", "[config][proxy_config]") {
    const std::string tcp_upstream = "[upstreams.u]\nservers = [{ address = \"127.0.0.1:53\" }]\n";
    const std::string head = "[listeners.l]\nbind = \"127.0.0.1:5353\"\nupstream = \"u\"\n";
    CHECK_THAT(proxy_error(head + "[listeners.l.udp]\nmax_sessions = 5\n" + tcp_upstream).what(),
               Contains("listeners.l.udp: [listeners.l.udp] is for protocol = \"udp\" only"));
    CHECK_THAT(proxy_error(head + "protocol = \"udp\"\n[upstreams.u]\n"
                                  "servers = [{ address = \"unix:/run/x.sock\" }]\n")
                   .what(),
               Contains("has the Unix server 'unix:/run/x.sock': a UDP listener needs host:port"));
    CHECK_THAT(proxy_error("[listeners.l]\nbind = \"unix:/tmp/x.sock\"\nupstream = \"u\"\n"
                           "protocol = \"udp\"\n" +
                           tcp_upstream)
                   .what(),
               Contains("a UDP listener binds host:port"));
    CHECK_THAT(proxy_error(head + "protocol = \"udp\"\n[listeners.l.udp]\nmax_datagram = 70000\n" +
                           tcp_upstream)
                   .what(),
               Contains("listeners.l.udp.max_datagram"));
    CHECK_THAT(proxy_error(head + "protocol = \"udp\"\n[listeners.l.udp]\nsession_key = \"ip\"\n" +
                           tcp_upstream)
                   .what(),
               Contains("expected one of src_addr, src_ip, none"));
}

TEST_CASE("a TCP and a UDP listener may share an address", "[config][proxy_config]") {
    const app::ProxyConfig config = parse_proxy(
        "[listeners.t]\nbind = \"127.0.0.1:5353\"\nupstream = \"u\"\n"
        "[listeners.d]\nbind = \"127.0.0.1:5353\"\nprotocol = \"udp\"\nupstream = \"u\"\n"
        "[upstreams.u]\nservers = [{ address = \"127.0.0.1:53\" }]\n");
    CHECK(config.listeners.size() == 2);
}

TEST_CASE("allow and deny take CIDR blocks and name a bad one", "[config][proxy_config]") {
    const std::string rest = "[upstreams.u]\nservers = [{ address = \"127.0.0.1:53\" }]\n";
    const app::ProxyConfig config = parse_proxy(
        "[listeners.l]\nbind = \"127.0.0.1:80\"\nupstream = \"u\"\n"
        "allow = [\"10.0.0.0/8\", \"::1\"]\ndeny = \"10.9.0.0/16\"\n" +
        rest);
    const auto& l = config.listeners.at(0);
    REQUIRE(l.allow.size() == 2);
    CHECK(l.allow[1].to_string() == "::1/128");
    REQUIRE(l.deny.size() == 1);
    CHECK(l.deny[0].to_string() == "10.9.0.0/16");
    check_round_trip(config);
    CHECK_THAT(proxy_error("[listeners.l]\nbind = \"127.0.0.1:80\"\nupstream = \"u\"\n"
                           "allow = [\"10.0.0.1/8\"]\n" +
                           rest)
                   .what(),
               Contains("listeners.l.allow: '10.0.0.1/8': host bits are set: did you mean "
                        "'10.0.0.0/8'?"));
}
