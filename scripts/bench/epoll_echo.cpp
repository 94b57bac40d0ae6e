// The baseline for scripts/bench-echo.sh: a minimal edge-triggered epoll echo server in plain
// C++ over the raw system calls, with the same buffer size and the same drain-until-EAGAIN
// discipline as mio-echo, and nothing else (no limits, no timers, no metrics, no logging).
// Usage: bench_epoll_echo PORT [BUFFER_BYTES]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace {

struct Conn {
    int fd;
    std::unique_ptr<char[]> buf;
    std::size_t start = 0, end = 0;
};

void close_conn(std::vector<Conn*>& conns, Conn* c) {
    conns[static_cast<std::size_t>(c->fd)] = nullptr;
    ::close(c->fd);
    delete c;
}

// Writes what is buffered, then reads until EAGAIN or the buffer is full; false = close.
bool pump(Conn* c, std::size_t cap) {
    for (;;) {
        while (c->start < c->end) {
            const ssize_t n =
                ::send(c->fd, c->buf.get() + c->start, c->end - c->start, MSG_NOSIGNAL);
            if (n < 0) return errno == EAGAIN;
            c->start += static_cast<std::size_t>(n);
        }
        c->start = c->end = 0;
        const ssize_t n = ::read(c->fd, c->buf.get(), cap);
        if (n == 0) return false;
        if (n < 0) return errno == EAGAIN;
        c->end = static_cast<std::size_t>(n);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s PORT [BUFFER_BYTES]\n", argv[0]);
        return 2;
    }
    const std::size_t cap = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 16384;
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
        ::listen(lfd, 1024) < 0) {
        std::perror("bind/listen");
        return 1;
    }
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.ptr = nullptr;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    std::vector<Conn*> conns(1 << 20, nullptr);
    std::vector<epoll_event> events(1024);
    std::printf("listening\n");
    std::fflush(stdout);
    for (;;) {
        const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
        for (int i = 0; i < n; ++i) {
            if (events[i].data.ptr == nullptr) {
                for (;;) {
                    const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;
                    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    auto* c = new Conn{fd, std::make_unique<char[]>(cap)};
                    conns[static_cast<std::size_t>(fd)] = c;
                    epoll_event cev{};
                    cev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
                    cev.data.ptr = c;
                    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            auto* c = static_cast<Conn*>(events[i].data.ptr);
            if (!pump(c, cap)) close_conn(conns, c);
        }
    }
}
