#pragma once
// Helpers shared by UnixListener, UnixStream and UnixDatagram: AF_UNIX sockets addressed by
// UnixAddr, on top of the errno-free wrappers in sys/unix/socket.hpp. Not public API.

#include <cstddef>
#include <span>
#include <string_view>

#include <mio/error.hpp>
#include <mio/net/unix_addr.hpp>
#include <mio/unique_fd.hpp>

namespace mio::net::uds {

/// socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC).
[[nodiscard]] Result<UniqueFd> unix_socket(int type) noexcept;
/// A new socket of `type` bound to `addr`.
[[nodiscard]] Result<UniqueFd> bound_unix_socket(int type, const UnixAddr& addr) noexcept;
/// `fd` back, if it is an AF_UNIX socket of `type`; otherwise the error (and `fd` is closed):
/// errc::not_a_socket, errc::wrong_protocol_type, errc::address_family_not_supported, EBADF.
[[nodiscard]] Result<UniqueFd> adopt_unix_socket(UniqueFd fd, int type) noexcept;

[[nodiscard]] Result<void> bind(int fd, const UnixAddr& addr) noexcept;
/// Non-blocking connect; EINPROGRESS counts as success, EAGAIN (backlog full) does not.
[[nodiscard]] Result<void> connect(int fd, const UnixAddr& addr) noexcept;

[[nodiscard]] Result<UnixAddr> local_addr(int fd);
[[nodiscard]] Result<UnixAddr> peer_addr(int fd);
/// accept4 (non-blocking, close-on-exec) and the peer's address.
[[nodiscard]] Result<std::pair<UniqueFd, UnixAddr>> accept(int fd);

[[nodiscard]] Result<std::size_t> send_to(int fd, std::span<const std::byte> buf,
                                          const UnixAddr& to) noexcept;
[[nodiscard]] Result<std::pair<std::size_t, UnixAddr>> recv_from(int fd, std::span<std::byte> buf);

/// UnixAddr::from_pathname, for the path-taking conveniences.
[[nodiscard]] inline Result<UnixAddr> path_addr(std::string_view path) {
    return UnixAddr::from_pathname(path);
}

}  // namespace mio::net::uds
