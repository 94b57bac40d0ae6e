// mio-proxy end to end, reload: all or nothing for the listeners. A new configuration whose
// listener cannot bind changes nothing (not the listeners, not the upstreams) and says why;
// POST /reload answers with the outcome. Open connections are never cut.
#ifdef MIO_PROXY_PATH

#include <csignal>

#include "proxy_harness.hpp"

using namespace e2e;

namespace {

std::string two_listeners(const std::string& server, const std::string& second_bind,
                          std::string_view weight) {
    return proxy_base() + proxy_listener("front", "u") +
           proxy_listener("second", "u", "", second_bind) +
           proxy_upstream("u", {"address = \"" + server + "\", weight = " + std::string(weight)});
}

RunResult post_reload(const ProxyProcess& proxy) {
    return run("timeout 20 curl -s -S -X POST -w '\\n%{http_code}' http://" +
               proxy.admin_address() + "/reload");
}

}  // namespace

TEST_CASE("proxy: a reload whose listener cannot bind changes nothing", "[e2e][proxy]") {
    Backend echo;
    PlainServer taken;  // holds the port the new configuration wants
    ProxyProcess proxy(proxy_base() + proxy_listener("front", "u") +
                       proxy_upstream("u", {"address = \"" + echo.addr() + "\", weight = 1"}));
    Client open = Client::tcp(proxy.front());
    CHECK(open.echo("before") == "before");
    const std::string front = proxy.front();

    proxy.write_config(two_listeners(echo.addr(), taken.addr(), "7"));
    const std::size_t mark = proxy.stderr_mark();
    proxy.send_signal(SIGHUP);
    const auto line = proxy.wait_for_line("reload refused", kWait, mark);
    REQUIRE(line.has_value());
    INFO(*line);
    CHECK(line->find("listener 'second'") != std::string::npos);
    CHECK(line->find(taken.addr()) != std::string::npos);
    // Nothing changed: the weight is the old one, the old listener still serves, the open
    // connection still works.
    CHECK(server_field(proxy.upstreams(), echo.addr(), "weight") == std::string("1"));
    CHECK(open.echo("after") == "after");
    Client fresh = Client::tcp(front);
    CHECK(fresh.echo("new client") == "new client");
}

TEST_CASE("proxy: POST /reload answers with the outcome", "[e2e][proxy]") {
    Backend echo;
    PlainServer taken;
    ProxyProcess proxy(proxy_base() + proxy_listener("front", "u") +
                       proxy_upstream("u", {"address = \"" + echo.addr() + "\", weight = 1"}));
    proxy.write_config(two_listeners(echo.addr(), taken.addr(), "3"));
    const RunResult refused = post_reload(proxy);
    INFO(refused.out << refused.err);
    CHECK(refused.out.find("\"reloaded\":false") != std::string::npos);
    CHECK(refused.out.ends_with("\n409"));
    CHECK(server_field(proxy.upstreams(), echo.addr(), "weight") == std::string("1"));

    proxy.write_config(two_listeners(echo.addr(), "127.0.0.1:0", "3"));
    const RunResult ok = post_reload(proxy);
    INFO(ok.out << ok.err);
    CHECK(ok.out == "{\"reloaded\":true}\n\n200");
    CHECK(server_field(proxy.upstreams(), echo.addr(), "weight") == std::string("3"));
    Client second = Client::tcp(proxy.address("second"));
    CHECK(second.echo("via the new listener") == "via the new listener");

    proxy.write_config("[listeners.front]\nbnd = 1\n");
    const RunResult invalid = post_reload(proxy);
    CHECK(invalid.out.find("unknown key 'bnd'") != std::string::npos);
    CHECK(invalid.out.ends_with("\n409"));
}

#endif  // MIO_PROXY_PATH

TEST_CASE("proxy: 1,000 reloads that replace an upstream leave nothing behind", "[e2e][proxy]") {
    Backend echo;
    const auto config = [&](int weight) {
        return proxy_base() + proxy_listener("front", "u") +
               proxy_upstream(
                   "u", {"address = \"" + echo.addr() + "\", weight = " + std::to_string(weight)},
                   "", "[upstreams.u.health]\ninterval = \"1s\"\ntimeout = \"500ms\"\n");
    };
    ProxyProcess proxy(config(1));
    const std::string held = "mio_proxy_upstreams_held";
    // A tunnel that lasts through every reload keeps the first upstream (retired) alive.
    Client lasting = Client::tcp(proxy.front());
    CHECK(lasting.echo("before") == "before");
    for (int i = 1; i <= 1000; ++i)
        proxy.reload(config(1 + i % 2));  // a changed weight: the upstream is rebuilt
    // The first (held), the live one and the one the last reload retired (kept until the
    // next, so that a refused reload could bring it back): every other one was reused.
    CHECK(series(proxy.metrics(), held) == 3u);
    CHECK(lasting.echo("after") == "after");
    lasting.close();
    Client fresh = Client::tcp(proxy.front());
    CHECK(fresh.echo("new") == "new");
    CHECK(eventually(
        [&] { return proxy.upstreams().find("\"healthy\":true") != std::string::npos; }));
    proxy.reload(config(3));
    CHECK(series(proxy.metrics(), held) == 3u);
}
