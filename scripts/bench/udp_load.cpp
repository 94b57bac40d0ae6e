// UDP ping-pong load for scripts/bench-proxy-udp.sh (one thread, epoll, plain system calls).
//   udp_load PORT SOCKETS SIZE SECONDS
// Each of SOCKETS client sockets (connected to 127.0.0.1:PORT) keeps one SIZE-byte datagram in
// flight, stamped with its socket number and a sequence number; a reply must carry the same
// stamp (a reply that reaches the wrong client or comes back changed is counted as "wrong"). A
// datagram with no reply after 200 ms counts as lost and is sent again, so a loss cannot stall
// a socket. Prints: ops=<round trips> lost=<n> wrong=<n> seconds=<window>.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Client {
    int fd = -1;
    std::uint64_t seq = 0;
    Clock::time_point sent;
};

void stamp(char* buf, std::size_t size, std::uint32_t id, std::uint64_t seq) {
    std::memset(buf, 'x', size);
    std::memcpy(buf, &id, sizeof id);
    std::memcpy(buf + sizeof id, &seq, sizeof seq);
}

void send_next(Client& c, std::uint32_t id, char* buf, std::size_t size) {
    stamp(buf, size, id, c.seq);
    (void)::send(c.fd, buf, size, 0);
    c.sent = Clock::now();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: udp_load PORT SOCKETS SIZE SECONDS\n");
        return 2;
    }
    const int port = std::atoi(argv[1]);
    const int sockets = std::atoi(argv[2]);
    const std::size_t size = std::max<std::size_t>(16, std::strtoul(argv[3], nullptr, 10));
    const double seconds = std::atof(argv[4]);
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    std::vector<Client> clients(static_cast<std::size_t>(sockets));
    std::vector<char> buf(size), got(65536), want(size);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < sockets; ++i) {
        Client& c = clients[static_cast<std::size_t>(i)];
        c.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0 || ::connect(c.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
            std::perror("socket/connect");
            return 1;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLET;
        ev.data.u32 = static_cast<std::uint32_t>(i);
        ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
        send_next(c, static_cast<std::uint32_t>(i), buf.data(), size);
    }
    std::uint64_t ops = 0, lost = 0, wrong = 0;
    const auto start = Clock::now();
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<epoll_event> events(256);
    auto next_sweep = start + std::chrono::milliseconds(100);
    while (Clock::now() < end) {
        const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
        for (int e = 0; e < n; ++e) {
            const std::uint32_t id = events[static_cast<std::size_t>(e)].data.u32;
            Client& c = clients[id];
            for (;;) {
                const ssize_t r = ::recv(c.fd, got.data(), got.size(), 0);
                if (r < 0) break;
                stamp(want.data(), size, id, c.seq);
                if (static_cast<std::size_t>(r) != size ||
                    std::memcmp(got.data(), want.data(), size) != 0) {
                    ++wrong;  // a late reply to a datagram counted lost lands here too
                    continue;
                }
                ++ops;
                ++c.seq;
                send_next(c, id, buf.data(), size);
            }
        }
        const auto now = Clock::now();
        if (now < next_sweep) continue;
        next_sweep = now + std::chrono::milliseconds(100);
        for (std::size_t i = 0; i < clients.size(); ++i) {
            if (now - clients[i].sent < std::chrono::milliseconds(200)) continue;
            ++lost;
            ++clients[i].seq;
            send_next(clients[i], static_cast<std::uint32_t>(i), buf.data(), size);
        }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("ops=%llu lost=%llu wrong=%llu seconds=%.3f\n",
                static_cast<unsigned long long>(ops), static_cast<unsigned long long>(lost),
                static_cast<unsigned long long>(wrong), secs);
    return 0;
}
