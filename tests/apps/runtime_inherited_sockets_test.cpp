// Socket activation: the sd_listen_fds(3) environment parsed, and the checks that an inherited
// descriptor is the kind of socket its listener serves on (real sockets).

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "runtime/inherited_sockets.hpp"

using app::InheritedKind;
using app::InheritedSocket;
using app::parse_listen_fds;

namespace {

// A socket of `type` bound on loopback (port 0), listening if `listen`; closed on scope exit.
struct TestSocket {
    int fd;
    TestSocket(int family, int type, bool listen) : fd(::socket(family, type | SOCK_CLOEXEC, 0)) {
        REQUIRE(fd >= 0);
        if (family == AF_INET) {
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        }
        if (listen) REQUIRE(::listen(fd, 4) == 0);
    }
    ~TestSocket() { ::close(fd); }
};

}  // namespace

TEST_CASE("socket activation: the environment, as sd_listen_fds(3) reads it", "[activation]") {
    std::string problem;
    CHECK(parse_listen_fds(nullptr, nullptr, nullptr, 42, &problem).empty());
    CHECK(problem.empty());
    // Meant for another process (the one that exec'd us): ignored, and no problem.
    CHECK(parse_listen_fds("41", "2", "a:b", 42, &problem).empty());
    CHECK(problem.empty());
    CHECK(parse_listen_fds("42", "2", "front:dns", 42, &problem) ==
          std::vector<InheritedSocket>{{3, "front"}, {4, "dns"}});
    CHECK(parse_listen_fds("42", "1", nullptr, 42, &problem) ==
          std::vector<InheritedSocket>{{3, "unknown"}});
    CHECK(parse_listen_fds("42", "2", "a::", 42, &problem).empty() == false);
    CHECK(problem.find("3 names for 2 descriptors") != std::string::npos);
    problem.clear();
    CHECK(parse_listen_fds("42", "2", "a:", 42, &problem) ==
          std::vector<InheritedSocket>{{3, "a"}, {4, "unknown"}});  // an empty name
    CHECK(problem.empty());
    CHECK(parse_listen_fds("4x", "1", nullptr, 42, &problem).empty());
    CHECK(problem == "LISTEN_PID is not a process id");
    CHECK(parse_listen_fds("42", "-1", nullptr, 42, &problem).empty());
    CHECK(problem == "LISTEN_FDS is not a descriptor count");
    CHECK(parse_listen_fds("42", "", nullptr, 42, &problem).empty());
    CHECK(parse_listen_fds("42", "99999", nullptr, 42, &problem).empty());
}

TEST_CASE("socket activation: an inherited socket must fit its listener", "[activation]") {
    TestSocket tcp_listening(AF_INET, SOCK_STREAM, true);
    TestSocket tcp_idle(AF_INET, SOCK_STREAM, false);
    TestSocket udp(AF_INET, SOCK_DGRAM, false);
    TestSocket unix_dgram(AF_UNIX, SOCK_DGRAM, false);
    CHECK(app::inherited_mismatch(tcp_listening.fd, InheritedKind::tcp_listener).empty());
    CHECK(app::inherited_mismatch(tcp_idle.fd, InheritedKind::tcp_listener) == "is not listening");
    CHECK(app::inherited_mismatch(udp.fd, InheritedKind::tcp_listener) ==
          "is an Internet datagram socket, not a listening TCP socket");
    CHECK(app::inherited_mismatch(udp.fd, InheritedKind::udp).empty());
    CHECK(app::inherited_mismatch(tcp_listening.fd, InheritedKind::udp) ==
          "is an Internet stream socket, not a UDP socket");
    CHECK(app::inherited_mismatch(unix_dgram.fd, InheritedKind::unixgram).empty());
    CHECK(app::inherited_mismatch(unix_dgram.fd, InheritedKind::unix_listener) ==
          "is a Unix datagram socket, not a listening Unix socket");
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    CHECK(app::inherited_mismatch(pipe_fds[0], InheritedKind::udp) == "is not a socket");
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
}
