#pragma once
// TcpStream: a non-blocking TCP connection.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mio/export.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include <mio/detail/io_source_owner.hpp>
#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/io_slice.hpp>
#include <mio/net/shutdown.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio {
class Registry;
}

namespace mio::net {

class TcpListener;
class TcpSocket;

/// A non-blocking TCP stream (mio's `net::TcpStream`), from connect(), TcpListener::accept()
/// or from_fd().
///
/// All I/O is non-blocking and goes through the edge re-arming of the Poll it is registered
/// with: after an event, read (or write) until the call answers WouldBlock. read() returning 0
/// means the peer closed its write half (EOF). Writes use MSG_NOSIGNAL: a closed peer gives
/// errc::broken_pipe or errc::connection_reset, never SIGPIPE.
///
/// Thread safety: the I/O and option members are const and may be called from several threads
/// at once (like mio's `&TcpStream` impls); interleaving of concurrent writes is unspecified.
/// Registration calls need exclusive access.
class MIO_API TcpStream : public detail::IoSourceOwner {
public:
    /// Starts a non-blocking connect to `addr` and returns at once, usually before the handshake
    /// is done. To learn the outcome (mio's protocol): register with at least
    /// Interest::writable; on the event call take_error(): an error means the connect failed
    /// (e.g. errc::connection_refused); otherwise call peer_addr(): errc::not_connected means
    /// "still connecting, wait for the next event", success means connected.
    /// Errors: the OS error of socket(2)/connect(2) other than EINPROGRESS, e.g.
    /// errc::connection_refused (may be immediate on loopback), errc::network_unreachable, or
    /// WouldBlock when the kernel is out of local ports.
    [[nodiscard]] static Result<TcpStream> connect(const SocketAddr& addr);

    /// Adopts an existing connected (or connecting) TCP socket. O_NONBLOCK is left as it is.
    /// Errors: errc::not_a_socket, errc::bad_file_descriptor, errc::wrong_protocol_type (e.g. a
    /// UDP socket), errc::address_family_not_supported (e.g. AF_UNIX). On error `fd` is closed.
    [[nodiscard]] static Result<TcpStream> from_fd(UniqueFd fd);

    /// Reads up to buf.size() bytes; 0 means EOF (or an empty buffer).
    /// Errors: WouldBlock when nothing is buffered (re-arms); errc::connection_reset after an RST;
    /// other OS errors.
    [[nodiscard]] Result<std::size_t> read(std::span<std::byte> buf) const;
    [[nodiscard]] Result<std::size_t> read(std::span<char> buf) const;
    /// Writes some of `buf`; returns how much (possibly less than buf.size()).
    /// Errors: WouldBlock when the send buffer is full (re-arms); errc::broken_pipe after the
    /// write half was shut down or the peer closed; errc::connection_reset; errc::not_connected
    /// while still connecting.
    [[nodiscard]] Result<std::size_t> write(std::span<const std::byte> buf) const;
    [[nodiscard]] Result<std::size_t> write(std::string_view buf) const;
    /// Scatter read into several buffers (readv), filling them in order. Errors: as read().
    [[nodiscard]] Result<std::size_t> read_vectored(std::span<IoSliceMut> bufs) const;
    /// Gather write from several buffers (sendmsg with MSG_NOSIGNAL). Errors: as write().
    [[nodiscard]] Result<std::size_t> write_vectored(std::span<const IoSlice> bufs) const;
    /// Copies buffered bytes without consuming them (MSG_PEEK). Errors: as read(); a WouldBlock
    /// re-arms the readable interest like read() does.
    [[nodiscard]] Result<std::size_t> peek(std::span<std::byte> buf) const;

    /// Shuts down the read half, the write half (sends FIN) or both.
    /// Errors: errc::not_connected if not connected; other OS errors.
    [[nodiscard]] Result<void> shutdown(Shutdown how) const;

    /// TCP_NODELAY (disables Nagle's algorithm). Errors: the OS error.
    [[nodiscard]] Result<void> set_nodelay(bool nodelay) const;
    [[nodiscard]] Result<bool> nodelay() const;
    /// IP_TTL. Errors: the OS error (errc::invalid_argument if > 255).
    [[nodiscard]] Result<void> set_ttl(std::uint32_t ttl) const;
    [[nodiscard]] Result<std::uint32_t> ttl() const;
    /// SO_LINGER: std::nullopt (the default) lets close() return at once and send the rest in
    /// the background; a zero duration makes close() abort the connection with an RST.
    /// Errors: the OS error.
    [[nodiscard]] Result<void> set_linger(std::optional<std::chrono::seconds> linger) const;
    [[nodiscard]] Result<std::optional<std::chrono::seconds>> linger() const;

    /// The remote address. Errors: errc::not_connected while connecting or after a failure.
    [[nodiscard]] Result<SocketAddr> peer_addr() const;
    /// The local address. Errors: the OS error.
    [[nodiscard]] Result<SocketAddr> local_addr() const;
    /// Reads and clears the pending socket error (SO_ERROR), e.g. the reason a connect failed;
    /// std::nullopt if none. Errors: the OS error of getsockopt itself.
    [[nodiscard]] Result<std::optional<std::error_code>> take_error() const;

private:
    friend class TcpListener;
    friend class TcpSocket;
    explicit TcpStream(UniqueFd fd) noexcept : IoSourceOwner(std::move(fd)) {}
};

}  // namespace mio::net
