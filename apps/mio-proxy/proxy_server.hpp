#pragma once
// ProxyServer: mio-proxy's event loop. One thread, one Poll, edge-triggered throughout.
//
// Token layout:
//   0                      the signal self-pipe
//   1                      the admin listener; admin connections from kAdminConnBase
//   kSocketBase + i        listening socket i
//   kCheckBase + i         active health check i (one per server of a checked upstream)
//   key | side << 63       a tunnel's client (side 0) or server (side 1) socket; key is the
//                          tunnel's slab key (generation in bits 32..62, never below 2^32), so
//                          a stale token never reaches a reused slot
//
// Files: proxy_server.cpp (setup, loop, signals, drain, timers), proxy_tunnel.cpp (accept,
// connect with retries, events, close and reset), proxy_relay.cpp (buffered relay, half-close),
// proxy_splice.cpp (splice(2) relay), pipe_pool.cpp (splice pipes),
// proxy_health.cpp (active checks), proxy_admin.cpp (/metrics, /upstreams, /connections),
// proxy_reload.cpp (SIGHUP: apply).

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <mio/events.hpp>
#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/net/unix_listener.hpp>
#include <mio/net/unix_stream.hpp>
#include <mio/poll.hpp>
#include <mio/unique_fd.hpp>

#include "admin/http_server.hpp"
#include "cli/daemon.hpp"
#include "pipe_pool.hpp"
#include "proxy_config.hpp"
#include "runtime/buffer_pool.hpp"
#include "runtime/daemon_support.hpp"
#include "runtime/idle_wheel.hpp"
#include "runtime/metrics.hpp"
#include "runtime/signals.hpp"
#include "runtime/slab.hpp"
#include "runtime/timers.hpp"
#include "upstream.hpp"

namespace app {

using ProxyListenSocket = std::variant<mio::net::TcpListener, mio::net::UnixListener>;
using ProxyStream = std::variant<mio::net::TcpStream, mio::net::UnixStream>;

struct ProxyListener {
    ProxyListenerConfig config;
    ListenerMetrics* metrics = nullptr;
    std::uint32_t upstream = 0;  ///< index into upstreams_
    std::uint32_t open = 0;
    bool retired = false;
};

struct ProxySocket {
    std::optional<ProxyListenSocket> socket;  ///< empty once closed (drain, reload)
    std::uint32_t listener = 0;
    std::string endpoint;
    std::string unix_path;
    bool paused = false;  ///< out of descriptors or memory: retried when something frees up
    bool ready = false;   ///< in ready_sockets_
};

/// One side of a tunnel.
struct Side {
    std::optional<ProxyStream> stream;
    bool can_read = false;     ///< no WouldBlock on read since the last readable event
    bool can_write = false;    ///< no WouldBlock on write since the last writable event
    bool eof = false;          ///< read returned 0: its peer sent FIN
    bool fin_hint = false;     ///< an event said read_closed: read until 0, not just a short read
    bool watch_write = false;  ///< writable interest registered (only once a write filled it up)
    bool shut = false;         ///< we shut its write side (forwarded the other side's FIN)
};

/// One direction of a tunnel: a buffer, or a pipe while it splices.
struct Direction {
    IoBuffer buf;
    PipeHandle pipe;  ///< from pipes_, while splicing
    /// Splice this direction once its buffer is empty: splice = always, or splice = auto and
    /// a read filled the whole buffer. Cleared (auto) when a splice finds little data.
    bool bulk = false;
};

/// A client connection and its upstream connection.
struct Tunnel {
    enum class State : std::uint8_t { connecting, open };
    Side client;
    Side server;
    Direction up;    ///< client -> server
    Direction down;  ///< server -> client
    std::uint32_t listener = 0;
    std::uint32_t upstream = 0;
    std::optional<std::uint32_t> server_index;  ///< into the upstream's servers, once picked
    State state = State::connecting;
    std::uint8_t attempts = 0;
    std::array<std::uint16_t, 17> tried{};  ///< servers tried (retries <= 16)
    std::optional<TimerId> timer;           ///< connect timeout, then fin timeout
    std::uint32_t last_active = 0;
    std::uint64_t client_key = 0;  ///< hash of the client IP (balance = hash)
    std::string client_ip;         ///< for max_connections_per_ip ("" for Unix clients)
    bool queued = false;
    bool starved = false;  ///< waits for a pool buffer
};

/// An active health check of one server.
struct HealthCheck {
    std::uint32_t upstream = 0;
    std::uint32_t server = 0;
    std::optional<ProxyStream> stream;
    std::optional<TimerId> timer;  ///< next check, or this check's timeout
    std::string reply;
    std::size_t sent = 0;
    bool connected = false;
};

class ProxyServer {
public:
    static constexpr mio::Token kSignalToken{0};
    static constexpr mio::Token kAdminToken{1};
    static constexpr std::size_t kAdminConnBase = 1 << 10;
    static constexpr std::size_t kSocketBase = 1 << 20;
    static constexpr std::size_t kCheckBase = 1 << 24;
    static constexpr std::uint64_t kServerSide = std::uint64_t{1} << 63;

    /// Binds every listener and the admin endpoint; throws std::runtime_error naming the
    /// endpoint and the reason if one fails (exit 1).
    ProxyServer(ProxyConfig config, ReloadFn<ProxyConfig> reload);
    ~ProxyServer();
    ProxyServer(const ProxyServer&) = delete;
    ProxyServer& operator=(const ProxyServer&) = delete;

    // The hooks of run_event_loop() (runtime/daemon_support.hpp).
    [[nodiscard]] std::optional<std::chrono::nanoseconds> poll_timeout(
        std::chrono::steady_clock::time_point now);
    void begin_turn(std::chrono::steady_clock::time_point now);
    void dispatch(const mio::Event& event);
    void run_ready();
    void fire_timers(std::chrono::steady_clock::time_point now);
    [[nodiscard]] std::uint64_t open_count() const noexcept { return open_total_; }

    /// Runs until drained or stopped; returns the exit code.
    int run();

private:
    using Clock = std::chrono::steady_clock;
    /// What a relay step left: nothing to do until an event, more to do (queue the tunnel),
    /// a reset on either side, or (from relay() only) a switch to splicing.
    enum class Flow { idle, more, reset_from, reset_to, to_splice };

    // proxy_server.cpp
    void open_listener(const ProxyListenerConfig& config);
    std::uint32_t upstream_index(const std::string& name) const;
    void begin_drain(std::string_view why);
    void close_socket(ProxySocket& socket);
    void resume_accepting();

    // proxy_tunnel.cpp
    void accept_all(std::uint32_t socket_index);
    bool admit(ProxyListener& listener, const std::string& ip);
    void start_tunnel(ProxyStream client, std::uint32_t listener, std::string ip);
    void connect_next(SlabKey key, Tunnel& t);
    void on_tunnel_event(const mio::Event& event);
    void on_connect_event(SlabKey key, Tunnel& t);
    void connect_failed(SlabKey key, Tunnel& t, std::string_view why);
    void advance(SlabKey key, Tunnel& t);
    Flow pump(SlabKey key, Tunnel& t, Side& from, Side& to, Direction& dir, bool upward);
    Flow relay(SlabKey key, Tunnel& t, Side& from, Side& to, Direction& dir, bool upward);
    void watch_writes(SlabKey key, Side& side, bool server_side);
    void close_tunnel(SlabKey key, std::string_view reason, bool reset_client = false,
                      bool reset_server = false);
    void queue(SlabKey key, Tunnel& t);
    void arm_timer(SlabKey key, Tunnel& t, std::chrono::milliseconds after);
    void on_tunnel_timer(SlabKey key);
    std::optional<std::uint32_t> check_idle(std::uint64_t key, std::uint32_t expiry);

    // proxy_splice.cpp
    Flow relay_splice(SlabKey key, Tunnel& t, Side& from, Side& to, Direction& dir, bool upward);
    /// The configured splice mode, or off once the kernel has refused splice(2).
    [[nodiscard]] SpliceMode splice_mode() const noexcept;

    // proxy_health.cpp
    void setup_checks();
    void start_check(std::uint32_t index);
    void on_check_event(std::uint32_t index, const mio::Event& event);
    void finish_check(std::uint32_t index, bool ok, std::string_view why);
    void on_check_timer(std::uint32_t index);

    // proxy_admin.cpp
    void open_admin();
    std::string render_metrics();
    std::string render_upstreams();
    std::string render_connections();

    // proxy_reload.cpp
    void apply(ProxyConfig next);

    ProxyConfig config_;
    ReloadFn<ProxyConfig> reload_;
    mio::Poll poll_;
    mio::Events events_{1024};
    SignalSource signals_;
    MetricsRegistry metrics_{"mio_proxy"};
    std::deque<ProxyListener> listeners_;
    std::deque<Upstream> upstreams_;
    std::vector<ProxySocket> sockets_;
    std::vector<HealthCheck> checks_;
    // The pools come before the tunnels that hold their buffers and pipes.
    std::unique_ptr<BufferPool> pool_;
    std::unique_ptr<PipePool> pipes_;
    Slab<Tunnel> tunnels_;
    std::vector<SlabKey> ready_;
    std::vector<SlabKey> ready_swap_;
    std::vector<std::uint32_t> ready_sockets_;
    std::vector<SlabKey> starved_;
    std::unordered_map<std::string, std::uint32_t> per_ip_;
    TimerQueue timers_;
    IdleWheel idle_;
    std::optional<AdminServer> admin_;
    std::uint64_t open_total_ = 0;
    std::uint64_t spliced_bytes_ = 0;  ///< bytes delivered from pipes (both directions)
    bool splice_unsupported_ = false;  ///< splice(2) answered EINVAL/ENOSYS/EOPNOTSUPP
    std::uint32_t now_tick_ = 0;
    Lifecycle lifecycle_;
    std::optional<Clock::time_point> accept_retry_at_;
};

/// The token of a tunnel's client (server_side false) or server socket.
[[nodiscard]] inline mio::Token tunnel_token(SlabKey key, bool server_side) noexcept {
    return mio::Token{key.value | (server_side ? ProxyServer::kServerSide : 0)};
}

/// Starts a non-blocking connect to a server (host:port or unix:/path), for tunnels and
/// health checks. Errors: the OS's, when the connect fails at once (e.g. no such Unix socket).
[[nodiscard]] mio::Result<ProxyStream> connect_stream(const Endpoint& endpoint);

/// Forwards a FIN: shuts the write side of `side`'s socket and marks it shut.
void shut_write(Side& side);

/// The `serve` callback of mio-proxy's DaemonSpec.
int serve_proxy(ProxyConfig config, const CliOptions& options, ReloadFn<ProxyConfig> reload);

}  // namespace app
