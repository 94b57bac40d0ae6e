#pragma once
// TcpSocket: an unconnected TCP socket, to set options before connect() or listen().

#include <chrono>
#include <cstdint>
#include <mio/export.hpp>
#include <optional>

#include <mio/error.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/net/tcp_keepalive.hpp>
#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/unique_fd.hpp>

namespace mio::net {

/// A non-blocking, close-on-exec TCP socket that is neither listening nor connected yet
/// (mio 0.7's `net::TcpSocket` builder). Set options, optionally bind(), then turn it into a
/// TcpListener with listen() or a TcpStream with connect(); both consume it. Destroying it
/// closes the socket. It is not a Source: register the listener or stream it becomes.
///
/// Getters may return more than was set: Linux doubles SO_RCVBUF / SO_SNDBUF.
/// Thread safety: const members are single system calls and may run concurrently.
class MIO_API TcpSocket {
public:
    /// socket(AF_INET, SOCK_STREAM) / socket(AF_INET6, SOCK_STREAM), non-blocking and
    /// close-on-exec. Errors: the OS error (errc::address_family_not_supported without IPv6).
    [[nodiscard]] static Result<TcpSocket> new_v4();
    [[nodiscard]] static Result<TcpSocket> new_v6();
    /// new_v4() or new_v6(), matching the family of `addr`.
    [[nodiscard]] static Result<TcpSocket> new_for_addr(const SocketAddr& addr);

    /// Binds the socket to a local address. Errors: errc::address_in_use and other OS errors.
    [[nodiscard]] Result<void> bind(const SocketAddr& addr) const;
    /// Listens with `backlog` (clamped by the kernel to somaxconn) and becomes a TcpListener.
    /// Errors: the OS error; the socket is closed either way.
    [[nodiscard]] Result<TcpListener> listen(std::uint32_t backlog) &&;
    /// Starts a non-blocking connect and becomes a TcpStream; see TcpStream::connect for how
    /// to learn the outcome. Errors: as TcpStream::connect; the socket is closed either way.
    [[nodiscard]] Result<TcpStream> connect(const SocketAddr& addr) &&;

    /// SO_REUSEADDR. Errors: the OS error.
    [[nodiscard]] Result<void> set_reuseaddr(bool reuse) const;
    [[nodiscard]] Result<bool> reuseaddr() const;
    /// SO_REUSEPORT. Errors: the OS error (errc::no_protocol_option where unsupported).
    [[nodiscard]] Result<void> set_reuseport(bool reuse) const;
    [[nodiscard]] Result<bool> reuseport() const;
    /// SO_LINGER; see TcpStream::set_linger. Errors: the OS error.
    [[nodiscard]] Result<void> set_linger(std::optional<std::chrono::seconds> linger) const;
    [[nodiscard]] Result<std::optional<std::chrono::seconds>> linger() const;
    /// SO_RCVBUF / SO_SNDBUF in bytes; the getter may report more than was set.
    /// Errors: the OS error.
    [[nodiscard]] Result<void> set_recv_buffer_size(std::uint32_t size) const;
    [[nodiscard]] Result<std::uint32_t> recv_buffer_size() const;
    [[nodiscard]] Result<void> set_send_buffer_size(std::uint32_t size) const;
    [[nodiscard]] Result<std::uint32_t> send_buffer_size() const;
    /// SO_KEEPALIVE. Errors: the OS error.
    [[nodiscard]] Result<void> set_keepalive(bool keepalive) const;
    [[nodiscard]] Result<bool> keepalive() const;
    /// Enables SO_KEEPALIVE, then sets each parameter present in `params`.
    /// Errors: the OS error of the first option that fails (errc::invalid_argument for 0).
    [[nodiscard]] Result<void> set_keepalive_params(const TcpKeepalive& params) const;
    /// The current keepalive parameters (the OS defaults unless set). Errors: the OS error.
    [[nodiscard]] Result<std::chrono::seconds> keepalive_time() const;
    [[nodiscard]] Result<std::chrono::seconds> keepalive_interval() const;
    [[nodiscard]] Result<std::uint32_t> keepalive_retries() const;

    /// The bound address; 0.0.0.0:0 (or [::]:0) before bind(). Errors: the OS error.
    [[nodiscard]] Result<SocketAddr> local_addr() const;
    /// The descriptor, still owned by this socket.
    [[nodiscard]] int as_raw_fd() const noexcept { return fd_.get(); }

private:
    explicit TcpSocket(UniqueFd fd) noexcept : fd_(std::move(fd)) {}

    UniqueFd fd_;
};

}  // namespace mio::net
