// Hand-written UDP relay for scripts/bench-proxy-udp.sh: the limit a UDP proxy with one
// connected upstream socket per client session can reach here, as strong as we know how to
// make it, so that mio-proxy and nginx are measured against the floor the kernel sets.
//   udp_relay LISTEN_PORT BACKEND_PORT [RESPONSES]
// Each client address gets its own socket connected to the backend (so a reply goes back to
// exactly that client and strangers are filtered by the kernel), registered once,
// edge-triggered. Every socket is read with recvmmsg in batches of 32: a short batch means the
// queue was empty, so no call is made that is known to return EAGAIN. Replies to clients are
// gathered during one wake-up and sent with one sendmmsg on the listening socket. With
// RESPONSES = N > 0 a session ends once every request has had N replies (its socket closed:
// the DNS case; several requests may be in flight on one client socket); with 0
// (the default) sessions live for the run. The session map is an open-addressing table keyed
// by the address and sessions are reused slots, so nothing is allocated per datagram.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr unsigned kBatch = 32;
constexpr std::size_t kMaxDatagram = 65536;
constexpr std::uint64_t kListenerToken = ~0ULL;

struct Session {
    sockaddr_in client;
    int fd;
    unsigned owed;  // replies still expected (RESPONSES per request in flight)
};

// Client address -> session index: linear probing, backward-shift deletion, grows by doubling.
class SessionMap {
public:
    SessionMap() : slots_(1 << 16, -1) {}
    // The slot holding KEY's index, or the empty slot where it belongs.
    int* find_or_slot(std::uint64_t key) {
        if (2 * (count_ + 1) > slots_.size()) grow();
        std::size_t i = home(key);
        while (slots_[i] >= 0 && key_at(i) != key)
            i = next(i);
        return &slots_[i];
    }
    void inserted(int* slot, int index, std::uint64_t key) {
        *slot = index;
        if (keys_of_.size() <= static_cast<std::size_t>(index)) keys_of_.resize(index + 1);
        keys_of_[static_cast<std::size_t>(index)] = key;
        ++count_;
    }
    void erase(std::uint64_t key) {
        std::size_t hole = static_cast<std::size_t>(find_or_slot(key) - slots_.data());
        if (slots_[hole] < 0) return;
        --count_;
        // Move back every later entry of the run that may live at the hole.
        for (std::size_t j = next(hole); slots_[j] >= 0; j = next(j)) {
            const std::size_t h = home(key_at(j));
            const bool between = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
            if (between) continue;
            slots_[hole] = slots_[j];
            hole = j;
        }
        slots_[hole] = -1;
    }

private:
    std::size_t home(std::uint64_t k) const {
        return ((k * 0x9E3779B97F4A7C15ULL) >> 16) & (slots_.size() - 1);
    }
    std::size_t next(std::size_t i) const { return (i + 1) & (slots_.size() - 1); }
    std::uint64_t key_at(std::size_t i) const {
        return keys_of_[static_cast<std::size_t>(slots_[i])];
    }
    void grow() {
        std::vector<int> old(slots_.size() * 2, -1);
        old.swap(slots_);
        for (int index : old) {
            if (index < 0) continue;
            std::size_t i = home(keys_of_[static_cast<std::size_t>(index)]);
            while (slots_[i] >= 0)
                i = next(i);
            slots_[i] = index;
        }
    }
    std::vector<int> slots_;
    std::vector<std::uint64_t> keys_of_;
    std::size_t count_ = 0;
};

std::uint64_t key_of(const sockaddr_in& a) {
    return (static_cast<std::uint64_t>(a.sin_addr.s_addr) << 16) | a.sin_port;
}

// One batch of datagrams: buffers, iovecs, addresses and message headers, set up once.
struct Batch {
    std::vector<char> data = std::vector<char>(kBatch * kMaxDatagram);
    iovec iov[kBatch];
    sockaddr_in addr[kBatch];
    mmsghdr msg[kBatch];
    unsigned count = 0;
    Batch() {
        for (unsigned i = 0; i < kBatch; ++i) {
            iov[i] = {data.data() + i * kMaxDatagram, kMaxDatagram};
            msg[i] = {};
            msg[i].msg_hdr.msg_iov = &iov[i];
            msg[i].msg_hdr.msg_iovlen = 1;
        }
    }
    void prepare_receive(bool with_address) {
        for (unsigned i = 0; i < kBatch; ++i) {
            iov[i].iov_len = kMaxDatagram;
            msg[i].msg_hdr.msg_name = with_address ? &addr[i] : nullptr;
            msg[i].msg_hdr.msg_namelen = with_address ? sizeof addr[i] : 0;
        }
    }
};

struct Relay {
    int listener = -1;
    int ep = -1;
    sockaddr_in backend{};
    unsigned responses = 0;  // replies that end a session; 0: never
    std::vector<Session> sessions;
    std::vector<int> free_sessions;
    SessionMap map;
    Batch in;       // datagrams just received
    Batch replies;  // replies to clients, sent with one sendmmsg at the end of a wake-up

    int session_for(const sockaddr_in& client) {
        const std::uint64_t key = key_of(client);
        int* slot = map.find_or_slot(key);
        if (*slot >= 0) return *slot;
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&backend), sizeof backend) < 0) {
            ::close(fd);
            return -1;
        }
        int index;
        if (!free_sessions.empty()) {
            index = free_sessions.back();
            free_sessions.pop_back();
            sessions[static_cast<std::size_t>(index)] = {client, fd, 0};
        } else {
            index = static_cast<int>(sessions.size());
            sessions.push_back({client, fd, 0});
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLET;
        ev.data.u64 = static_cast<std::uint64_t>(index);
        ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        map.inserted(slot, index, key);
        return index;
    }

    void from_clients() {
        for (;;) {
            in.prepare_receive(true);
            const int n = ::recvmmsg(listener, in.msg, kBatch, 0, nullptr);
            if (n <= 0) return;
            for (int i = 0; i < n; ++i) {
                const int s = session_for(in.addr[i]);
                if (s < 0) continue;  // out of descriptors: dropped
                Session& session = sessions[static_cast<std::size_t>(s)];
                session.owed += responses;
                (void)::send(session.fd, in.iov[i].iov_base, in.msg[i].msg_len, 0);
            }
            if (static_cast<unsigned>(n) < kBatch) return;  // drained
        }
    }

    void end_session(int index) {
        Session& s = sessions[static_cast<std::size_t>(index)];
        ::close(s.fd);  // closing also removes it from the epoll set
        map.erase(key_of(s.client));
        s.fd = -1;
        free_sessions.push_back(index);
    }

    void from_backend(int index) {
        Session& s = sessions[static_cast<std::size_t>(index)];
        if (s.fd < 0) return;  // ended earlier in this wake-up
        for (;;) {
            if (replies.count == kBatch) flush_replies();
            const unsigned room = kBatch - replies.count;
            mmsghdr* msg = replies.msg + replies.count;
            for (unsigned i = 0; i < room; ++i) {
                replies.iov[replies.count + i].iov_len = kMaxDatagram;
                msg[i].msg_hdr.msg_name = nullptr;
                msg[i].msg_hdr.msg_namelen = 0;
            }
            const int n = ::recvmmsg(s.fd, msg, room, 0, nullptr);
            if (n <= 0) return;
            for (int i = 0; i < n; ++i) {
                const unsigned j = replies.count++;
                replies.iov[j].iov_len = replies.msg[j].msg_len;
                replies.addr[j] = s.client;
                replies.msg[j].msg_hdr.msg_name = &replies.addr[j];
                replies.msg[j].msg_hdr.msg_namelen = sizeof replies.addr[j];
                if (responses > 0 && --s.owed == 0) {
                    end_session(index);  // later datagrams on its socket are not wanted
                    return;
                }
            }
            if (static_cast<unsigned>(n) < room) return;  // drained
        }
    }

    void flush_replies() {
        unsigned sent = 0;
        while (sent < replies.count) {
            const int n = ::sendmmsg(listener, replies.msg + sent, replies.count - sent, 0);
            if (n <= 0) break;  // a full send buffer drops the rest, as UDP may
            sent += static_cast<unsigned>(n);
        }
        replies.count = 0;
    }
};

sockaddr_in loopback(const char* port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(port)));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) {
        std::fprintf(stderr, "usage: udp_relay LISTEN_PORT BACKEND_PORT [RESPONSES]\n");
        return 2;
    }
    static Relay relay;
    if (argc == 4) relay.responses = static_cast<unsigned>(std::atoi(argv[3]));
    const sockaddr_in local = loopback(argv[1]);
    relay.backend = loopback(argv[2]);
    relay.listener = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (::bind(relay.listener, reinterpret_cast<const sockaddr*>(&local), sizeof local) < 0) {
        std::perror("bind");
        return 1;
    }
    relay.ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = kListenerToken;
    ::epoll_ctl(relay.ep, EPOLL_CTL_ADD, relay.listener, &ev);
    epoll_event events[256];
    for (;;) {
        const int n = ::epoll_wait(relay.ep, events, 256, -1);
        if (n < 0 && errno != EINTR) return 1;
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == kListenerToken)
                relay.from_clients();
            else
                relay.from_backend(static_cast<int>(events[i].data.u64));
        }
        relay.flush_replies();
    }
}
