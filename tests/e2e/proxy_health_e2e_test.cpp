// mio-proxy end to end, server health: passive ejection of a dead server (with retries landing
// on a live one), active checks (a killed backend goes down, comes back up after `rise`),
// send/expect checks, and connect timeouts against a local blackhole.
#ifdef MIO_PROXY_PATH

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>

#include "proxy_harness.hpp"

using namespace e2e;

namespace {

std::string dead_address() {
    return "127.0.0.1:" + std::to_string(free_port());
}

void check_echo(const std::string& front, std::uint64_t seed) {
    const std::string data = pattern(1000, seed);
    Client c = Client::tcp(front);
    const std::string back = c.echo(data);
    CHECK(diff(back, data) == "");
}

constexpr std::string_view kActiveChecks =
    "[upstreams.u.health]\ninterval = \"200ms\"\ntimeout = \"100ms\"\nrise = 2\nfall = 2\n";

// A listening socket whose accept queue is full and never drained: with
// net.ipv4.tcp_abort_on_overflow = 0 (the default) the kernel drops further SYNs to it, so a
// connect to it hangs like one to a blackholed address, without leaving loopback.
class Blackhole {
public:
    Blackhole() : server_(0) {
        // Backlog 0 still queues one connection; fill with a few (non-blocking: the later ones
        // hang in SYN_SENT, which is the point).
        for (int i = 0; i < 3; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            REQUIRE(fd >= 0);
            fillers_.emplace_back(fd);
            sockaddr_in sa{};
            sa.sin_family = AF_INET;
            sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            sa.sin_port = htons(port());
            const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
            REQUIRE((rc == 0 || errno == EINPROGRESS));
        }
    }
    [[nodiscard]] const std::string& addr() const { return server_.addr(); }

private:
    [[nodiscard]] std::uint16_t port() const {
        return static_cast<std::uint16_t>(std::stoul(addr().substr(addr().rfind(':') + 1)));
    }
    PlainServer server_;
    std::vector<Client> fillers_;
};

}  // namespace

TEST_CASE("proxy: passive checks eject a dead server and retries land on a live one",
          "[e2e][proxy]") {
    Backend live;
    const std::string dead = dead_address();
    ProxyProcess proxy(
        proxy_base() + proxy_listener("front", "u") +
        proxy_upstream("u", {dead, live.addr()}, "balance = \"round_robin\"\nretries = 2\n",
                       "[upstreams.u.passive]\nmax_fails = 1\neject_for = \"1m\"\n"));
    for (int i = 0; i < 10; ++i)
        check_echo(proxy.front(), 100 + i);  // every one succeeds
    const std::string ups = proxy.upstreams();
    INFO(ups);
    CHECK(server_field(ups, dead, "ejected") == std::string("true"));
    CHECK(server_field(ups, dead, "eligible") == std::string("false"));
    CHECK(server_field(ups, dead, "ejections") == std::string("1"));  // ejected once, skipped after
    CHECK(server_field(ups, dead, "connect_errors") == std::string("1"));
    CHECK(server_field(ups, live.addr(), "ejected") == std::string("false"));
    CHECK(server_field(ups, live.addr(), "connections_total") == std::string("10"));
    const std::string m = proxy.metrics();
    CHECK(series(m, "mio_proxy_upstream_server_ejections_total{upstream=\"u\",server=\"" + dead +
                        "\"}") == 1u);
    CHECK(series(m, "mio_proxy_upstream_server_up{upstream=\"u\",server=\"" + dead + "\"}") == 0u);
}

TEST_CASE("proxy: active checks mark a killed backend down and a restarted one up",
          "[e2e][proxy]") {
    auto a = std::make_unique<Backend>();
    Backend b;
    const std::string a_addr = a->addr();
    ProxyProcess proxy(proxy_base() + proxy_listener("front", "u") +
                       proxy_upstream("u", {a_addr, b.addr()}, "", kActiveChecks));
    CHECK(server_field(proxy.upstreams(), a_addr, "healthy") == std::string("true"));

    std::size_t mark = proxy.stderr_mark();
    a->send_signal(SIGKILL);
    CHECK(a->wait_exit(kWait) == 128 + SIGKILL);
    a.reset();
    const std::string down = "upstream 'u' server " + a_addr + " is down";
    REQUIRE(proxy.wait_for_line(down, kWait, mark).has_value());
    CHECK(server_field(proxy.upstreams(), a_addr, "healthy") == std::string("false"));
    CHECK(series(proxy.metrics(),
                 "mio_proxy_upstream_server_up{upstream=\"u\",server=\"" + a_addr + "\"}") == 0u);
    // Clients only reach B now.
    for (int i = 0; i < 4; ++i)
        check_echo(proxy.front(), 200 + i);

    mark = proxy.stderr_mark();
    a = std::make_unique<Backend>("echo", a_addr);  // the same port again
    REQUIRE(
        proxy.wait_for_line("upstream 'u' server " + a_addr + " is up", kWait, mark).has_value());
    CHECK(server_field(proxy.upstreams(), a_addr, "healthy") == std::string("true"));
    // And it takes connections again (round robin over two: within 4, some land on A).
    const std::string before = *server_field(proxy.upstreams(), a_addr, "connections_total");
    for (int i = 0; i < 4; ++i)
        check_echo(proxy.front(), 300 + i);
    CHECK(server_field(proxy.upstreams(), a_addr, "connections_total") != before);
}

// The check's connect is judged as a tunnel's: a refused connect fails the check with the
// refusal, at once; it does not wait for the (here: one minute) timeout and report "timeout".
TEST_CASE("proxy: a refused health-check connect fails at once, with its reason", "[e2e][proxy]") {
    Backend live;
    const std::string dead = dead_address();
    ProxyProcess proxy(proxy_base() + proxy_listener("front", "u") +
                       proxy_upstream("u", {live.addr(), dead}, "",
                                      "[upstreams.u.health]\ninterval = \"2m\"\n"
                                      "timeout = \"1m\"\nrise = 1\nfall = 1\n"));
    const auto line = proxy.wait_for_line("upstream 'u' server " + dead + " is down", kWait, 0);
    REQUIRE(line.has_value());
    INFO(*line);
    CHECK(line->find(std::make_error_code(std::errc::connection_refused).message()) !=
          std::string::npos);
    CHECK(line->find("timeout") == std::string::npos);
    CHECK(server_field(proxy.upstreams(), dead, "healthy") == std::string("false"));
    CHECK(server_field(proxy.upstreams(), live.addr(), "healthy") == std::string("true"));
}

TEST_CASE("proxy: send/expect checks pass on an echo backend and fail on a wrong reply",
          "[e2e][proxy]") {
    Backend echo;
    Backend chargen("chargen");  // replies, but not with "ping"
    std::string tables(kActiveChecks);
    tables += "send = \"ping\"\nexpect = \"ping\"\n";
    const std::size_t mark = 0;
    ProxyProcess proxy(proxy_base() + proxy_listener("front", "u") +
                       proxy_upstream("u", {echo.addr(), chargen.addr()}, "", tables));
    REQUIRE(proxy.wait_for_line("upstream 'u' server " + chargen.addr() + " is down", kWait, mark)
                .has_value());
    const std::string ups = proxy.upstreams();
    INFO(ups << proxy.stderr_text());
    CHECK(server_field(ups, echo.addr(), "healthy") == std::string("true"));
    CHECK(server_field(ups, chargen.addr(), "healthy") == std::string("false"));
    CHECK(proxy.stderr_text().find("server " + echo.addr() + " is down") == std::string::npos);
    // The echo backend answered every check with "ping": it saw bytes from the checks.
    for (int i = 0; i < 4; ++i)
        check_echo(proxy.front(), 400 + i);
    CHECK(server_field(proxy.upstreams(), echo.addr(), "connections_total") == std::string("4"));
}

TEST_CASE("proxy: a connect timeout to a blackhole falls over to a live server", "[e2e][proxy]") {
    Blackhole hole;
    Backend live;
    ProxyProcess proxy(simple_proxy({hole.addr(), live.addr()},
                                    "balance = \"first\"\nconnect_timeout = \"300ms\"\n"
                                    "retries = 1\n"));
    check_echo(proxy.front(), 500);  // first tries the blackhole, times out, then the live one
    const std::string ups = proxy.upstreams();
    INFO(ups);
    const auto errors = server_field(ups, hole.addr(), "connect_errors");
    REQUIRE(errors.has_value());
    CHECK(std::stoul(*errors) >= 1);
    CHECK(server_field(ups, live.addr(), "connections_total") == std::string("1"));
}

TEST_CASE("proxy: with only a blackhole the client is closed after the connect timeout",
          "[e2e][proxy]") {
    Blackhole hole;
    ProxyProcess proxy(simple_proxy({hole.addr()}, "connect_timeout = \"300ms\"\nretries = 1\n"));
    Client c = Client::tcp(proxy.front());
    c.send_all("anyone there?");
    const auto r = c.read_to_eof();
    INFO("eof=" << r.eof << " error=" << r.error);
    CHECK_FALSE(r.timed_out);
    CHECK(r.data.empty());
    CHECK((r.eof || r.error == ECONNRESET));
    const auto errors = server_field(proxy.upstreams(), hole.addr(), "connect_errors");
    REQUIRE(errors.has_value());
    CHECK(std::stoul(*errors) >= 1);
}

#endif  // MIO_PROXY_PATH
