// UDP echo server for scripts/bench-proxy-udp.sh: the backend every proxy forwards to, as
// simple as the kernel allows (one socket, edge-triggered epoll, recvfrom/sendto until EAGAIN).
//   udp_echo PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: udp_echo PORT\n");
        return 2;
    }
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        std::perror("bind");
        return 1;
    }
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    char buf[65536];
    for (;;) {
        epoll_event out[1];
        if (::epoll_wait(ep, out, 1, -1) < 0 && errno != EINTR) return 1;
        for (;;) {
            sockaddr_in peer{};
            socklen_t len = sizeof peer;
            const ssize_t n =
                ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &len);
            if (n < 0) break;  // EAGAIN: wait for the next edge
            (void)::sendto(fd, buf, static_cast<std::size_t>(n), 0,
                           reinterpret_cast<sockaddr*>(&peer), len);
        }
    }
}
