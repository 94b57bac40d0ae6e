// AdminServer end to end: a real client socket and the server on one Poll, driven by polls.

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <mio/net/shutdown.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/poll.hpp>
#include <mio/registry.hpp>

#include "admin/http_server.hpp"
#include "test_util.hpp"

using namespace std::chrono_literals;
using mio::test::must;

namespace {

constexpr mio::Token kListener{0};
constexpr mio::Token kFirstConn{10};
constexpr mio::Token kClient{1000};
constexpr int kMaxTurns = 200;  // bound on loop turns; each waits at most 100 ms

struct Reply {
    int status = 0;
    std::string head;
    std::string body;
};

Reply parse_reply(const std::string& raw) {
    Reply r;
    const std::size_t end = raw.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    REQUIRE(raw.starts_with("HTTP/1.1 "));
    r.status = std::stoi(raw.substr(9, 3));
    r.head = raw.substr(0, end + 2);
    r.body = raw.substr(end + 4);
    return r;
}

class Harness {
public:
    explicit Harness(const app::AdminOptions& options = {})
        : poll_(must(mio::Poll::create(), "poll")),
          events_(64),
          server_(must(app::AdminServer::bind(mio::test::any_local_address(), options), "bind")),
          addr_(must(server_.local_addr(), "local_addr")) {
        must(server_.register_with(poll_.registry(), kListener, kFirstConn), "register");
    }

    app::AdminServer& server() { return server_; }
    const mio::Registry& registry() { return poll_.registry(); }

    mio::net::TcpStream connect() { return must(mio::net::TcpStream::connect(addr_), "connect"); }

    /// One loop turn: poll, hand the server its events, return whether `token` had one.
    bool turn(mio::Token token = kClient) {
        must(poll_.poll(events_, 100ms), "poll");
        bool seen = false;
        for (const mio::Event& ev : events_) {
            if (server_.owns(ev.token())) server_.handle(ev);
            if (ev.token() == token) seen = true;
        }
        return seen;
    }

    /// Sends `request` on a new connection and returns everything read until EOF.
    std::string exchange(std::string_view request, bool half_close = false) {
        auto client = connect();
        must(registry().register_source(client, kClient, mio::Interest::writable), "register");
        std::size_t sent = 0;
        std::string got;
        bool eof = false;
        for (int i = 0; i < kMaxTurns && !eof; ++i) {
            turn();
            if (sent < request.size()) {
                sent += write_some(client, request.substr(sent));
                if (sent == request.size()) {
                    must(registry().reregister_source(client, kClient, mio::Interest::readable),
                         "reregister");
                    if (half_close) must(client.shutdown(mio::net::Shutdown::write), "shutdown");
                }
            }
            eof = read_some(client, got);
        }
        must(registry().deregister_source(client), "deregister");
        REQUIRE(eof);  // the server closed the connection after its response
        return got;
    }

    Reply get(std::string_view request) { return parse_reply(exchange(request)); }

    /// Turns the loop until the server has seen every client close (bounded).
    void settle() {
        for (int i = 0; i < kMaxTurns && server_.connection_count() > 0; ++i)
            turn();
    }

    /// Writes what the socket takes now (0 while connecting or full).
    static std::size_t write_some(const mio::net::TcpStream& s, std::string_view data) {
        const auto n = s.write(data);
        if (n) return *n;
        if (mio::is_would_block(n.error()) || n.error() == std::errc::not_connected) return 0;
        FAIL("client write failed: " << n.error().message());
        return 0;
    }

    /// Reads until WouldBlock; true at EOF (or a reset after the response).
    static bool read_some(const mio::net::TcpStream& s, std::string& out) {
        std::array<char, 4096> buf{};
        for (;;) {
            const auto n = s.read(std::span<char>(buf));
            if (!n) return !mio::is_would_block(n.error()) && n.error() != std::errc::not_connected;
            if (*n == 0) return true;
            out.append(buf.data(), *n);
        }
    }

private:
    mio::Poll poll_;
    mio::Events events_;
    app::AdminServer server_;
    mio::net::SocketAddr addr_;
};

}  // namespace

TEST_CASE("admin: /healthz and HEAD", "[admin][server]") {
    Harness h;
    const Reply r = h.get("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    CHECK(r.status == 200);
    CHECK(r.body == "ok\n");
    CHECK(r.head.find("Connection: close\r\n") != std::string::npos);
    const Reply head = h.get("HEAD /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.head.find("Content-Length: 3\r\n") != std::string::npos);
    CHECK(h.server().requests_total() == 2);
    h.settle();  // the server lingers until it reads the client's FIN
    CHECK(h.server().connection_count() == 0);
}

TEST_CASE("admin: /readyz follows the draining flag", "[admin][server]") {
    Harness h;
    CHECK(h.get("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n").status == 200);
    h.server().set_draining(true);
    const Reply r = h.get("GET /readyz HTTP/1.0\r\n\r\n");
    CHECK(r.status == 503);
    CHECK(r.body == "draining\n");
}

TEST_CASE("admin: /metrics, /connections and custom routes", "[admin][server]") {
    Harness h;
    h.server().set_metrics([] { return std::string("# TYPE x_total counter\nx_total 1\n"); });
    h.server().set_connections([] { return std::string("[{\"id\":1}]"); });
    h.server().add_route("GET", "/boom", [](const app::http::Request&) -> app::http::Response {
        throw std::runtime_error("handler failure");
    });
    const Reply m = h.get("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK(m.status == 200);
    CHECK(m.body == "# TYPE x_total counter\nx_total 1\n");
    CHECK(m.head.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
    const Reply c = h.get("GET /connections HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK(c.status == 200);
    CHECK(c.body == "[{\"id\":1}]");
    CHECK(c.head.find("Content-Type: application/json\r\n") != std::string::npos);
    CHECK(h.get("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n").status == 500);
}

TEST_CASE("admin: error statuses, each followed by a close", "[admin][server]") {
    Harness h;
    CHECK(h.get("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n").status == 404);
    const Reply post = h.get("POST /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK(post.status == 405);
    CHECK(post.head.find("Allow: GET, HEAD\r\n") != std::string::npos);
    CHECK(h.get("hello world\r\n\r\n").status == 400);
    CHECK(h.get("GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody").status == 413);
    const std::string big =
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(16 * 1024, 'a') + "\r\n\r\n";
    CHECK(h.get(big).status == 431);
    // A head cut short by the client's FIN is a 400 too.
    CHECK(parse_reply(h.exchange("GET /healthz HTTP/1.1\r\nHost", true)).status == 400);
    h.settle();
    CHECK(h.server().connection_count() == 0);
}

TEST_CASE("admin: connections beyond the limit are closed at once", "[admin][server]") {
    app::AdminOptions options;
    options.max_connections = 2;
    Harness h(options);
    auto a = h.connect();
    auto b = h.connect();
    auto c = h.connect();
    for (int i = 0; i < kMaxTurns && h.server().rejected_total() < 1; ++i)
        h.turn();
    CHECK(h.server().rejected_total() == 1);
    CHECK(h.server().connection_count() == 2);
    // Which of the three was refused depends on accept order; one of them sees EOF.
    must(h.registry().register_source(a, mio::Token{2000}, mio::Interest::readable), "reg a");
    must(h.registry().register_source(b, mio::Token{2001}, mio::Interest::readable), "reg b");
    must(h.registry().register_source(c, mio::Token{2002}, mio::Interest::readable), "reg c");
    int closed = 0;
    std::string ignored;
    for (int i = 0; i < kMaxTurns && closed == 0; ++i) {
        h.turn();
        closed = int{Harness::read_some(a, ignored)} + int{Harness::read_some(b, ignored)} +
                 int{Harness::read_some(c, ignored)};
    }
    CHECK(closed == 1);
}

TEST_CASE("admin: slow clients are closed at their deadline by tick()", "[admin][server]") {
    Harness h;
    auto slow = h.connect();
    CHECK_FALSE(h.server().next_deadline().has_value());
    for (int i = 0; i < kMaxTurns && h.server().connection_count() == 0; ++i)
        h.turn();
    REQUIRE(h.server().connection_count() == 1);
    REQUIRE(h.server().next_deadline().has_value());
    REQUIRE(Harness::write_some(slow, "GET /healthz HTTP/1.1\r\n") > 0);
    h.server().tick(std::chrono::steady_clock::now());  // not yet due
    CHECK(h.server().connection_count() == 1);
    h.server().tick(*h.server().next_deadline());  // due: closed without a response
    CHECK(h.server().connection_count() == 0);
    must(h.registry().register_source(slow, kClient, mio::Interest::readable), "register");
    std::string got;
    bool eof = false;
    for (int i = 0; i < kMaxTurns && !eof; ++i) {
        h.turn();
        eof = Harness::read_some(slow, got);
    }
    CHECK(eof);
    CHECK(got.empty());
}
