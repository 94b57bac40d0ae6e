#pragma once
// UnixDatagram: a non-blocking Unix domain datagram socket.

#include <cstddef>
#include <mio/export.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include <mio/detail/io_source_owner.hpp>
#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/net/shutdown.hpp>
#include <mio/net/unix_addr.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio {
class Registry;

namespace net {

/// A non-blocking AF_UNIX SOCK_DGRAM socket (mio's `net::UnixDatagram`). Its descriptor is
/// non-blocking and close-on-exec from birth; every send/recv goes through the registration's
/// re-arm path, so after an event keep calling it until it returns WouldBlock. Sends use
/// MSG_NOSIGNAL. A datagram larger than the receive buffer is silently truncated (the OS's
/// rule), so size buffers for the largest expected message.
///
/// Thread safety: the I/O calls are const and may run concurrently; registration calls must
/// not race with each other.
class MIO_API UnixDatagram : public detail::IoSourceOwner {
public:
    /// A socket bound to the file `path`.
    /// Errors: those of UnixAddr::from_pathname (Errc::path_too_long, invalid_argument);
    /// errc::address_in_use if `path` exists; other OS bind errors.
    [[nodiscard]] static Result<UnixDatagram> bind(std::string_view path);
    /// A socket bound to `addr` (pathname or abstract). Errors: the OS's bind error.
    [[nodiscard]] static Result<UnixDatagram> bind_addr(const UnixAddr& addr);
    /// An unbound socket (its local address is unnamed). Errors: the OS error.
    [[nodiscard]] static Result<UnixDatagram> unbound();
    /// Two unnamed sockets connected to each other (socketpair). Errors: the OS error.
    [[nodiscard]] static Result<std::pair<UnixDatagram, UnixDatagram>> pair();
    /// Adopts `fd`, which must be an AF_UNIX SOCK_DGRAM socket; its flags are not changed.
    /// Errors (`fd` is closed): errc::not_a_socket, errc::address_family_not_supported,
    /// errc::wrong_protocol_type, errc::bad_file_descriptor.
    [[nodiscard]] static Result<UnixDatagram> from_fd(UniqueFd fd);

    UnixDatagram(UnixDatagram&&) noexcept = default;
    UnixDatagram& operator=(UnixDatagram&&) noexcept = default;
    ~UnixDatagram() = default;

    /// Sets the default destination for send() and filters recv() to that peer.
    /// Errors: those of UnixAddr::from_pathname; ENOENT, ECONNREFUSED and other OS errors.
    [[nodiscard]] Result<void> connect(std::string_view path) const;
    /// connect() to any UnixAddr. Errors: the OS's connect error.
    [[nodiscard]] Result<void> connect_addr(const UnixAddr& addr) const;

    /// Sends one datagram to the socket bound at `path`; returns the bytes sent.
    /// Errors: those of UnixAddr::from_pathname; WouldBlock when the receiver's queue is
    /// full; ENOENT/ECONNREFUSED if nothing is bound there; errc::broken_pipe after
    /// shutdown(write).
    [[nodiscard]] Result<std::size_t> send_to(std::span<const std::byte> buf,
                                              std::string_view path) const;
    [[nodiscard]] Result<std::size_t> send_to(std::string_view data, std::string_view path) const;
    /// Sends one datagram to `addr`. Errors: as send_to().
    [[nodiscard]] Result<std::size_t> send_to_addr(std::span<const std::byte> buf,
                                                   const UnixAddr& addr) const;
    [[nodiscard]] Result<std::size_t> send_to_addr(std::string_view data,
                                                   const UnixAddr& addr) const;
    /// Receives one datagram and its sender's address (unnamed if the sender is not bound).
    /// Errors: WouldBlock when none is queued; other OS errors.
    [[nodiscard]] Result<std::pair<std::size_t, UnixAddr>> recv_from(
        std::span<std::byte> buf) const;
    [[nodiscard]] Result<std::pair<std::size_t, UnixAddr>> recv_from(std::span<char> buf) const;

    /// Sends one datagram to the connected peer.
    /// Errors: errc::not_connected (ENOTCONN) if not connected; WouldBlock when the peer's
    /// queue is full; errc::broken_pipe after shutdown(write); ECONNREFUSED if the peer is
    /// gone.
    [[nodiscard]] Result<std::size_t> send(std::span<const std::byte> buf) const;
    [[nodiscard]] Result<std::size_t> send(std::string_view data) const;
    /// Receives one datagram. Errors: WouldBlock when none is queued; other OS errors.
    [[nodiscard]] Result<std::size_t> recv(std::span<std::byte> buf) const;
    [[nodiscard]] Result<std::size_t> recv(std::span<char> buf) const;

    /// Shuts down one or both directions (see Shutdown). Errors: the OS error.
    [[nodiscard]] Result<void> shutdown(Shutdown how) const;
    /// This socket's address (unnamed unless bound). Errors: the OS error.
    [[nodiscard]] Result<UnixAddr> local_addr() const;
    /// The connected peer's address. Errors: errc::not_connected.
    [[nodiscard]] Result<UnixAddr> peer_addr() const;
    /// Reads and clears the pending socket error (SO_ERROR): std::nullopt if none.
    [[nodiscard]] Result<std::optional<std::error_code>> take_error() const;

private:
    explicit UnixDatagram(UniqueFd fd) noexcept : IoSourceOwner(std::move(fd)) {}
};

}  // namespace net
}  // namespace mio
