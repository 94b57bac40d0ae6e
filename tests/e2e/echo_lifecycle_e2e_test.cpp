// mio-echo end to end, life cycle and limits: idle timeout, max_connections, graceful drain on
// SIGTERM, reload on SIGHUP, and running out of file descriptors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <regex>

#include "echo_process.hpp"

using namespace e2e;

TEST_CASE("idle timeout: an idle connection is closed and a fresh one still echoes",
          "[e2e][echo]") {
    EchoProcess echo(base_toml() + listener_toml("tcp", "tcp", "idle_timeout = \"300ms\""));
    const std::string address = echo.address("tcp");
    Client idle = Client::tcp(address);
    CHECK(idle.echo("hi") == "hi");  // accepted and served; now it goes quiet
    const auto closed = idle.read_to_eof(std::chrono::seconds(10));
    CHECK_FALSE(closed.timed_out);
    CHECK(closed.eof);
    CHECK(closed.data.empty());
    // Counted as a timeout error (errors_total has a second label, so it is matched as text).
    CHECK(http_get(echo.admin_address(), "/metrics")
              .body.find("mio_echo_errors_total{listener=\"tcp\",kind=\"timeout\"} 1\n") !=
          std::string::npos);

    Client fresh = Client::tcp(address);
    const std::string data = pattern(10'000, 40);
    CHECK(diff(fresh.echo(data), data) == "");
}

TEST_CASE("max_connections: the connection over the limit is closed at once and counted",
          "[e2e][echo]") {
    EchoProcess echo(base_toml() + listener_toml("tcp", "tcp", "max_connections = 3"));
    const std::string address = echo.address("tcp");
    const std::string admin = echo.admin_address();
    std::vector<Client> open;
    for (int i = 0; i < 3; ++i) {
        open.push_back(Client::tcp(address));
        const std::string msg = "conn " + std::to_string(i);
        CHECK(open.back().echo(msg) == msg);  // accepted
    }
    Client fourth = Client::tcp(address);  // the kernel completes the handshake...
    ::send(fourth.fd(), "x", 1, MSG_NOSIGNAL);
    const auto refused = fourth.read_to_eof();  // ...and mio-echo closes it at once
    CHECK_FALSE(refused.timed_out);
    CHECK((refused.eof || refused.error == ECONNRESET));
    CHECK(refused.data.empty());
    CHECK(wait_metric(admin, "mio_echo_rejected_total", "tcp", 1) == 1u);

    // Close one (with a FIN; reading our EOF back means mio-echo has closed its side, so the
    // slot is free), and a new connection is accepted again.
    open[0].shutdown_write();
    CHECK(open[0].read_to_eof().eof);
    Client again = Client::tcp(address);
    CHECK(again.echo("again") == "again");
    CHECK(metric(http_get(admin, "/metrics").body, "mio_echo_rejected_total", "tcp") == 1u);
    CHECK(metric(http_get(admin, "/metrics").body, "mio_echo_connections_open", "tcp") == 3u);
}

TEST_CASE(
    "SIGTERM drains: in-flight data is echoed in full and readyz is 503 and the exit code is 0",
    "[e2e][echo]") {
    EchoProcess echo(base_toml("30s") + listener_toml("tcp", "tcp"));
    const std::string address = echo.address("tcp");
    const std::string admin = echo.admin_address();

    // Every client writes its whole payload and half-closes before the signal, but reads only
    // the first bytes of the echo: the rest is in flight (in mio-echo and in the kernel) when
    // SIGTERM arrives. The payload must fit in the client's send buffer so that the write
    // completes while nobody reads: 1 MiB where the kernel allows, less otherwise.
    constexpr int kClients = 4;
    std::vector<Client> clients;
    std::vector<std::string> payloads;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(Client::tcp(address));
        const int want = 8 * 1024 * 1024;  // capped by net.core.wmem_max
        REQUIRE(::setsockopt(clients.back().fd(), SOL_SOCKET, SO_SNDBUF, &want, sizeof want) == 0);
        int got = 0;
        socklen_t len = sizeof got;
        REQUIRE(::getsockopt(clients.back().fd(), SOL_SOCKET, SO_SNDBUF, &got, &len) == 0);
        payloads.push_back(
            pattern(std::min<std::size_t>(1024 * 1024, static_cast<std::size_t>(got) / 4), 50 + i));
    }
    std::vector<std::string> received(kClients);
    for (int i = 0; i < kClients; ++i) {
        clients[i].send_all(payloads[i]);
        clients[i].shutdown_write();
    }
    for (int i = 0; i < kClients; ++i) {
        received[i] = clients[i].recv_exact(1000);
        REQUIRE(received[i].size() == 1000);
    }
    // An idle connection too: it keeps the drain going until it closes.
    Client idle = Client::tcp(address);
    CHECK(idle.echo("idle") == "idle");

    const std::size_t mark = echo.stderr_mark();
    echo.send_signal(SIGTERM);
    REQUIRE(echo.wait_for_line("SIGTERM: draining", kWait, mark));

    const RunResult ready =
        run("timeout 20 curl -s -o /dev/null -w '%{http_code}' http://" + admin + "/readyz");
    CHECK(ready.out == "503");
    // Accepting has stopped: the listener is closed.
    {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        const auto colon = address.rfind(':');
        sa.sin_port = htons(static_cast<std::uint16_t>(std::stoul(address.substr(colon + 1))));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK(::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == -1);
        CHECK(errno == ECONNREFUSED);
        ::close(fd);
    }
    // The idle connection gets mio-echo's FIN.
    const auto idle_end = idle.read_to_eof();
    CHECK(idle_end.eof);
    CHECK(idle_end.data.empty());

    for (int i = 0; i < kClients; ++i) {
        INFO("client " << i);
        const auto rest = clients[i].read_to_eof();
        CHECK(rest.eof);
        CHECK(rest.error == 0);
        received[i] += rest.data;
        REQUIRE(received[i].size() == payloads[i].size());
        CHECK(diff(received[i], payloads[i]) == "");
    }
    CHECK_FALSE(echo.wait_exit(std::chrono::milliseconds(200)).has_value());  // idle still open
    idle.close();
    CHECK(echo.wait_exit(kWait) == 0);
    CHECK(echo.stderr_text().find("drain timeout") == std::string::npos);
}

TEST_CASE("a second SIGTERM during the drain exits at once even with a connection open",
          "[e2e][echo]") {
    EchoProcess echo(base_toml("60s") + listener_toml("tcp", "tcp"));
    Client idle = Client::tcp(echo.address("tcp"));
    CHECK(idle.echo("x") == "x");
    const std::size_t mark = echo.stderr_mark();
    echo.send_signal(SIGTERM);
    REQUIRE(echo.wait_for_line("SIGTERM: draining", kWait, mark));
    CHECK(idle.read_to_eof().eof);  // our FIN; the client does not close, so the drain waits
    echo.send_signal(SIGTERM);
    // Well before the 60 s drain timeout: the second signal stopped it.
    CHECK(echo.wait_exit(kWait) == 0);
    CHECK(echo.stderr_text().find("during drain: stopping now") != std::string::npos);
}

TEST_CASE("SIGHUP with a broken config keeps serving and a fixed config adds a listener",
          "[e2e][echo]") {
    const std::string good = base_toml() + listener_toml("tcp", "tcp");
    EchoProcess echo(good);
    const std::string address = echo.address("tcp");
    Client before = Client::tcp(address);
    CHECK(before.echo("before") == "before");

    echo.write_config(good + "\n[listeners.broken\nbind = \"127.0.0.1:0\"\n");
    std::size_t mark = echo.stderr_mark();
    echo.send_signal(SIGHUP);
    const auto failed =
        echo.wait_for_line("reload failed, keeping the current configuration:", kWait, mark);
    REQUIRE(failed);
    INFO(*failed);
    // "<file>:<line>:<column>: ...": the file and the line of the syntax error.
    CHECK(failed->find(echo.config_path() + ":") != std::string::npos);
    CHECK(std::regex_search(*failed, std::regex(R"(mio-echo\.toml:\d+:\d+: )")));
    CHECK(Client::tcp(address).echo("still here") == "still here");
    CHECK(before.echo("and here") == "and here");

    echo.write_config(good + listener_toml("disc", "tcp", "mode = \"discard\""));
    mark = echo.stderr_mark();
    echo.send_signal(SIGHUP);
    REQUIRE(echo.wait_for_line("configuration reloaded", kWait, mark));
    const auto added =
        echo.wait_for_line("listener 'disc' (tcp, discard) listening on", kWait, mark);
    REQUIRE(added);
    Client disc = Client::tcp(echo.address("disc"));
    disc.send_all("into the void");
    disc.shutdown_write();
    const auto nothing = disc.read_to_eof();
    CHECK(nothing.eof);
    CHECK(nothing.data.empty());
    CHECK(wait_metric(echo.admin_address(), "mio_echo_bytes_in_total", "disc", 13) == 13u);
    CHECK(Client::tcp(address).echo("after") == "after");  // the old listener is untouched
}

TEST_CASE("out of file descriptors: accepting pauses without spinning and resumes", "[e2e][echo]") {
    // prlimit (util-linux) sets the limit and execs mio-echo: same pid.
    EchoProcess::Options options;
    options.wrapper = {"prlimit", "--nofile=40:40"};
    EchoProcess echo("[runtime]\ndrain_timeout = \"5s\"\n" + listener_toml("tcp", "tcp"), options);
    const std::string address = echo.address("tcp");

    // Exactly as many connections as mio-echo has free descriptors are served; the next ones
    // are accepted by the kernel (they sit in the backlog) but mio-echo's accept fails with
    // EMFILE, it logs that it pauses accepting, and they get no echo. (The log line alone
    // cannot tell which connection was the first refused: with a full descriptor table,
    // accept(2) fails with EMFILE even when nothing is waiting.)
    // Descriptors inherited above the limit (e.g. from the shell) do not count against it.
    const auto open_fds = echo.open_fds();
    const auto below =
        std::count_if(open_fds.begin(), open_fds.end(), [](int fd) { return fd < 40; });
    const int free_fds = 40 - static_cast<int>(below);
    INFO(free_fds << " descriptors free for connections");
    REQUIRE(free_fds >= 4);
    std::vector<Client> served;
    for (int i = 0; i < free_fds; ++i) {
        served.push_back(Client::tcp(address));
        REQUIRE(served.back().echo("p") == "p");
    }
    std::vector<Client> pending;
    for (int i = 0; i < 2; ++i) {
        pending.push_back(Client::tcp(address));  // the handshake completes in the kernel
        pending.back().send_all("p");
    }
    REQUIRE(echo.wait_for_line("Too many open files; pausing accepts"));

    // Not spinning: over ~1 s of waiting (a poll(2) timeout on the pending socket, which must
    // get no echo), mio-echo uses far less than 50 ticks (0.5 s) of CPU. A generous bound: a
    // busy loop would use ~100.
    const long ticks_before = echo.cpu_ticks();
    CHECK_FALSE(pending.front().wait_readable(milliseconds(1000)));
    const long ticks_after = echo.cpu_ticks();
    INFO("CPU ticks over the wait: " << ticks_after - ticks_before);
    CHECK(ticks_after - ticks_before < 50);

    // The existing connections are still served.
    for (std::size_t i = 0; i < served.size(); ++i) {
        const std::string msg = "still " + std::to_string(i);
        CHECK(served[i].echo(msg) == msg);
    }
    // Closing a few frees descriptors: the pending ones are accepted and get their echo.
    for (int i = 0; i < 3; ++i) {
        served.back().close();
        served.pop_back();
    }
    for (Client& c : pending)
        CHECK(c.recv_exact(1) == "p");
    for (Client& c : pending)
        CHECK(c.echo("served") == "served");
}
