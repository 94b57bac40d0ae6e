#pragma once
// TcpListener: a non-blocking TCP socket that accepts connections.

#include <cstdint>
#include <mio/export.hpp>
#include <optional>
#include <system_error>
#include <utility>

#include <mio/detail/io_source_owner.hpp>
#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio {
class Registry;
}

namespace mio::net {

class TcpSocket;

/// A listening TCP socket (mio's `net::TcpListener`). Register it for Interest::readable; on
/// each readable event call accept() until it answers WouldBlock.
///
/// Destroying a registered listener removes it from its Poll and closes the socket.
/// Thread safety: const members may be called from several threads at once (they are single
/// system calls); registration calls need exclusive access.
class MIO_API TcpListener : public detail::IoSourceOwner {
public:
    /// Creates a non-blocking, close-on-exec socket, sets SO_REUSEADDR, binds it to `addr` and
    /// listens with a backlog of 1024. Port 0 lets the kernel choose; read it with local_addr().
    /// Errors: the OS error, e.g. errc::address_in_use, errc::permission_denied,
    /// errc::address_not_available.
    [[nodiscard]] static Result<TcpListener> bind(const SocketAddr& addr);

    /// Adopts an existing listening socket. Its O_NONBLOCK flag is not changed (set it yourself,
    /// as with mio's from_std).
    /// Errors: errc::not_a_socket if `fd` is not a socket, errc::bad_file_descriptor if it is
    /// not open, errc::wrong_protocol_type for a non-stream socket,
    /// errc::address_family_not_supported for a non-IP socket. On error `fd` is closed.
    [[nodiscard]] static Result<TcpListener> from_fd(UniqueFd fd);

    /// Accepts one pending connection: a non-blocking, close-on-exec stream and the peer's
    /// address.
    /// Errors: WouldBlock (is_would_block) when no connection is pending, which re-arms the
    /// registration; otherwise the OS error (e.g. errc::too_many_files_open,
    /// errc::connection_aborted).
    [[nodiscard]] Result<std::pair<TcpStream, SocketAddr>> accept() const;

    /// The address the socket is bound to. Errors: the OS error.
    [[nodiscard]] Result<SocketAddr> local_addr() const;
    /// Sets IP_TTL for outgoing packets. Errors: the OS error (errc::invalid_argument if > 255).
    [[nodiscard]] Result<void> set_ttl(std::uint32_t ttl) const;
    /// Reads IP_TTL. Errors: the OS error.
    [[nodiscard]] Result<std::uint32_t> ttl() const;
    /// Reads and clears the pending socket error (SO_ERROR); std::nullopt if there is none.
    /// Errors: the OS error of getsockopt itself.
    [[nodiscard]] Result<std::optional<std::error_code>> take_error() const;

private:
    friend class TcpSocket;
    explicit TcpListener(UniqueFd fd) noexcept : IoSourceOwner(std::move(fd)) {}
};

}  // namespace mio::net
