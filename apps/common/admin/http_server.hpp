#pragma once
// AdminServer: the admin and metrics HTTP/1.1 endpoint (health, readiness, Prometheus metrics,
// reload and drain for operators and orchestrators), served by the daemon's own Poll on its
// own thread: no extra threads, no locks.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <mio/error.hpp>
#include <mio/event.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/token.hpp>

#include "admin/http.hpp"

namespace mio {
class Registry;
}

namespace app {

/// Limits of the admin endpoint.
struct AdminOptions {
    std::size_t max_connections = 64;       ///< beyond this, new connections are closed at once
    std::size_t max_head_bytes = 8 * 1024;  ///< request line + headers; beyond: 431 and close
    std::chrono::milliseconds request_timeout{10'000};  ///< whole exchange (slowloris guard)
    std::chrono::milliseconds linger_timeout{2'000};    ///< discarding input after the reply
};

/// A small HTTP/1.1 server on a TCP listener, driven by the daemon's loop:
///
///     auto admin = app::AdminServer::bind(addr).value();
///     admin.set_metrics([&] { return metrics.render(); });
///     admin.register_with(poll.registry(), Token{2}, Token{100});  // tokens 100..163
///     ... for each event: if (admin.owns(ev.token())) admin.handle(ev);
///     ... each loop turn: admin.tick(now); fold admin.next_deadline() into the poll timeout.
///
/// Routes are exact paths with a method. Built in: GET /healthz (200 "ok"), GET /readyz (200,
/// or 503 while set_draining(true)); optional GET /metrics and GET /connections via setters.
/// HEAD is answered for every GET route. Errors: malformed request 400, unknown path 404, known
/// path with another method 405 (with Allow), any request body 413, head over max_head_bytes
/// 431, unsupported HTTP version 505, a throwing handler 500. Every response carries
/// `Connection: close`; the connection is shut down after the response is written.
///
/// The server is movable (its state lives on the heap), also after register_with().
/// Thread safety: none; everything runs on the event-loop thread.
class AdminServer {
public:
    using Clock = std::chrono::steady_clock;
    using Handler = std::function<http::Response(const http::Request&)>;

    /// Binds a listener on `addr` (port 0: the kernel picks; see local_addr()).
    /// Errors: the OS error of bind/listen (e.g. errc::address_in_use); errc::invalid_argument
    /// if options.max_connections is 0.
    [[nodiscard]] static mio::Result<AdminServer> bind(const mio::net::SocketAddr& addr,
                                                       const AdminOptions& options = {});

    AdminServer(AdminServer&&) noexcept;
    AdminServer& operator=(AdminServer&&) noexcept;
    AdminServer(const AdminServer&) = delete;
    AdminServer& operator=(const AdminServer&) = delete;
    /// Closes every connection and the listener (deregistering them).
    ~AdminServer();

    /// The bound address. Errors: the OS error.
    [[nodiscard]] mio::Result<mio::net::SocketAddr> local_addr() const;

    /// Routes `method` `path` (exact match, query ignored) to `handler`, replacing an earlier
    /// route for the same pair. The handler runs on the loop: keep it quick.
    void add_route(std::string method, std::string path, Handler handler);
    /// GET /metrics answering `render()` as Prometheus text (`text/plain; version=0.0.4`).
    void set_metrics(std::function<std::string()> render);
    /// GET /connections answering `render()` as application/json.
    void set_connections(std::function<std::string()> render);
    /// While true, /readyz answers 503 "draining" (set on SIGTERM).
    void set_draining(bool draining) noexcept;
    [[nodiscard]] bool draining() const noexcept;

    /// How many tokens the connections use: [first_conn_token, first_conn_token + this).
    [[nodiscard]] std::size_t conn_token_count() const noexcept;

    /// Registers the listener under `listener_token`; connections will use the
    /// conn_token_count() tokens from `first_conn_token`, which must not overlap anything else.
    /// Errors: the Registry's; errc::invalid_argument if the listener token is in the range.
    [[nodiscard]] mio::Result<void> register_with(const mio::Registry& registry,
                                                  mio::Token listener_token,
                                                  mio::Token first_conn_token);
    /// Closes every connection and deregisters the listener (e.g. when draining ends).
    /// Errors: the Registry's (connections are closed regardless).
    [[nodiscard]] mio::Result<void> deregister();

    /// True if `token` is the listener's or in the connections' range.
    [[nodiscard]] bool owns(mio::Token token) const noexcept;
    /// Handles an event for an owned token: accepts until WouldBlock, or advances a connection.
    /// Events for other or stale tokens are ignored. Never throws (but std::bad_alloc).
    void handle(const mio::Event& event);
    /// Closes connections past their deadline. Call once per loop turn.
    void tick(Clock::time_point now);
    /// The earliest connection deadline, to bound the poll timeout; nullopt if none are open.
    [[nodiscard]] std::optional<Clock::time_point> next_deadline() const noexcept;

    /// Open connections.
    [[nodiscard]] std::size_t connection_count() const noexcept;
    /// Responses sent (queued for writing), and connections refused at the limit.
    [[nodiscard]] std::uint64_t requests_total() const noexcept;
    [[nodiscard]] std::uint64_t rejected_total() const noexcept;

private:
    struct Impl;
    explicit AdminServer(std::unique_ptr<Impl> impl) noexcept;
    std::unique_ptr<Impl> impl_;
};

}  // namespace app
