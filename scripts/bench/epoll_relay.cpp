// A reference point for scripts/bench-proxy.sh: a minimal edge-triggered epoll TCP relay in
// plain C++ over the raw system calls (one listener, one backend, 16 KiB per direction, drain
// until EAGAIN or a short read, EPOLLOUT only while a socket is full), with nothing else: no
// limits, no timers, no half-close, no metrics. It shows what the kernel allows on this
// machine; mio-proxy is judged against HAProxy, measured in the same run.
// Usage: bench_epoll_relay LISTEN_PORT BACKEND_PORT [BUFFER_BYTES]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace {

struct Conn;

struct Half {
    int fd = -1;
    Conn* conn = nullptr;
    bool out_watched = false;
};

struct Conn {
    Half client, server;
    std::unique_ptr<char[]> up, down;  // client -> server, server -> client
    std::size_t up_start = 0, up_end = 0, down_start = 0, down_end = 0;
    bool connected = false;
    bool closed = false;
};

std::size_t g_cap = 16384;
int g_ep = -1;

void watch(Half& h, bool out) {
    if (h.out_watched == out) return;
    h.out_watched = out;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (out ? EPOLLOUT : 0u);
    ev.data.ptr = &h;
    ::epoll_ctl(g_ep, EPOLL_CTL_MOD, h.fd, &ev);
}

enum class Sent { all, blocked, error };

// Sends buf[start, end) to `to`, watching it for EPOLLOUT if it fills up.
Sent flush(Half& to, const char* buf, std::size_t& start, std::size_t end) {
    while (start < end) {
        const ssize_t n = ::send(to.fd, buf + start, end - start, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN) return Sent::error;
            watch(to, true);
            return Sent::blocked;
        }
        start += static_cast<std::size_t>(n);
    }
    return Sent::all;
}

// Moves bytes from -> to through buf; false = close the pair.
bool pump(Half& from, Half& to, char* buf, std::size_t& start, std::size_t& end) {
    for (;;) {
        const Sent sent = flush(to, buf, start, end);
        if (sent != Sent::all) return sent == Sent::blocked;
        start = end = 0;
        const ssize_t n = ::recv(from.fd, buf, g_cap, 0);
        if (n == 0) return false;
        if (n < 0) return errno == EAGAIN;
        end = static_cast<std::size_t>(n);
        if (end < g_cap) {  // short read: the socket is empty, send and wait for the next edge
            const Sent rest = flush(to, buf, start, end);
            if (rest == Sent::all) start = end = 0;
            return rest != Sent::error;
        }
    }
}

// Closed pairs are freed after the batch: a later event of the same batch may name them.
void close_conn(Conn* c, std::unique_ptr<Conn>* graveyard, int& dead) {
    if (c->closed) return;
    c->closed = true;
    ::close(c->client.fd);
    ::close(c->server.fd);
    graveyard[dead++].reset(c);
}

void add(Half& h, std::uint32_t extra) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | extra;
    ev.data.ptr = &h;
    ::epoll_ctl(g_ep, EPOLL_CTL_ADD, h.fd, &ev);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s LISTEN_PORT BACKEND_PORT [BUFFER_BYTES]\n", argv[0]);
        return 2;
    }
    if (argc > 3) g_cap = std::strtoul(argv[3], nullptr, 10);
    sockaddr_in backend{};
    backend.sin_family = AF_INET;
    backend.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
    backend.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = backend;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
        ::listen(lfd, 4096) < 0) {
        std::perror("bind/listen");
        return 1;
    }
    g_ep = ::epoll_create1(EPOLL_CLOEXEC);
    Half listener;
    listener.fd = lfd;
    add(listener, 0);
    epoll_event events[1024];
    auto graveyard = std::make_unique<std::unique_ptr<Conn>[]>(1024);
    for (;;) {
        const int n = ::epoll_wait(g_ep, events, 1024, -1);
        int dead = 0;
        for (int i = 0; i < n; ++i) {
            Half* h = static_cast<Half*>(events[i].data.ptr);
            if (h == &listener) {
                for (;;) {
                    const int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (cfd < 0) break;
                    ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    auto* c = new Conn;
                    c->up = std::make_unique<char[]>(g_cap);
                    c->down = std::make_unique<char[]>(g_cap);
                    c->client = {cfd, c, false};
                    c->server = {::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
                                 c, true};
                    ::setsockopt(c->server.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    ::connect(c->server.fd, reinterpret_cast<sockaddr*>(&backend), sizeof backend);
                    add(c->client, 0);
                    add(c->server, EPOLLOUT);
                }
                continue;
            }
            Conn* c = h->conn;
            if (c->closed) continue;
            const bool server_side = h == &c->server;
            if (server_side && !c->connected) {
                c->connected = true;
                watch(c->server, false);
                if (!pump(c->client, c->server, c->up.get(), c->up_start, c->up_end)) {
                    close_conn(c, graveyard.get(), dead);
                }
                continue;
            }
            if (!c->connected) continue;
            const std::uint32_t e = events[i].events;
            bool ok = true;
            // Readable: move this side's bytes to the other; writable: flush what waits for
            // this side, then read more of the other.
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
                ok = server_side
                         ? pump(c->server, c->client, c->down.get(), c->down_start, c->down_end)
                         : pump(c->client, c->server, c->up.get(), c->up_start, c->up_end);
            }
            if (ok && (e & EPOLLOUT)) {
                watch(*h, false);
                ok = server_side
                         ? pump(c->client, c->server, c->up.get(), c->up_start, c->up_end)
                         : pump(c->server, c->client, c->down.get(), c->down_start, c->down_end);
            }
            if (!ok) close_conn(c, graveyard.get(), dead);
        }
        for (int i = 0; i < dead; ++i)
            graveyard[i].reset();
    }
}
