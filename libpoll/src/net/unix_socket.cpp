#include "unix_socket.hpp"

#include <sys/socket.h>

#include <utility>

#include "sys/unix/socket.hpp"

namespace mio::net::uds {
namespace {

Result<UnixAddr> to_unix_addr(const Result<sys::RawAddr>& raw) {
    if (!raw) return fail(raw.error());
    return UnixAddr::from_sockaddr(raw->get(), raw->len);
}

}  // namespace

Result<UniqueFd> unix_socket(int type) noexcept {
    return sys::new_socket(AF_UNIX, type);
}

Result<UniqueFd> bound_unix_socket(int type, const UnixAddr& addr) noexcept {
    auto fd = unix_socket(type);
    if (!fd) return fd;
    if (auto r = bind(fd->get(), addr); !r) return fail(r.error());
    return fd;
}

Result<UniqueFd> adopt_unix_socket(UniqueFd fd, int type) noexcept {
    if (auto r = sys::expect_socket(fd.get(), type, AF_UNIX); !r) return fail(r.error());
    return fd;
}

Result<void> bind(int fd, const UnixAddr& addr) noexcept {
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(addr.to_sockaddr(storage));
    return sys::bind(fd, reinterpret_cast<const sockaddr*>(&storage), len);
}

Result<void> connect(int fd, const UnixAddr& addr) noexcept {
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(addr.to_sockaddr(storage));
    return sys::connect(fd, reinterpret_cast<const sockaddr*>(&storage), len);
}

Result<UnixAddr> local_addr(int fd) {
    return to_unix_addr(sys::local_raw_addr(fd));
}

Result<UnixAddr> peer_addr(int fd) {
    return to_unix_addr(sys::peer_raw_addr(fd));
}

Result<std::pair<UniqueFd, UnixAddr>> accept(int fd) {
    sys::RawAddr peer;
    auto conn = sys::accept(fd, peer);
    if (!conn) return fail(conn.error());
    auto addr = to_unix_addr(peer);
    if (!addr) return fail(addr.error());
    return std::pair{std::move(*conn), std::move(*addr)};
}

Result<std::size_t> send_to(int fd, std::span<const std::byte> buf, const UnixAddr& to) noexcept {
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(to.to_sockaddr(storage));
    return sys::send_to(fd, buf, reinterpret_cast<const sockaddr*>(&storage), len);
}

Result<std::pair<std::size_t, UnixAddr>> recv_from(int fd, std::span<std::byte> buf) {
    sys::RawAddr from;
    auto n = sys::recv_from(fd, buf, 0, from);
    if (!n) return fail(n.error());
    auto addr = to_unix_addr(from);
    if (!addr) return fail(addr.error());
    return std::pair{*n, std::move(*addr)};
}

}  // namespace mio::net::uds
