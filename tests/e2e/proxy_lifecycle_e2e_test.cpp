// mio-proxy end to end, limits and lifecycle: a listener's max_connections and
// max_connections_per_ip, a graceful SIGTERM drain with transfers in flight, and a reload of
// the runtime keys.
#ifdef MIO_PROXY_PATH

#include <signal.h>

#include <cerrno>

#include "proxy_harness.hpp"

using namespace e2e;

namespace {

// A connection the proxy turned away: accepted by the kernel, then closed by the proxy at once,
// before any server is involved.
void check_turned_away(Client c) {
    c.send_all("x");
    const auto r = c.read_to_eof();
    INFO("eof=" << r.eof << " error=" << r.error << " timed_out=" << r.timed_out);
    CHECK_FALSE(r.timed_out);
    CHECK(r.data.empty());
    CHECK((r.eof || r.error == ECONNRESET));
}

void check_served(Client& c, std::uint64_t seed) {
    const std::string data = pattern(2000, seed);
    CHECK(diff(c.echo(data), data) == "");
}

}  // namespace

TEST_CASE("proxy: a listener's max_connections closes the one over the limit", "[e2e][proxy]") {
    Backend echo;
    ProxyProcess proxy(simple_proxy({echo.addr()}, "", "", "max_connections = 3"));
    const std::string front = proxy.front();
    std::vector<Client> open;
    for (int i = 0; i < 3; ++i) {
        open.push_back(Client::tcp(front));
        check_served(open.back(), 10 + i);  // admitted and proxied
    }
    check_turned_away(Client::tcp(front));
    CHECK(wait_metric(proxy.admin_address(), "mio_proxy_rejected_total", "front", 1) == 1u);
    CHECK(metric(proxy.metrics(), "mio_proxy_connections_open", "front") == 3u);
    // One closes: a new one is admitted again.
    open.pop_back();
    CHECK(wait_metric(proxy.admin_address(), "mio_proxy_connections_open", "front", 2) == 2u);
    Client again = Client::tcp(front);
    check_served(again, 20);
    CHECK(metric(proxy.metrics(), "mio_proxy_rejected_total", "front") == 1u);
}

TEST_CASE("proxy: max_connections_per_ip limits each client IP separately", "[e2e][proxy]") {
    Backend echo;
    ProxyProcess proxy(simple_proxy({echo.addr()}, "", "", "max_connections_per_ip = 2"));
    const std::string front = proxy.front();
    Client a1 = tcp_from(front, "127.0.0.1");
    Client a2 = tcp_from(front, "127.0.0.1");
    check_served(a1, 1);
    check_served(a2, 2);
    check_turned_away(tcp_from(front, "127.0.0.1"));
    Client b1 = tcp_from(front, "127.0.0.2");
    check_served(b1, 3);
    CHECK(wait_metric(proxy.admin_address(), "mio_proxy_rejected_total", "front", 1) == 1u);
    // 127.0.0.1 gets a slot back when one of its connections ends.
    a1.close();
    CHECK(wait_metric(proxy.admin_address(), "mio_proxy_connections_open", "front", 2) == 2u);
    Client a3 = tcp_from(front, "127.0.0.1");
    check_served(a3, 4);
}

TEST_CASE("proxy: SIGTERM drains: transfers in flight finish, readyz is 503, new ones refused",
          "[e2e][proxy]") {
    Backend echo;
    ProxyProcess proxy(simple_proxy({echo.addr()}));  // drain_timeout 20s
    const std::string front = proxy.front();
    const std::string admin = proxy.admin_address();
    CHECK(http_get(admin, "/readyz").status == 200);

    constexpr int kClients = 4;
    constexpr std::size_t kSize = 8 << 20;
    std::vector<Client> clients;
    std::vector<std::string> payloads;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(Client::tcp(front));
        payloads.push_back(pattern(kSize, 900 + i));
        // The first half goes through before the signal.
        const std::string half = payloads.back().substr(0, kSize / 2);
        CHECK(diff(clients.back().echo(half), half) == "");
    }
    const std::size_t mark = proxy.stderr_mark();
    proxy.send_signal(SIGTERM);
    REQUIRE(proxy.wait_for_line("draining", kWait, mark).has_value());
    CHECK(http_get(admin, "/readyz").status == 503);
    CHECK(http_get(admin, "/healthz").status == 200);
    CHECK(try_connect(front) == ECONNREFUSED);  // the listening sockets are closed

    // The second halves still go through, then a half-close and the EOF that follows.
    for (int i = 0; i < kClients; ++i) {
        const std::string rest = payloads[i].substr(kSize / 2);
        CHECK(diff(clients[i].echo(rest), rest) == "");
        clients[i].shutdown_write();
        const auto r = clients[i].read_to_eof();
        CHECK(r.eof);
        CHECK(r.data.empty());
        // Still draining (and still answering) while the others are open.
        if (i == 0) CHECK(http_get(admin, "/readyz").status == 503);
    }
    clients.clear();
    CHECK(proxy.wait_exit(kWait) == 0);
    CHECK(proxy.stderr_text().find("mio-proxy stopped (0 connections left)") != std::string::npos);
}

// SIGHUP: splice is switched live (an open connection keeps flowing), the pool sizes are kept
// until the next start, with a warning that says so.
TEST_CASE("proxy: reload switches splice live and keeps the pool sizes", "[e2e][proxy]") {
    Backend echo;
    ProxyProcess proxy(simple_proxy({echo.addr()}));  // splice = auto by default
    Client open = Client::tcp(proxy.front());
    const std::string bulk = pattern(4 << 20, 31);
    CHECK(diff(open.echo(bulk, std::chrono::seconds(60)), bulk) == "");
    const auto spliced = series(proxy.metrics(), "mio_proxy_spliced_bytes_total");
    CHECK(spliced > 0u);

    const std::size_t mark = proxy.stderr_mark();
    proxy.reload(simple_proxy({echo.addr()}, "", "splice = \"off\"\nbuffer_size = \"64KiB\""));
    CHECK(proxy.wait_for_line("take effect at the next start; keeping 16384", kWait, mark)
              .has_value());
    // The open connection (its directions were splicing) and a new one move bulk by copying.
    CHECK(diff(open.echo(bulk, std::chrono::seconds(60)), bulk) == "");
    Client fresh = Client::tcp(proxy.front());
    CHECK(diff(fresh.echo(bulk, std::chrono::seconds(60)), bulk) == "");
    const std::string m = proxy.metrics();
    // The open connection's pipes were empty: they went back at its next event, unused.
    CHECK(series(m, "mio_proxy_spliced_bytes_total") == spliced);
    CHECK(series(m, "mio_proxy_splice_pipes_in_use") == 0u);
}

#endif  // MIO_PROXY_PATH
