// Load generator for scripts/bench-echo.sh (one thread, epoll, plain system calls).
//   echo_load pingpong PORT CONNS SIZE SECONDS   request/response: SIZE bytes out, SIZE back
//   echo_load stream   PORT CONNS CHUNK SECONDS  each connection keeps 4 chunks in flight
//   echo_load idle     PORT CONNS                opens CONNS idle connections, prints "ready",
//                                                holds them until stdin closes
// Prints one line: ops=<round trips or chunks> bytes=<echoed bytes> seconds=<window>.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        std::perror("connect");
        std::exit(1);
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

struct Client {
    int fd;
    std::size_t to_send = 0;  // bytes of the current request/chunks still to write
    std::size_t to_recv = 0;  // bytes still expected back
    bool watch_out = false;   // EPOLLOUT subscribed (only while a send met EAGAIN)
};

// Sends what is due; subscribes to EPOLLOUT only while the socket is full.
void flush(int ep, std::size_t index, Client& c, const std::vector<char>& out) {
    while (c.to_send > 0) {
        const ssize_t w =
            ::send(c.fd, out.data(), std::min(c.to_send, out.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w <= 0) break;
        c.to_send -= static_cast<std::size_t>(w);
    }
    const bool want_out = c.to_send > 0;
    if (want_out != c.watch_out) {
        epoll_event ev{};
        ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
        ev.data.u64 = index;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        c.watch_out = want_out;
    }
}

int run(const std::string& mode, int port, int conns, std::size_t size, double seconds) {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    std::vector<Client> clients(static_cast<std::size_t>(conns));
    const bool stream = mode == "stream";
    const std::size_t window = stream ? 4 * size : size;
    for (std::size_t i = 0; i < clients.size(); ++i) {
        clients[i].fd = connect_to(port);
        clients[i].to_send = window;
        clients[i].to_recv = window;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, clients[i].fd, &ev);
    }
    std::vector<char> out(window, 'x'), in(1 << 16);
    std::vector<epoll_event> events(1024);
    std::uint64_t ops = 0, bytes = 0;
    for (std::size_t i = 0; i < clients.size(); ++i)
        flush(ep, i, clients[i], out);
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    while (Clock::now() < end) {
        const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
        for (int k = 0; k < n; ++k) {
            const std::size_t index = events[k].data.u64;
            Client& c = clients[index];
            if (events[k].events & EPOLLIN) {
                const ssize_t r = ::recv(c.fd, in.data(), in.size(), MSG_DONTWAIT);
                if (r == 0) {
                    std::fprintf(stderr, "server closed a connection\n");
                    return 1;
                }
                if (r > 0) {
                    bytes += static_cast<std::uint64_t>(r);
                    std::size_t got = static_cast<std::size_t>(r);
                    // Each completed request (or chunk) lets the next one go out.
                    while (got >= c.to_recv) {
                        got -= c.to_recv;
                        ++ops;
                        c.to_recv = size;
                        c.to_send += size;
                    }
                    c.to_recv -= got;
                }
            }
            flush(ep, index, c, out);
        }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("ops=%llu bytes=%llu seconds=%.3f\n", static_cast<unsigned long long>(ops),
                static_cast<unsigned long long>(bytes), elapsed);
    return 0;
}

int idle(int port, int conns) {
    std::vector<int> fds;
    for (int i = 0; i < conns; ++i)
        fds.push_back(connect_to(port));
    std::printf("ready\n");
    std::fflush(stdout);
    char c;
    while (::read(0, &c, 1) > 0) {
    }
    for (int fd : fds)
        ::close(fd);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 4 && std::string(argv[1]) == "idle")
        return idle(std::atoi(argv[2]), std::atoi(argv[3]));
    if (argc < 6) {
        std::fprintf(stderr,
                     "usage: %s pingpong|stream PORT CONNS SIZE SECONDS | idle PORT CONNS\n",
                     argv[0]);
        return 2;
    }
    return run(argv[1], std::atoi(argv[2]), std::atoi(argv[3]), std::strtoul(argv[4], nullptr, 10),
               std::atof(argv[5]));
}
