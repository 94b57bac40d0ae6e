#pragma once
// Plain BSD-socket peers for the TCP/UDP tests: blocking sockets the tests drive directly, so
// that every wait is a blocking call on the peer or a poll timeout, never a sleep.

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <mio/net/socket_addr.hpp>
#include <mio/unique_fd.hpp>

#include "test_util.hpp"

namespace mio::test {

inline std::span<const std::byte> bytes(std::string_view text) {
    return std::as_bytes(std::span(text.data(), text.size()));
}

inline std::string to_text(std::span<const std::byte> data) {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
}

inline int domain_of(const net::SocketAddr& addr) {
    return addr.is_ipv4() ? AF_INET : AF_INET6;
}

/// A blocking, close-on-exec socket of the given family and type.
inline UniqueFd plain_socket(int domain, int type) {
    UniqueFd fd(::socket(domain, type | SOCK_CLOEXEC, 0));
    REQUIRE(fd.valid());
    return fd;
}

inline void plain_bind(int fd, const net::SocketAddr& addr) {
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(addr.to_sockaddr(storage));
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&storage), len) == 0);
}

inline net::SocketAddr plain_local_addr(int fd) {
    sockaddr_storage storage{};
    socklen_t len = sizeof storage;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len) == 0);
    return must(net::SocketAddr::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), len),
                "from_sockaddr");
}

/// A blocking listening TCP socket bound to `addr` (port 0 by default) and its real address.
inline std::pair<UniqueFd, net::SocketAddr> plain_listener(
    const net::SocketAddr& addr = any_local_address()) {
    UniqueFd fd = plain_socket(domain_of(addr), SOCK_STREAM);
    plain_bind(fd.get(), addr);
    REQUIRE(::listen(fd.get(), 16) == 0);
    net::SocketAddr bound = plain_local_addr(fd.get());
    return {std::move(fd), bound};
}

/// A blocking TCP connect; the handshake is complete when it returns.
inline UniqueFd plain_connect(const net::SocketAddr& addr) {
    UniqueFd fd = plain_socket(domain_of(addr), SOCK_STREAM);
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(addr.to_sockaddr(storage));
    REQUIRE(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&storage), len) == 0);
    return fd;
}

/// A blocking accept on a plain listener.
inline UniqueFd plain_accept(int listener) {
    UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(fd.valid());
    return fd;
}

/// A blocking UDP socket bound to `addr`.
inline UniqueFd plain_udp(const net::SocketAddr& addr = any_local_address()) {
    UniqueFd fd = plain_socket(domain_of(addr), SOCK_DGRAM);
    plain_bind(fd.get(), addr);
    return fd;
}

// The *_raw helpers use no Catch2 assertion, so that peer threads may call them.

/// Blocking send of all of `data`; false on error.
inline bool send_all_raw(int fd, std::span<const std::byte> data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        data = data.subspan(static_cast<std::size_t>(n));
    }
    return true;
}

inline void send_all(int fd, std::span<const std::byte> data) {
    REQUIRE(send_all_raw(fd, data));
}
inline void send_all(int fd, std::string_view text) {
    send_all(fd, bytes(text));
}

/// Blocks until exactly `n` bytes were received (fails on EOF first).
inline std::string recv_exact(int fd, std::size_t n) {
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::recv(fd, out.data() + got, n - got, 0);
        REQUIRE(r > 0);
        got += static_cast<std::size_t>(r);
    }
    return out;
}

/// The test pattern: byte i of a transfer is i % 251 (a prime, so chunk edges show).
inline std::byte pattern_at(std::size_t offset) {
    return std::byte(offset % 251);
}

/// True if `data`, found at `offset` of a transfer, follows the pattern.
inline bool matches_pattern(std::span<const std::byte> data, std::size_t offset) {
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] != pattern_at(offset + i)) return false;
    }
    return true;
}

/// Blocking send of `size` pattern bytes; false on error.
inline bool send_pattern_raw(int fd, std::size_t size) {
    std::vector<std::byte> chunk(64 * 1024);
    for (std::size_t sent = 0; sent < size;) {
        const std::size_t len = std::min(chunk.size(), size - sent);
        for (std::size_t i = 0; i < len; ++i)
            chunk[i] = pattern_at(sent + i);
        if (!send_all_raw(fd, std::span(chunk.data(), len))) return false;
        sent += len;
    }
    return true;
}

/// Blocking receive until EOF; the byte count, or SIZE_MAX on an error or a pattern mismatch.
inline std::size_t recv_pattern_raw(int fd) {
    std::vector<std::byte> buf(64 * 1024);
    std::size_t total = 0;
    for (;;) {
        const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n == 0) return total;
        const auto len = static_cast<std::size_t>(n);
        if (n < 0 || !matches_pattern(std::span(buf.data(), len), total)) return SIZE_MAX;
        total += len;
    }
}

/// A peer thread doing blocking I/O on `fd`. If the test leaves early (a failed REQUIRE),
/// the destructor shuts `fd` down to unblock the thread before joining it.
class PeerThread {
public:
    template <class F>
    PeerThread(int fd, F&& body) : fd_(fd), thread_(std::forward<F>(body)) {}
    PeerThread(const PeerThread&) = delete;
    PeerThread& operator=(const PeerThread&) = delete;
    ~PeerThread() {
        if (thread_.joinable()) {
            ::shutdown(fd_, SHUT_RDWR);
            thread_.join();
        }
    }
    void join() { thread_.join(); }

private:
    int fd_;
    std::thread thread_;
};

/// SO_LINGER 0: closing the fd then sends an RST instead of a FIN.
inline void set_linger_zero(int fd) {
    ::linger value{1, 0};
    REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &value, sizeof value) == 0);
}

/// A pipe's read end, for from_fd negative tests.
inline std::pair<UniqueFd, UniqueFd> plain_pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace mio::test

namespace mio::test {

/// Reads from a registered libpoll stream until `n` bytes arrived: drains to WouldBlock after
/// every event for `token`. Fails on EOF, on an error, or after 10 polls without progress.
template <class Stream>
std::string read_with_events(Poll& poll, Events& events, const Stream& stream, Token token,
                             std::size_t n) {
    std::string out;
    char buf[4096];
    int idle_polls = 0;
    while (out.size() < n) {
        auto r = stream.read(std::span<char>(buf, std::min(sizeof buf, n - out.size())));
        if (r) {
            REQUIRE(*r > 0);
            out.append(buf, *r);
            idle_polls = 0;
            continue;
        }
        INFO("read: " << r.error().message());
        REQUIRE(is_would_block(r.error()));
        REQUIRE(idle_polls++ < 10);
        (void)wait_for_event(poll, events, token);
    }
    return out;
}

}  // namespace mio::test

namespace mio::test {

/// Calls `op()` until it answers something other than WouldBlock, polling 10 ms between tries
/// and requiring that no event arrives meanwhile (for deregistered sources). At most 200 tries.
template <class Op>
auto retry_without_events(Poll& poll, Events& events, Op op) {
    for (int attempt = 0;; ++attempt) {
        auto r = op();
        if (r || !is_would_block(r.error())) return r;
        REQUIRE(attempt < 200);
        must(poll.poll(events, std::chrono::milliseconds(10)), "poll");
        INFO("unexpected events:\n" << describe(events));
        REQUIRE(events.empty());
    }
}

}  // namespace mio::test
