// mio-proxy end to end, UDP: real mio-echo UDP backends behind a UDP listener. Replies reach
// exactly the client that sent the request (1,000 clients at once, none crossed, none lost on
// loopback); expected_responses ends sessions; idle sessions expire; max_sessions evicts the
// least recently used; a refused server (ICMP port unreachable) is ejected and traffic moves
// to the other; oversized datagrams are dropped and counted; /sessions lists the table.
#ifdef MIO_PROXY_PATH

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <set>

#include <mio/net/udp_socket.hpp>
#include <mio/poll.hpp>

#include "proxy_harness.hpp"
#include "test_util.hpp"

using namespace e2e;

namespace {

/// A mio-echo with one UDP echo listener "b" (no per-source rate limit: every session of the
/// proxy comes from one IP).
class UdpBackend : public EchoProcess {
public:
    explicit UdpBackend(std::string_view bind = "127.0.0.1:0")
        : EchoProcess(base_toml() + listener_toml("b", "udp", "rate_limit_pps = 0\n", bind),
                      ProxyProcess::dying_with_parent()),
          addr_(address("b")) {}
    [[nodiscard]] const std::string& addr() const noexcept { return addr_; }

private:
    std::string addr_;
};

std::string udp_proxy(const std::vector<std::string>& servers, std::string_view udp_keys = "",
                      std::string_view upstream_keys = "", std::string_view upstream_tables = "",
                      std::string_view bind = "127.0.0.1:0") {
    return proxy_base() + proxy_listener("front", "u", "protocol = \"udp\"\n", bind) +
           "[listeners.front.udp]\n" + std::string(udp_keys) +
           proxy_upstream("u", servers, upstream_keys, upstream_tables);
}

std::uint64_t metric(const ProxyProcess& proxy, const std::string& name) {
    return series(proxy.metrics(), name).value_or(~0ull);
}

const std::string kOpen = "mio_proxy_connections_open{listener=\"front\"}";
const std::string kCreated = "mio_proxy_connections_total{listener=\"front\"}";

std::string message(int client, int round) {
    return "client " + std::to_string(client) + " round " + std::to_string(round);
}

/// A port free for both TCP and UDP on 127.0.0.1 (dnsmasq binds both).
std::uint16_t free_tcp_and_udp_port() {
    for (int attempt = 0; attempt < 100; ++attempt) {
        const std::uint16_t port = free_port();  // free for TCP
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool free = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
        ::close(fd);
        if (free) return port;
    }
    FAIL("no port free for both TCP and UDP");
    return 0;
}

/// A UDP port nothing listens on (below the ephemeral range, so no socket of a parallel test
/// takes it).
std::string dead_udp_address() {
    return "127.0.0.1:" + std::to_string(free_tcp_and_udp_port());
}

}  // namespace

TEST_CASE("proxy udp: 1,000 clients at once, every reply to its own client", "[e2e][proxy]") {
    UdpBackend a;
    UdpBackend b;
    ProxyProcess proxy(udp_proxy({a.addr(), b.addr()}));
    std::vector<DatagramClient> clients;
    for (int i = 0; i < 1000; ++i)
        clients.push_back(DatagramClient::udp());
    for (int round = 0; round < 2; ++round) {
        // Waves of 100, so the sockets' receive buffers never overflow on loopback.
        for (int wave = 0; wave < 10; ++wave) {
            for (int i = wave * 100; i < wave * 100 + 100; ++i)
                clients[i].send_to(proxy.front(), message(i, round));
            for (int i = wave * 100; i < wave * 100 + 100; ++i) {
                const auto reply = clients[i].recv();
                REQUIRE(reply.has_value());
                CHECK(*reply == message(i, round));
            }
        }
    }
    for (auto& c : clients)
        CHECK(c.drain().empty());  // nothing extra, nothing crossed
    CHECK(metric(proxy, kOpen) == 1000);
    CHECK(metric(proxy, kCreated) == 1000);  // one session per client, reused in round 2
    const std::string ups = proxy.upstreams();
    CHECK(server_field(ups, a.addr(), "connections_total") == std::string("500"));
    CHECK(server_field(ups, b.addr(), "connections_total") == std::string("500"));
    const std::string m = proxy.metrics();
    CHECK(series(m, "mio_proxy_udp_datagrams_total{listener=\"front\",direction=\"in\"}") == 2000u);
    CHECK(series(m, "mio_proxy_udp_datagrams_total{listener=\"front\",direction=\"out\"}") ==
          2000u);
    const auto sessions = http_get(proxy.admin_address(), "/sessions");
    CHECK(sessions.status == 200);
    CHECK(sessions.body.find("\"total\":1000,\"listed\":1000") != std::string::npos);
}

TEST_CASE("proxy udp: expected_responses = 1 ends each session with its reply", "[e2e][proxy]") {
    UdpBackend a;
    ProxyProcess proxy(udp_proxy({a.addr()}, "expected_responses = 1\n"));
    for (int i = 0; i < 50; ++i) {
        DatagramClient c = DatagramClient::udp();
        c.send_to(proxy.front(), "query " + std::to_string(i));
        CHECK(c.recv() == "query " + std::to_string(i));
    }
    // The session closes right after forwarding its reply, before the client can read it.
    CHECK(metric(proxy, kOpen) == 0);
    CHECK(metric(proxy, kCreated) == 50);
}

TEST_CASE("proxy udp: expected_responses counts per request: requests in flight all get replies",
          "[e2e][proxy]") {
    UdpBackend a;
    ProxyProcess proxy(udp_proxy({a.addr()}, "expected_responses = 1\n"));
    DatagramClient c = DatagramClient::udp();
    for (int i = 0; i < 5; ++i)
        c.send_to(proxy.front(), "in flight " + std::to_string(i));  // all before any reply
    std::set<std::string> got;
    for (int i = 0; i < 5; ++i) {
        const auto reply = c.recv();
        REQUIRE(reply.has_value());
        got.insert(*reply);
    }
    CHECK(got.size() == 5);
    CHECK(metric(proxy, kOpen) == 0);  // every request answered: the session ended
}

TEST_CASE("proxy udp: session_key = none gives every datagram its own session", "[e2e][proxy]") {
    UdpBackend a;
    ProxyProcess proxy(udp_proxy({a.addr()}, "session_key = \"none\"\nexpected_responses = 1\n"));
    DatagramClient c = DatagramClient::udp();
    for (int i = 0; i < 5; ++i) {
        c.send_to(proxy.front(), "again");
        CHECK(c.recv() == std::string("again"));
    }
    CHECK(metric(proxy, kCreated) == 5);
    CHECK(metric(proxy, kOpen) == 0);
}

TEST_CASE("proxy udp: idle sessions expire", "[e2e][proxy]") {
    UdpBackend a;
    ProxyProcess proxy(udp_proxy({a.addr()}, "idle_timeout = \"200ms\"\n"));
    DatagramClient c = DatagramClient::udp();
    c.send_to(proxy.front(), "hello");
    CHECK(c.recv() == std::string("hello"));
    CHECK(eventually([&] { return metric(proxy, kOpen) == 0; }));
    CHECK(metric(proxy, "mio_proxy_udp_sessions_expired_total{listener=\"front\"}") == 1);
    c.send_to(proxy.front(), "back");  // a new session
    CHECK(c.recv() == std::string("back"));
    CHECK(metric(proxy, kCreated) == 2);
}

TEST_CASE("proxy udp: at max_sessions the least recently used session is evicted", "[e2e][proxy]") {
    UdpBackend a;
    ProxyProcess proxy(udp_proxy({a.addr()}, "max_sessions = 2\n"));
    DatagramClient x = DatagramClient::udp(), y = DatagramClient::udp(), z = DatagramClient::udp();
    for (DatagramClient* c : {&x, &y, &x, &z}) {  // y is then the least recently used
        c->send_to(proxy.front(), "ping");
        CHECK(c->recv() == std::string("ping"));
    }
    const std::string evicted = "mio_proxy_udp_sessions_evicted_total{listener=\"front\"}";
    CHECK(metric(proxy, evicted) == 1);
    CHECK(metric(proxy, kOpen) == 2);
    x.send_to(proxy.front(), "still mine");  // x kept its session
    CHECK(x.recv() == std::string("still mine"));
    CHECK(metric(proxy, kCreated) == 3);
    y.send_to(proxy.front(), "new one");  // y starts again, evicting z
    CHECK(y.recv() == std::string("new one"));
    CHECK(metric(proxy, evicted) == 2);
}

TEST_CASE("proxy udp: a refused server is ejected and traffic moves to the other", "[e2e][proxy]") {
    UdpBackend live;
    const std::string dead = dead_udp_address();
    ProxyProcess proxy(udp_proxy({dead, live.addr()}, "", "balance = \"round_robin\"\n",
                                 "[upstreams.u.passive]\nmax_fails = 1\neject_for = \"1m\"\n"));
    for (int i = 0; i < 6; ++i) {
        DatagramClient c = DatagramClient::udp();
        std::optional<std::string> reply;
        // A client retransmits after a silence, as UDP clients do: the datagram that went to
        // the dead server is lost, the refusal ejects it, the next one reaches the live one.
        for (int attempt = 0; attempt < 5 && !reply; ++attempt) {
            c.send_to(proxy.front(), "hi " + std::to_string(i));
            reply = c.recv(milliseconds(500));
        }
        CHECK(reply == "hi " + std::to_string(i));
    }
    const std::string ups = proxy.upstreams();
    INFO(ups);
    CHECK(server_field(ups, dead, "ejected") == std::string("true"));
    const auto errors = server_field(ups, dead, "connect_errors");
    REQUIRE(errors.has_value());
    CHECK(std::stoul(*errors) >= 1);
    CHECK(server_field(ups, live.addr(), "healthy") == std::string("true"));
}

TEST_CASE("proxy udp: oversized datagrams are dropped and counted", "[e2e][proxy]") {
    UdpBackend a;
    ProxyProcess proxy(udp_proxy({a.addr()}, "max_datagram = 100\n"));
    DatagramClient c = DatagramClient::udp();
    c.send_to(proxy.front(), std::string(101, 'x'));
    c.send_to(proxy.front(), std::string(100, 'y'));
    CHECK(c.recv() == std::string(100, 'y'));  // the first never came back
    CHECK(c.drain().empty());
    CHECK(metric(proxy, "mio_proxy_udp_dropped_total{listener=\"front\",reason=\"oversize\"}") ==
          1);
}

TEST_CASE("proxy udp: dig through mio-proxy to dnsmasq answers A and AAAA", "[e2e][proxy]") {
    TempDir dir;
    const std::string hosts = dir.write("hosts", "127.0.0.5 web.test\nfd00::5 web.test\n");
    const std::string port = std::to_string(free_tcp_and_udp_port());
    const std::string dns = "127.0.0.1:" + port;
    std::vector<std::string> argv = {"dnsmasq",
                                     "--keep-in-foreground",
                                     "--log-facility=-",
                                     "--port=" + port,
                                     "--listen-address=127.0.0.1",
                                     "--bind-interfaces",
                                     "--no-resolv",
                                     "--no-hosts",
                                     "--addn-hosts=" + hosts,
                                     "--conf-file=/dev/null",
                                     "--pid-file="};
    if (::geteuid() == 0) argv.push_back("--user=root");  // no privileges to drop in a test
    ChildProcess dnsmasq(argv, "dnsmasq");
    dnsmasq.wait_for_log("read " + hosts);
    ProxyProcess proxy(udp_proxy({dns}, "expected_responses = 1\n"));
    const std::string front_port = proxy.front().substr(proxy.front().rfind(':') + 1);
    const std::string dig =
        "timeout 20 dig @127.0.0.1 -p " + front_port + " +short +tries=3 +time=2 web.test ";
    const RunResult a = run(dig + "A");
    INFO(a.out << a.err << dnsmasq.log());
    CHECK(a.exit == 0);
    CHECK(a.out == "127.0.0.5\n");
    const RunResult aaaa = run(dig + "AAAA");
    INFO(aaaa.out << aaaa.err);
    CHECK(aaaa.exit == 0);
    CHECK(aaaa.out == "fd00::5\n");
    CHECK(metric(proxy, kOpen) == 0);  // one reply each: both sessions ended with it
    CHECK(metric(proxy, kCreated) >= 2);
}

TEST_CASE("proxy: allow and deny refuse TCP clients and UDP datagrams by source", "[e2e][proxy]") {
    Backend tcp_echo;
    UdpBackend udp_echo;
    ProxyProcess proxy(
        proxy_base() +
        proxy_listener("front", "t",
                       "allow = [\"127.0.0.0/8\"]\n"
                       "deny = [\"127.0.0.2\"]\n") +
        proxy_listener("dgram", "d", "protocol = \"udp\"\ndeny = [\"127.0.0.3/32\"]\n") +
        proxy_upstream("t", {tcp_echo.addr()}) + proxy_upstream("d", {udp_echo.addr()}));
    Client served = tcp_from(proxy.front(), "127.0.0.1");
    CHECK(served.echo("in") == "in");
    Client refused = tcp_from(proxy.front(), "127.0.0.2");  // denied: closed at once
    const auto r = refused.read_to_eof();
    CHECK_FALSE(r.timed_out);
    CHECK(r.data.empty());

    DatagramClient ok = DatagramClient::udp("127.0.0.1");
    DatagramClient bad = DatagramClient::udp("127.0.0.3");
    bad.send_to(proxy.address("dgram"), "let me in");
    ok.send_to(proxy.address("dgram"), "hello");
    CHECK(ok.recv() == std::string("hello"));
    const std::string m = proxy.metrics();
    CHECK(series(m, "mio_proxy_denied_total{listener=\"front\"}") == 1u);
    CHECK(series(m, "mio_proxy_denied_total{listener=\"dgram\"}") == 1u);
    CHECK(series(m, "mio_proxy_udp_dropped_total{listener=\"dgram\",reason=\"denied\"}") == 1u);
    CHECK(bad.drain().empty());  // never answered
}

TEST_CASE("proxy: rate_limit_per_ip bounds new connections and sessions per client IP",
          "[e2e][proxy]") {
    Backend tcp_echo;
    UdpBackend udp_echo;
    const std::string limit = "rate_limit_per_ip = 2\nrate_limit_window = \"1h\"\n";
    ProxyProcess proxy(proxy_base() + proxy_listener("front", "t", limit) +
                       proxy_listener("dgram", "d", "protocol = \"udp\"\n" + limit) +
                       proxy_upstream("t", {tcp_echo.addr()}) +
                       proxy_upstream("d", {udp_echo.addr()}));
    for (int i = 0; i < 2; ++i) {
        Client c = tcp_from(proxy.front(), "127.0.0.1");
        CHECK(c.echo("within") == "within");
    }
    Client over = tcp_from(proxy.front(), "127.0.0.1");  // the third in the window: closed
    const auto r = over.read_to_eof();
    CHECK_FALSE(r.timed_out);
    CHECK(r.data.empty());
    Client other = tcp_from(proxy.front(), "127.0.0.2");  // another IP has its own budget
    CHECK(other.echo("mine") == "mine");

    DatagramClient a = DatagramClient::udp(), b = DatagramClient::udp(), c = DatagramClient::udp();
    for (DatagramClient* d : {&a, &b}) {
        d->send_to(proxy.address("dgram"), "session");
        CHECK(d->recv() == std::string("session"));
    }
    c.send_to(proxy.address("dgram"), "one too many");  // a third new session: dropped
    a.send_to(proxy.address("dgram"), "old session");   // sessions that exist go on
    CHECK(a.recv() == std::string("old session"));
    CHECK(c.drain().empty());
    const std::string m = proxy.metrics();
    CHECK(series(m, "mio_proxy_rate_limited_total{listener=\"front\"}") == 1u);
    CHECK(series(m, "mio_proxy_rate_limited_total{listener=\"dgram\"}") == 1u);
    CHECK(series(m, "mio_proxy_udp_dropped_total{listener=\"dgram\",reason=\"rate_limited\"}") ==
          1u);
}

TEST_CASE("proxy udp: max_connections_per_ip bounds a client IP's sessions", "[e2e][proxy]") {
    UdpBackend echo;
    ProxyProcess proxy(
        proxy_base() +
        proxy_listener("front", "u", "protocol = \"udp\"\nmax_connections_per_ip = 2\n") +
        proxy_upstream("u", {echo.addr()}));
    const std::string front = proxy.front();
    DatagramClient a = DatagramClient::udp(), b = DatagramClient::udp();
    DatagramClient c = DatagramClient::udp(), d = DatagramClient::udp("127.0.0.2");
    for (DatagramClient* x : {&a, &b}) {
        x->send_to(front, "session");
        CHECK(x->recv() == std::string("session"));
    }
    c.send_to(front, "a third from 127.0.0.1");  // dropped, counted
    d.send_to(front, "another IP");              // its own budget
    CHECK(d.recv() == std::string("another IP"));
    a.send_to(front, "old session");
    CHECK(a.recv() == std::string("old session"));
    CHECK(c.drain().empty());
    CHECK(series(proxy.metrics(),
                 "mio_proxy_udp_dropped_total{listener=\"front\",reason=\"ip_limit\"}") == 1u);
}

TEST_CASE("proxy udp: IPv6 clients and servers", "[e2e][proxy]") {
    if (!mio::test::ipv6_available()) {
        WARN("no IPv6 loopback here: skipped");
        return;
    }
    UdpBackend a("[::1]:0");
    ProxyProcess proxy(udp_proxy({a.addr()}, "", "", "", "[::1]:0"));
    auto poll = mio::test::must(mio::Poll::create());
    mio::Events events(4);
    auto client = mio::test::must(mio::net::UdpSocket::bind(mio::test::any_local_ipv6_address()));
    mio::test::must(
        poll.registry().register_source(client, mio::Token{1}, mio::Interest::readable));
    const auto to = mio::test::must(mio::net::SocketAddr::parse(proxy.front()));
    mio::test::must(client.send_to(std::string_view("over six"), to));
    char buf[64];
    for (;;) {
        auto r = client.recv_from(std::as_writable_bytes(std::span(buf)));
        if (r) {
            CHECK(std::string(buf, r->first) == "over six");
            CHECK(r->second == to);  // the reply comes from the address the client sent to
            break;
        }
        REQUIRE(mio::is_would_block(r.error()));
        (void)mio::test::wait_for_event(poll, events, mio::Token{1});
    }
    const auto sessions = http_get(proxy.admin_address(), "/sessions");
    CHECK(sessions.body.find("\"server\":\"" + a.addr() + "\"") != std::string::npos);
}

TEST_CASE("proxy udp: a reload that re-binds a listener: clients go on with new sessions",
          "[e2e][proxy]") {
    UdpBackend a;
    const std::string first = "127.0.0.1:" + std::to_string(free_tcp_and_udp_port());
    const std::string second = "127.0.0.1:" + std::to_string(free_tcp_and_udp_port());
    const auto config = [&](const std::string& bind) {
        return proxy_base() + "[listeners.front]\nbind = " + bind +
               "\nupstream = \"u\"\nprotocol = \"udp\"\n" + proxy_upstream("u", {a.addr()});
    };
    ProxyProcess proxy(config("\"" + first + "\""));
    DatagramClient c = DatagramClient::udp();
    c.send_to(first, "before");
    CHECK(c.recv() == std::string("before"));
    proxy.reload(config("[\"" + first + "\", \"" + second + "\"]"));  // re-bound: a new socket
    CHECK(metric(proxy, kOpen) == 0);  // the old socket's sessions ended with it
    c.send_to(first, "after");
    CHECK(c.recv() == std::string("after"));
    c.send_to(second, "and here");
    CHECK(c.recv() == std::string("and here"));
    CHECK(metric(proxy, kOpen) == 2);
    CHECK(metric(proxy, kCreated) == 3);
}
#endif  // MIO_PROXY_PATH
