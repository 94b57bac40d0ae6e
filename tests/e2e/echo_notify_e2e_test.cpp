// The systemd notification protocol, end to end: mio-echo started with $NOTIFY_SOCKET naming a
// datagram socket of the test, which reads every message the daemon sends, in order: READY=1
// once it serves, RELOADING=1 (with the monotonic time) and READY=1 around a SIGHUP reload,
// STOPPING=1 when SIGTERM starts the drain.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <optional>
#include <string>

#include "echo_process.hpp"

using namespace e2e;

namespace {

std::uint64_t monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1'000u;
}

// A bound unix datagram socket: a pathname, or "@name" for the abstract namespace.
class NotifySocket {
public:
    explicit NotifySocket(const std::string& name)
        : name_(name), fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
        REQUIRE(fd_ >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        REQUIRE(name.size() < sizeof addr.sun_path);
        std::memcpy(addr.sun_path, name.data(), name.size());
        if (name[0] == '@') addr.sun_path[0] = '\0';
        const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    }
    ~NotifySocket() { ::close(fd_); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    [[nodiscard]] const std::string& name() const { return name_; }
    /// The next message (bounded wait), or nullopt.
    [[nodiscard]] std::optional<std::string> next(milliseconds timeout = kWait) const {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
        char buf[4096];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0) return std::nullopt;
        return std::string(buf, static_cast<std::size_t>(n));
    }

private:
    std::string name_;
    int fd_;
};

void check_lifecycle(const NotifySocket& notify) {
    EchoProcess::Options options;
    options.wrapper = {"env", "NOTIFY_SOCKET=" + notify.name()};
    EchoProcess echo(base_toml("5s") + listener_toml("e", "tcp"), options);
    CHECK(notify.next() == std::optional<std::string>("READY=1\nSTATUS=serving"));
    Client client = Client::tcp(echo.address("e"));
    CHECK(client.echo("served") == "served");

    const std::uint64_t before = monotonic_usec();
    echo.send_signal(SIGHUP);
    const auto reloading = notify.next();
    const std::uint64_t after = monotonic_usec();
    REQUIRE(reloading.has_value());
    INFO(*reloading);
    const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
    REQUIRE(reloading->starts_with(prefix));
    REQUIRE(reloading->ends_with("\nSTATUS=reloading"));
    const std::uint64_t at = std::stoull(reloading->substr(prefix.size()));
    CHECK(at >= before);  // the same clock in both processes
    CHECK(at <= after);
    CHECK(notify.next() ==
          std::optional<std::string>("READY=1\nSTATUS=serving; configuration reloaded"));

    echo.send_signal(SIGTERM);
    CHECK(notify.next() == std::optional<std::string>("STOPPING=1\nSTATUS=draining"));
    client.close();
    CHECK(echo.wait_exit(kWait) == std::optional<int>(0));
}

}  // namespace

TEST_CASE("echo: READY, RELOADING and STOPPING reach $NOTIFY_SOCKET, in order", "[e2e][echo]") {
    TempDir dir;
    NotifySocket notify(dir.file("notify.sock"));
    check_lifecycle(notify);
}

TEST_CASE("echo: $NOTIFY_SOCKET in the abstract namespace", "[e2e][echo]") {
    NotifySocket notify("@mio-echo-notify-" + std::to_string(::getpid()));
    check_lifecycle(notify);
}

TEST_CASE("echo: a refused reload is told as such, and the daemon stays ready", "[e2e][echo]") {
    TempDir dir;
    NotifySocket notify(dir.file("notify.sock"));
    EchoProcess::Options options;
    options.wrapper = {"env", "NOTIFY_SOCKET=" + notify.name()};
    EchoProcess echo(base_toml("5s") + listener_toml("e", "tcp"), options);
    REQUIRE(notify.next() == std::optional<std::string>("READY=1\nSTATUS=serving"));
    echo.write_config("[listeners.e]\nbnd = 1\n");
    echo.send_signal(SIGHUP);
    const auto reloading = notify.next();
    REQUIRE(reloading.has_value());
    CHECK(reloading->starts_with("RELOADING=1\n"));
    const auto ready = notify.next();
    REQUIRE(ready.has_value());
    INFO(*ready);
    CHECK(ready->starts_with("READY=1\nSTATUS=serving; the last reload was not applied: "));
    CHECK(ready->find("unknown key 'bnd'") != std::string::npos);
}
