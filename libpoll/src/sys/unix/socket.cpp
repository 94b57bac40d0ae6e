#include "socket.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

#include <climits>

#include "syscall.hpp"

namespace mio::sys {
namespace {

// IoSlice/IoSliceMut are documented to have iovec's layout on Unix.
static_assert(sizeof(IoSlice) == sizeof(iovec) &&
              offsetof(IoSlice, data) == offsetof(iovec, iov_base) &&
              offsetof(IoSlice, size) == offsetof(iovec, iov_len));
static_assert(sizeof(IoSliceMut) == sizeof(iovec) &&
              offsetof(IoSliceMut, data) == offsetof(iovec, iov_base) &&
              offsetof(IoSliceMut, size) == offsetof(iovec, iov_len));

// recv/send without the C library's wrappers on Linux: glibc's are cancellation points, so in a
// multi-threaded process each call switches the thread to asynchronous cancellation and back
// around the system call (about 1% of a proxy's CPU in a 64-byte ping-pong). libpoll's sockets
// do not block, so there is no wait to cancel.
ssize_t sys_recv(int fd, void* buf, std::size_t len, int flags) noexcept {
#if defined(__linux__)
    return ::syscall(SYS_recvfrom, static_cast<long>(fd), buf, len, static_cast<long>(flags),
                     nullptr, nullptr);
#else
    return ::recv(fd, buf, len, flags);
#endif
}

ssize_t sys_send(int fd, const void* buf, std::size_t len, int flags) noexcept {
#if defined(__linux__)
    return ::syscall(SYS_sendto, static_cast<long>(fd), buf, len, static_cast<long>(flags), nullptr,
                     0L);
#else
    return ::send(fd, buf, len, flags);
#endif
}

Result<net::SocketAddr> to_socket_addr(Result<RawAddr> raw) noexcept {
    if (!raw) return fail(raw.error());
    return net::SocketAddr::from_sockaddr(raw->get(), raw->len);
}

}  // namespace

int family_of(const net::SocketAddr& addr) noexcept {
    return addr.is_ipv4() ? AF_INET : AF_INET6;
}

Result<UniqueFd> new_socket(int domain, int type) noexcept {
    auto fd = check(::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return fail(fd.error());
    return UniqueFd(*fd);
}

Result<std::pair<UniqueFd, UniqueFd>> new_socket_pair(int type) noexcept {
    int fds[2];
    if (auto r = check_void(::socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds));
        !r) {
        return fail(r.error());
    }
    return std::pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<void> expect_socket(int fd, int type, std::optional<int> domain) noexcept {
    int actual = 0;
    socklen_t len = sizeof actual;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &actual, &len) < 0) {
        const std::error_code ec = last_os_error();
        // getsockopt on a file that is not a socket answers ENOTSOCK; on a closed fd EBADF.
        return fail(ec);
    }
    if (actual != type) return fail(std::errc::wrong_protocol_type);
    if (domain) {
        int d = 0;
        len = sizeof d;
        if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &d, &len) < 0) return fail(last_os_error());
        if (d != *domain) return fail(std::errc::address_family_not_supported);
    }
    return {};
}

Result<void> bind(int fd, const sockaddr* addr, socklen_t len) noexcept {
    return check_void(::bind(fd, addr, len));
}

Result<void> bind(int fd, const net::SocketAddr& addr) noexcept {
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(addr.to_sockaddr(storage));
    return sys::bind(fd, reinterpret_cast<const sockaddr*>(&storage), len);
}

Result<void> connect(int fd, const sockaddr* addr, socklen_t len) noexcept {
    if (::connect(fd, addr, len) == 0) return {};
    const int err = errno;
    // In progress: the result arrives as a writable (or error) event. EINTR on a
    // non-blocking connect also leaves the connection proceeding in the background.
    if (err == EINPROGRESS || err == EINTR) return {};
    return fail(std::error_code(err, std::system_category()));
}

Result<void> connect(int fd, const net::SocketAddr& addr) noexcept {
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(addr.to_sockaddr(storage));
    return sys::connect(fd, reinterpret_cast<const sockaddr*>(&storage), len);
}

Result<void> listen(int fd, int backlog) noexcept {
    return check_void(::listen(fd, backlog));
}

Result<UniqueFd> accept(int fd, RawAddr& peer) noexcept {
    for (;;) {
        peer.len = sizeof peer.storage;
        const int s = ::accept4(fd, peer.get(), &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (s >= 0) return UniqueFd(s);
        if (errno != EINTR) return fail(last_os_error());
    }
}

Result<RawAddr> local_raw_addr(int fd) noexcept {
    RawAddr a;
    if (::getsockname(fd, a.get(), &a.len) < 0) return fail(last_os_error());
    return a;
}

Result<RawAddr> peer_raw_addr(int fd) noexcept {
    RawAddr a;
    if (::getpeername(fd, a.get(), &a.len) < 0) return fail(last_os_error());
    return a;
}

Result<net::SocketAddr> local_addr(int fd) noexcept {
    return to_socket_addr(local_raw_addr(fd));
}
Result<net::SocketAddr> peer_addr(int fd) noexcept {
    return to_socket_addr(peer_raw_addr(fd));
}

Result<void> set_option(int fd, int level, int name, int value) noexcept {
    return check_void(::setsockopt(fd, level, name, &value, sizeof value));
}

Result<int> get_option(int fd, int level, int name) noexcept {
    int value = 0;
    socklen_t len = sizeof value;
    if (::getsockopt(fd, level, name, &value, &len) < 0) return fail(last_os_error());
    return value;
}

Result<std::optional<std::error_code>> take_error(int fd) noexcept {
    auto err = get_option(fd, SOL_SOCKET, SO_ERROR);
    if (!err) return fail(err.error());
    if (*err == 0) return std::optional<std::error_code>{};
    return std::optional<std::error_code>{std::error_code(*err, std::system_category())};
}

Result<void> shutdown(int fd, int how) noexcept {
    return check_void(::shutdown(fd, how));
}

Result<std::size_t> recv(int fd, std::span<std::byte> buf, int flags) noexcept {
    return retry_io([&] { return sys_recv(fd, buf.data(), buf.size(), flags); });
}

Result<std::size_t> send(int fd, std::span<const std::byte> buf, int flags) noexcept {
    return retry_io([&] { return sys_send(fd, buf.data(), buf.size(), flags | MSG_NOSIGNAL); });
}

Result<std::size_t> recv_from(int fd, std::span<std::byte> buf, int flags, RawAddr& from) noexcept {
    return retry_io([&] {
        from.len = sizeof from.storage;
        return ::recvfrom(fd, buf.data(), buf.size(), flags, from.get(), &from.len);
    });
}

Result<std::size_t> send_to(int fd, std::span<const std::byte> buf, const sockaddr* to,
                            socklen_t len) noexcept {
    return retry_io([&] { return ::sendto(fd, buf.data(), buf.size(), MSG_NOSIGNAL, to, len); });
}

Result<std::size_t> read_vectored(int fd, std::span<IoSliceMut> bufs) noexcept {
    const int count = static_cast<int>(std::min<std::size_t>(bufs.size(), IOV_MAX));
    return retry_io(
        [&] { return ::readv(fd, reinterpret_cast<const iovec*>(bufs.data()), count); });
}

Result<std::size_t> write_vectored(int fd, std::span<const IoSlice> bufs) noexcept {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(reinterpret_cast<const iovec*>(bufs.data()));
    msg.msg_iovlen = std::min<std::size_t>(bufs.size(), IOV_MAX);
    return retry_io([&] { return ::sendmsg(fd, &msg, MSG_NOSIGNAL); });
}

Result<std::size_t> read(int fd, std::span<std::byte> buf) noexcept {
    return retry_io([&] { return ::read(fd, buf.data(), buf.size()); });
}

Result<std::size_t> write(int fd, std::span<const std::byte> buf) noexcept {
    return retry_io([&] { return ::write(fd, buf.data(), buf.size()); });
}

Result<void> set_nonblocking(int fd, bool on) noexcept {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return fail(last_os_error());
    const int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (wanted == flags) return {};
    return check_void(::fcntl(fd, F_SETFL, wanted));
}

}  // namespace mio::sys
