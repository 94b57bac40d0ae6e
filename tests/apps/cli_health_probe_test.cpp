// --health's probe against real sockets: a one-connection server on a thread answers with a
// canned reply (or closes, or says nothing), and probe_health() judges it.

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "cli/health_probe.hpp"

using namespace std::chrono_literals;

namespace {

// A blocking loopback listener that serves one connection on a thread: reads the request
// head, then sends `reply` (none if empty) and closes. `hold_open` keeps the connection open
// without answering until the probe gives up and closes it.
class OneShotServer {
public:
    explicit OneShotServer(std::string reply, bool hold_open = false)
        : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        REQUIRE(fd_ >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd_, 1) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this, reply = std::move(reply), hold_open] {
            const int conn = ::accept(fd_, nullptr, nullptr);
            if (conn < 0) return;
            std::string head;
            char buf[256];
            while (head.find("\r\n\r\n") == std::string::npos) {
                const ssize_t n = ::read(conn, buf, sizeof buf);
                if (n <= 0) break;
                head.append(buf, static_cast<std::size_t>(n));
            }
            request_ = head;
            if (!reply.empty()) (void)!::write(conn, reply.data(), reply.size());
            if (hold_open) (void)!::read(conn, buf, sizeof buf);  // until the probe closes
            ::close(conn);
        });
    }
    ~OneShotServer() {
        join();
        ::close(fd_);
    }
    OneShotServer(const OneShotServer&) = delete;
    OneShotServer& operator=(const OneShotServer&) = delete;

    [[nodiscard]] app::Endpoint endpoint() const {
        return *app::Endpoint::parse("127.0.0.1:" + std::to_string(port_));
    }
    /// Waits for the one connection to end; then request() holds what the probe sent.
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    [[nodiscard]] const std::string& request() const { return request_; }

private:
    int fd_;
    std::uint16_t port_ = 0;
    std::string request_;
    std::thread thread_;
};

}  // namespace

TEST_CASE("health: a wildcard admin address is probed on loopback", "[cli][health]") {
    CHECK(app::health_target(*app::Endpoint::parse("0.0.0.0:9901")).to_string() ==
          "127.0.0.1:9901");
    CHECK(app::health_target(*app::Endpoint::parse("[::]:9901")).to_string() == "[::1]:9901");
    CHECK(app::health_target(*app::Endpoint::parse("10.1.2.3:9901")).to_string() ==
          "10.1.2.3:9901");
    CHECK(app::health_target(*app::Endpoint::parse("unix:/run/x.sock")).to_string() ==
          "unix:/run/x.sock");
}

TEST_CASE("health: 200 is healthy, and the request is a GET of /healthz", "[cli][health]") {
    OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
    const app::HealthOutcome outcome = app::probe_health(server.endpoint(), 5s);
    INFO(outcome.detail);
    CHECK(outcome.healthy);
    CHECK(outcome.detail == "http://" + server.endpoint().to_string() + "/healthz: 200 OK");
    server.join();
    CHECK(server.request().starts_with("GET /healthz HTTP/1.1\r\n"));
}

TEST_CASE("health: every other answer is unhealthy, and says why", "[cli][health]") {
    struct Case {
        std::string reply;
        std::string detail_end;
    };
    const Case cases[] = {
        {"HTTP/1.1 503 Service Unavailable\r\n\r\n", "/healthz: 503 Service Unavailable"},
        {"SSH-2.0-OpenSSH_9.2\r\n", "not an HTTP answer: 'SSH-2.0-OpenSSH_9.2'"},
        {"HTTP/1.1 200", "closed before a status line"},  // no line end, then closed
        {"", "closed before a status line"},
        {std::string(600, 'x'), "no status line"},
    };
    for (const Case& c : cases) {
        OneShotServer server(c.reply);
        const app::HealthOutcome outcome = app::probe_health(server.endpoint(), 5s);
        INFO(c.reply.substr(0, 40) << " -> " << outcome.detail);
        CHECK_FALSE(outcome.healthy);
        CHECK(outcome.detail.ends_with(c.detail_end));
    }
}

TEST_CASE("health: a silent endpoint times out, a closed port is refused", "[cli][health]") {
    {
        OneShotServer server("", /*hold_open=*/true);
        const app::HealthOutcome outcome = app::probe_health(server.endpoint(), 200ms);
        CHECK_FALSE(outcome.healthy);
        CHECK(outcome.detail.ends_with("no answer in time"));
    }
    app::Endpoint closed = [] {
        OneShotServer gone("");
        app::Endpoint e = gone.endpoint();
        (void)app::probe_health(e, 5s);  // its one connection, so that its thread ends
        return e;
    }();
    const app::HealthOutcome outcome = app::probe_health(closed, 5s);
    CHECK_FALSE(outcome.healthy);
    CHECK(outcome.detail.find("connect: Connection refused") != std::string::npos);
}
