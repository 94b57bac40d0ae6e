// mio-proxy end to end, balancing: mio-echo backends in `info` mode answer each connection with
// a JSON line holding their own address ("local"), so a client sees which server it reached.
// round_robin (plain and weighted), least_conn, hash (client IP, stable under removal of other
// servers via SIGHUP reload) and first.
#ifdef MIO_PROXY_PATH

#include <signal.h>

#include <map>
#include <memory>

#include "proxy_harness.hpp"

using namespace e2e;

namespace {

struct Trio {
    Backend a{"info"};
    Backend b{"info"};
    Backend c{"info"};
    [[nodiscard]] std::vector<std::string> addrs() const { return {a.addr(), b.addr(), c.addr()}; }
};

std::map<std::string, int> count_sequential(const std::string& front, int n) {
    std::map<std::string, int> hits;
    for (int i = 0; i < n; ++i)
        ++hits[served_by(front)];
    return hits;
}

// A connection held open on an info backend: the backend has sent its line and its FIN (the
// proxy forwarded both); the tunnel stays open (half-close) until we close our side.
struct Held {
    Client client;
    std::string server;
};

Held hold(const std::string& front) {
    Client c = Client::tcp(front);
    const auto r = c.read_to_eof();
    REQUIRE(r.eof);
    const std::string key = "\"local\":\"";
    const auto at = r.data.find(key);
    REQUIRE(at != std::string::npos);
    const auto end = r.data.find('"', at + key.size());
    return Held{std::move(c), r.data.substr(at + key.size(), end - at - key.size())};
}

}  // namespace

TEST_CASE("proxy: round_robin spreads sequential connections evenly", "[e2e][proxy]") {
    Trio t;
    ProxyProcess proxy(simple_proxy(t.addrs(), "balance = \"round_robin\""));
    const auto hits = count_sequential(proxy.front(), 30);
    CHECK(hits.size() == 3);
    for (const auto& addr : t.addrs()) {
        INFO(addr);
        CHECK(hits.count(addr) == 1);
        if (hits.count(addr) == 1) CHECK(hits.at(addr) == 10);
    }
    // /metrics agrees.
    const std::string m = proxy.metrics();
    for (const auto& addr : t.addrs()) {
        CHECK(series(m, "mio_proxy_upstream_server_connections_total{upstream=\"u\",server=\"" +
                            addr + "\"}") == 10u);
    }
}

TEST_CASE("proxy: weighted round_robin 2:1:1 gives 20/10/10 over 40", "[e2e][proxy]") {
    Trio t;
    ProxyProcess proxy(
        simple_proxy({"address = \"" + t.a.addr() + "\", weight = 2", t.b.addr(), t.c.addr()},
                     "balance = \"round_robin\""));
    auto hits = count_sequential(proxy.front(), 40);
    CHECK(hits[t.a.addr()] == 20);
    CHECK(hits[t.b.addr()] == 10);
    CHECK(hits[t.c.addr()] == 10);
    CHECK(hits.size() == 3);
}

TEST_CASE("proxy: least_conn sends new connections to the least loaded server", "[e2e][proxy]") {
    Trio t;
    ProxyProcess proxy(simple_proxy(t.addrs(), "balance = \"least_conn\""));
    const std::string front = proxy.front();
    // 15 held connections: each goes to a least loaded server, so 5 each.
    std::vector<Held> held;
    for (int i = 0; i < 15; ++i)
        held.push_back(hold(front));
    std::map<std::string, int> load;
    for (const Held& h : held)
        ++load[h.server];
    CHECK(load[t.a.addr()] == 5);
    CHECK(load[t.b.addr()] == 5);
    CHECK(load[t.c.addr()] == 5);
    // Close the 5 on A: once the proxy has seen them go, A is the least loaded by far.
    std::erase_if(held, [&](const Held& h) { return h.server == t.a.addr(); });
    CHECK(held.size() == 10);
    CHECK(eventually(
        [&] { return server_field(proxy.upstreams(), t.a.addr(), "active") == std::string("0"); }));
    std::vector<Held> more;
    for (int i = 0; i < 5; ++i)
        more.push_back(hold(front));
    for (const Held& h : more)
        CHECK(h.server == t.a.addr());
    // Now 5/5/5 again: B holds 5 too, so with B's closed the next ones go to B.
    std::erase_if(held, [&](const Held& h) { return h.server == t.b.addr(); });
    CHECK(eventually(
        [&] { return server_field(proxy.upstreams(), t.b.addr(), "active") == std::string("0"); }));
    for (int i = 0; i < 5; ++i)
        CHECK(hold(front).server == t.b.addr());
}

TEST_CASE("proxy: hash keeps a client IP on one server, moving it only when that server goes",
          "[e2e][proxy]") {
    Trio t;
    const auto config = [&](const std::vector<std::string>& servers) {
        return simple_proxy(servers, "balance = \"hash\"");
    };
    ProxyProcess proxy(config(t.addrs()));
    const std::string front = proxy.front();
    // Several client IPs (all of 127/8 is loopback on Linux); each always hits one server.
    std::vector<std::string> ips;
    for (int i = 1; i <= 12; ++i)
        ips.push_back("127.0.0." + std::to_string(i));
    std::map<std::string, std::string> home;
    for (const auto& ip : ips) {
        home[ip] = served_by(front, ip);
        for (int k = 0; k < 3; ++k)
            CHECK(served_by(front, ip) == home[ip]);
    }
    std::map<std::string, int> used;
    for (const auto& [ip, server] : home)
        ++used[server];
    INFO("servers used by 12 IPs: " << used.size());
    CHECK(used.size() >= 2);  // 12 IPs over 3 servers (a 3 * (1/3)^12 chance of failing)

    const std::string mine = home["127.0.0.1"];
    std::string other;
    for (const auto& addr : t.addrs()) {
        if (addr != mine) other = addr;
    }
    std::vector<std::string> without_other;
    std::vector<std::string> without_mine;
    for (const auto& addr : t.addrs()) {
        if (addr != other) without_other.push_back(addr);
        if (addr != mine) without_mine.push_back(addr);
    }

    // Removing another server moves only the IPs that were on it.
    proxy.reload(config(without_other));
    for (const auto& ip : ips) {
        INFO("ip " << ip << " was on " << home[ip]);
        const std::string now = served_by(front, ip);
        if (home[ip] == other) {
            CHECK(now != other);
        } else {
            CHECK(now == home[ip]);
        }
    }
    // Back to all three: every IP is home again.
    proxy.reload(config(t.addrs()));
    for (const auto& ip : ips)
        CHECK(served_by(front, ip) == home[ip]);
    // Removing 127.0.0.1's server moves it (and keeps it on its new server).
    proxy.reload(config(without_mine));
    const std::string moved = served_by(front, "127.0.0.1");
    CHECK(moved != mine);
    CHECK(!moved.empty());
    CHECK(served_by(front, "127.0.0.1") == moved);
    for (const auto& ip : ips) {
        if (home[ip] != mine) CHECK(served_by(front, ip) == home[ip]);
    }
}

TEST_CASE("proxy: first uses server 0 while it is up, then the next", "[e2e][proxy]") {
    auto a = std::make_unique<Backend>("info");
    Backend b("info");
    Backend c("info");
    const std::string a_addr = a->addr();
    ProxyProcess proxy(simple_proxy({a_addr, b.addr(), c.addr()}, "balance = \"first\""));
    const std::string front = proxy.front();
    for (int i = 0; i < 10; ++i)
        CHECK(served_by(front, "") == a_addr);
    // Held connections do not change that: "first" ignores load.
    Held h1 = hold(front);
    Held h2 = hold(front);
    CHECK(h1.server == a_addr);
    CHECK(h2.server == a_addr);
    // Server 0 goes away: its connect fails, the retry lands on server 1, and so on.
    a->send_signal(SIGKILL);
    CHECK(a->wait_exit(kWait) == 128 + SIGKILL);
    for (int i = 0; i < 5; ++i)
        CHECK(served_by(front, "") == b.addr());
}

#endif  // MIO_PROXY_PATH
