#pragma once
// Stream and StreamListener: a connected TCP or Unix stream socket, and a listener of either,
// as one type each, so that the daemons' connection code is written once for both families.
// The family switch lives in stream.cpp only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/net/unix_listener.hpp>
#include <mio/net/unix_stream.hpp>
#include <mio/registry.hpp>
#include <mio/token.hpp>

#include "config/endpoint.hpp"

namespace app {

/// Where a non-blocking connect stands after an event for it.
struct ConnectOutcome {
    enum class State : std::uint8_t { connected, in_progress, failed };
    State state = State::in_progress;
    std::error_code error;  ///< why it failed (State::failed only)
};

/// A connected (or connecting) non-blocking TCP or Unix stream socket.
/// It is a mio Source: register it with Registry::register_source like any libpoll type.
/// Thread safety: as libpoll's stream types (one event-loop thread in the daemons).
class Stream {
public:
    explicit Stream(mio::net::TcpStream tcp) noexcept : socket_(std::move(tcp)) {}
    explicit Stream(mio::net::UnixStream unix_stream) noexcept : socket_(std::move(unix_stream)) {}

    /// Reads up to buf.size() bytes; 0 is EOF. Errors: WouldBlock (re-arms), the OS error.
    [[nodiscard]] mio::Result<std::size_t> read(std::span<std::byte> buf) const;
    /// Writes some of `buf`. Errors: WouldBlock (re-arms), the OS error (never SIGPIPE).
    [[nodiscard]] mio::Result<std::size_t> write(std::span<const std::byte> buf) const;
    /// Sends our FIN (shutdown of the write half). Errors: the OS error, e.g. not_connected.
    [[nodiscard]] mio::Result<void> shutdown_write() const;
    /// Runs `f(fd)` for a system call libpoll does not wrap (splice); a WouldBlock result
    /// re-arms the registration on backends that emulate edges.
    template <class F>
    auto try_io(F&& f) const {
        return std::visit([&](const auto& s) { return s.try_io(std::forward<F>(f)); }, socket_);
    }

    /// TCP_NODELAY on a TCP stream; a Unix stream has no Nagle delay (success, nothing done).
    [[nodiscard]] mio::Result<void> set_nodelay(bool nodelay) const;
    /// Makes close() send an RST (SO_LINGER 0) on a TCP stream, so that a reset is forwarded as
    /// a reset. A Unix stream has no reset: nothing done. Errors: the OS error.
    [[nodiscard]] mio::Result<void> set_reset_on_close() const;
    /// The peer's address as text ("1.2.3.4:5", "unix:/path", "unix:(unnamed)"), or "unknown".
    [[nodiscard]] std::string peer_text() const;
    /// The local address as text, or "unknown".
    [[nodiscard]] std::string local_text() const;
    /// The local address of a TCP stream (what the peer connected to); nullopt for a Unix
    /// stream or when the OS cannot tell.
    [[nodiscard]] std::optional<mio::net::SocketAddr> local_addr() const;
    /// The peer's IP address ("" for a Unix stream or when unknown), for per-IP limits.
    [[nodiscard]] std::string peer_ip() const;
    [[nodiscard]] bool is_tcp() const noexcept {
        return std::holds_alternative<mio::net::TcpStream>(socket_);
    }

    // The Source concept (call the Registry's verbs instead). Errors: see mio::Registry.
    [[nodiscard]] mio::Result<void> register_with(const mio::Registry& registry, mio::Token token,
                                                  mio::Interest interest);
    [[nodiscard]] mio::Result<void> reregister_with(const mio::Registry& registry, mio::Token token,
                                                    mio::Interest interest);
    [[nodiscard]] mio::Result<void> deregister_from(const mio::Registry& registry);

private:
    friend ConnectOutcome connect_outcome(const Stream& stream);
    std::variant<mio::net::TcpStream, mio::net::UnixStream> socket_;
};

/// Starts a non-blocking connect to `endpoint` (host:port or unix:/path), for tunnels and
/// health checks alike. Register the stream for writable and ask connect_outcome() on each
/// event. Errors: the OS error when the connect fails at once (e.g. no such Unix socket, or a
/// refusal the kernel reports immediately).
[[nodiscard]] mio::Result<Stream> connect_stream(const Endpoint& endpoint);

/// mio's connect protocol, written once: take_error() (a pending error means the connect
/// failed), then peer_addr() (not_connected means still in progress; any other error means it
/// failed; success means connected). Never throws. Thread safety: as Stream.
[[nodiscard]] ConnectOutcome connect_outcome(const Stream& stream);

/// A TCP or Unix stream listener. A mio Source (register for readable, accept until WouldBlock).
class StreamListener {
public:
    /// A connection accepted by accept().
    struct Accepted {
        Stream stream;
        std::string client_ip;                            ///< "" for a Unix client
        std::optional<mio::net::SocketAddr> client_addr;  ///< none for a Unix client
    };

    explicit StreamListener(mio::net::TcpListener tcp) noexcept : socket_(std::move(tcp)) {}
    explicit StreamListener(mio::net::UnixListener unix_listener) noexcept
        : socket_(std::move(unix_listener)) {}

    /// Binds `endpoint`: a TCP listener (SO_REUSEADDR, SO_REUSEPORT if `reuseport`, backlog
    /// 1024) for host:port, a Unix stream listener for unix:/path.
    /// Errors: the OS error of socket/bind/listen (e.g. address_in_use).
    [[nodiscard]] static mio::Result<StreamListener> bind(const Endpoint& endpoint, bool reuseport);

    /// Accepts one pending connection (non-blocking, close-on-exec).
    /// Errors: WouldBlock when none is pending (re-arms); the OS error (e.g. EMFILE).
    [[nodiscard]] mio::Result<Accepted> accept() const;
    /// The bound address as text ("127.0.0.1:40000" after binding port 0), or "unknown".
    [[nodiscard]] std::string local_text() const;

    // The Source concept. Errors: see mio::Registry.
    [[nodiscard]] mio::Result<void> register_with(const mio::Registry& registry, mio::Token token,
                                                  mio::Interest interest);
    [[nodiscard]] mio::Result<void> reregister_with(const mio::Registry& registry, mio::Token token,
                                                    mio::Interest interest);
    [[nodiscard]] mio::Result<void> deregister_from(const mio::Registry& registry);

private:
    std::variant<mio::net::TcpListener, mio::net::UnixListener> socket_;
};

}  // namespace app
