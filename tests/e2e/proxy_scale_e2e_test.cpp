// mio-proxy end to end, scale-out on one machine: one process is one core, so N processes
// share a port with `reuseport = true` and the kernel spreads new connections across them.
#ifdef MIO_PROXY_PATH

#include <vector>

#include "proxy_harness.hpp"

using namespace e2e;

TEST_CASE("proxy: two processes on one port with reuseport share its connections", "[e2e][proxy]") {
    Backend echo;
    const std::string port_bind = "127.0.0.1:" + std::to_string(free_port());
    const std::string config = proxy_base() +
                               proxy_listener("front", "u", "reuseport = true\n", port_bind) +
                               proxy_upstream("u", {echo.addr()});
    ProxyProcess first(config);
    ProxyProcess second(config);  // binds the same address: SO_REUSEPORT on both
    REQUIRE(first.front() == port_bind);
    REQUIRE(second.front() == port_bind);

    // Each connection comes from its own source port; the kernel picks a process by a hash of
    // the 4-tuple, so 64 connections all landing on one of two processes has odds of 2^-63.
    constexpr int kConnections = 64;
    std::vector<Client> clients;
    for (int i = 0; i < kConnections; ++i) {
        clients.push_back(Client::tcp(port_bind));
        const std::string data = pattern(100, static_cast<std::uint64_t>(i));
        CHECK(diff(clients.back().echo(data), data) == "");
    }
    const std::string accepted = "mio_proxy_connections_total{listener=\"front\"}";
    const auto by_first = series(first.metrics(), accepted);
    const auto by_second = series(second.metrics(), accepted);
    REQUIRE(by_first.has_value());
    REQUIRE(by_second.has_value());
    INFO("first " << *by_first << ", second " << *by_second);
    CHECK(*by_first + *by_second == kConnections);
    CHECK(*by_first > 0);
    CHECK(*by_second > 0);
}

#endif  // MIO_PROXY_PATH
