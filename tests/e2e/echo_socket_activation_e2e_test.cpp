// Socket activation end to end: mio-echo started as systemd starts a socket-activated service,
// with the sockets on descriptors 3, 4 and LISTEN_PID (its own pid), LISTEN_FDS and
// LISTEN_FDNAMES set. It serves on them and binds nothing of its own.

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "echo_process.hpp"

using namespace e2e;

namespace {

// A loopback socket (port 0) kept at a high descriptor without close-on-exec, so that the
// wrapper below can move it onto 3 or 4 in the child.
class PassedSocket {
public:
    explicit PassedSocket(int type) {
        const int fd = ::socket(AF_INET, type, 0);
        REQUIRE(fd >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        if (type == SOCK_STREAM) REQUIRE(::listen(fd, 16) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port_ = ntohs(a.sin_port);
        fd_ = ::fcntl(fd, F_DUPFD, 100);
        ::close(fd);
        REQUIRE(fd_ >= 100);
    }
    ~PassedSocket() { ::close(fd_); }
    PassedSocket(const PassedSocket&) = delete;
    PassedSocket& operator=(const PassedSocket&) = delete;
    [[nodiscard]] int fd() const { return fd_; }
    [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

// What systemd does between fork and exec, in a shell: the sockets onto 3, 4, ... and the
// variables set, LISTEN_PID to the pid that then execs the daemon.
std::vector<std::string> activation_wrapper(const std::vector<const PassedSocket*>& sockets,
                                            const std::string& names) {
    std::string script = "exec";
    for (std::size_t i = 0; i < sockets.size(); ++i)
        script += " " + std::to_string(3 + i) + "<&" + std::to_string(sockets[i]->fd());
    script += "; LISTEN_PID=$$ LISTEN_FDS=" + std::to_string(sockets.size()) +
              " LISTEN_FDNAMES=" + names + " exec \"$@\"";
    return {"bash", "-c", script, "bash"};
}

}  // namespace

TEST_CASE("echo: socket activation serves TCP and UDP on inherited sockets", "[e2e][echo]") {
    PassedSocket tcp(SOCK_STREAM), udp(SOCK_DGRAM), spare(SOCK_STREAM);
    PassedSocket taken(SOCK_STREAM);  // what the config names: binding it would fail
    EchoProcess::Options options;
    options.wrapper = activation_wrapper({&tcp, &udp, &spare}, "t:u:extra");
    EchoProcess echo(base_toml("5s") + listener_toml("t", "tcp", "", taken.address()) +
                         listener_toml("u", "udp", "", taken.address()),
                     options);
    CHECK(echo.address("t") == tcp.address());
    CHECK(echo.address("u") == udp.address());
    Client client = Client::tcp(tcp.address());
    CHECK(client.echo("over the inherited socket") == "over the inherited socket");
    DatagramClient datagrams = DatagramClient::udp();
    datagrams.send_to(udp.address(), "datagram");
    CHECK(datagrams.recv() == std::optional<std::string>("datagram"));
    // The socket no listener is named for is reported.
    CHECK(echo.wait_for_line("no listener is named for the inherited socket extra").has_value());

    // A reload that changes the listener re-takes the same socket: nothing rebinds.
    echo.write_config(base_toml("5s") +
                      listener_toml("t", "tcp", "idle_timeout = \"1m\"", taken.address()) +
                      listener_toml("u", "udp", "", taken.address()));
    const std::size_t mark = echo.stderr_mark();
    echo.send_signal(SIGHUP);
    REQUIRE(echo.wait_for_line("configuration reloaded", kWait, mark).has_value());
    Client after = Client::tcp(tcp.address());
    CHECK(after.echo("after the reload") == "after the reload");
}

TEST_CASE("echo: an inherited socket of the wrong kind is refused, naming the listener",
          "[e2e][echo]") {
    PassedSocket udp(SOCK_DGRAM);
    EchoProcess::Options options;
    options.wrapper = activation_wrapper({&udp}, "t");
    options.wait_ready = false;
    EchoProcess echo(base_toml("5s") + listener_toml("t", "tcp"), options);
    CHECK(echo.wait_exit(kWait) == std::optional<int>(1));
    CHECK(echo.stderr_text().find("listener 't': the inherited socket is an Internet datagram "
                                  "socket, not a listening TCP socket") != std::string::npos);
}
