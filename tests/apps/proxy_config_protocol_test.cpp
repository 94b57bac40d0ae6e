// mio-proxy's config for the PROXY protocol (sent per upstream or per server, v2 only for UDP;
// accepted from trusted_proxies on TCP listeners) and for [access_log].
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "proxy_config_support.hpp"

using Catch::Contains;
using namespace proxy_config_test;

TEST_CASE("proxy_protocol is an upstream's or a server's choice, v2 only for UDP",
          "[config][proxy_config]") {
    const std::string listener = "[listeners.l]\nbind = \"127.0.0.1:80\"\nupstream = \"u\"\n";
    const app::ProxyConfig config = parse_proxy(
        listener +
        "[upstreams.u]\nproxy_protocol = \"v2\"\nservers = [{ address = \"127.0.0.1:9\" }]\n");
    CHECK(config.upstreams.at(0).proxy_protocol == app::ProxyProtocol::v2);
    check_round_trip(config);
    CHECK_THAT(proxy_error(listener + "[upstreams.u]\nproxy_protocol = \"v3\"\n"
                                      "servers = [{ address = \"127.0.0.1:9\" }]\n")
                   .what(),
               Contains("expected one of off, v1, v2"));
    CHECK_THAT(proxy_error(listener + "protocol = \"udp\"\n[upstreams.u]\nproxy_protocol = \"v1\"\n"
                                      "servers = [{ address = \"127.0.0.1:9\" }]\n")
                   .what(),
               Contains("upstream 'u' sends PROXY v1 to '127.0.0.1:9', which cannot carry "
                        "UDP: use proxy_protocol = \"v2\""));
    const app::ProxyConfig udp =
        parse_proxy(listener +
                    "protocol = \"udp\"\n[upstreams.u]\nproxy_protocol = \"v1\"\n"
                    "servers = [{ address = \"127.0.0.1:9\", proxy_protocol = \"v2\" },\n"
                    "           { address = \"127.0.0.1:10\", proxy_protocol = \"off\" }]\n");
    CHECK(udp.upstreams.at(0).servers.at(0).proxy_protocol == app::ProxyProtocol::v2);
    CHECK(udp.upstreams.at(0).servers.at(1).proxy_protocol == app::ProxyProtocol::off);
    check_round_trip(udp);
}

TEST_CASE("accept_proxy_protocol needs trusted_proxies and a TCP listener",
          "[config][proxy_config]") {
    const std::string listener = "[listeners.l]\nbind = \"127.0.0.1:80\"\nupstream = \"u\"\n";
    const std::string upstream = "[upstreams.u]\nservers = [{ address = \"127.0.0.1:9\" }]\n";
    const app::ProxyConfig config = parse_proxy(
        listener + "accept_proxy_protocol = true\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n" +
        "proxy_protocol_timeout = \"2s\"\n" + upstream);
    const app::ProxyListenerConfig& l = config.listeners.at(0);
    CHECK(l.accept_proxy_protocol);
    CHECK(l.trusted_proxies.size() == 2);
    CHECK(l.proxy_protocol_timeout == std::chrono::seconds(2));
    check_round_trip(config);
    CHECK_THAT(proxy_error(listener + "accept_proxy_protocol = true\n" + upstream).what(),
               Contains("listeners.l.trusted_proxies: accept_proxy_protocol needs the CIDRs of "
                        "the proxies allowed to send a PROXY header"));
    CHECK_THAT(proxy_error(listener + "protocol = \"udp\"\naccept_proxy_protocol = true\n" +
                           "trusted_proxies = [\"10.0.0.0/8\"]\n" + upstream)
                   .what(),
               Contains("listeners.l.accept_proxy_protocol: is for TCP listeners only"));
    CHECK_THAT(proxy_error(listener + "proxy_protocol_timeout = \"0s\"\n" + upstream).what(),
               Contains("listeners.l.proxy_protocol_timeout"));
}

TEST_CASE("[access_log] target and interval", "[config][proxy_config]") {
    const std::string rest =
        "[listeners.l]\nbind = \"127.0.0.1:80\"\nupstream = \"u\"\n"
        "[upstreams.u]\nservers = [{ address = \"127.0.0.1:9\" }]\n";
    const app::ProxyConfig config =
        parse_proxy("[access_log]\ntarget = \"stdout\"\ninterval = \"1m\"\n" + rest);
    CHECK(config.access_log.target == "stdout");
    CHECK(config.access_log.interval == std::chrono::minutes(1));
    CHECK(parse_proxy(rest).access_log.target == "off");
    check_round_trip(config);
    CHECK_THAT(proxy_error("[access_log]\ntarget = \"\"\n" + rest).what(),
               Contains("access_log.target: must be off, stdout, stderr or a file path"));
    CHECK_THAT(proxy_error("[access_log]\ntraget = \"stdout\"\n" + rest).what(),
               Contains("access_log.traget"));
}
