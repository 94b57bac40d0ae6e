#pragma once
// ProxyServer: mio-proxy's handlers on the shared daemon loop (runtime/daemon_loop.hpp), which
// owns the Poll, signals, timers, listeners, admin endpoint, reload and drain. What is left
// here is what only a proxy does:
//   proxy_server.cpp   set-up, listeners, pools, timers, reload
//   proxy_tunnel.cpp   accept, connect with retries on the next server, close and reset
//   proxy_relay.cpp    both directions of a tunnel (runtime/stream_relay.hpp), half-close
//   proxy_udp.cpp      UDP sessions: lookup, eviction, both directions, expiry, drain
//   proxy_health.cpp   active health checks: the schedule and rise/fall (runtime/stream_probe.hpp)
//   proxy_admin.cpp    /metrics with per-server and UDP families, /upstreams, /connections,
//                      /sessions

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access_log.hpp"
#include "proxy_config.hpp"
#include "runtime/buffer_pool.hpp"
#include "runtime/daemon_loop.hpp"
#include "runtime/listener_reload.hpp"
#include "runtime/per_ip_counts.hpp"
#include "runtime/ready_list.hpp"
#include "runtime/slab.hpp"
#include "runtime/source_rate_limiter.hpp"
#include "runtime/stream_probe.hpp"
#include "runtime/stream_relay.hpp"
#include "session_table.hpp"
#include "udp_reply_batch.hpp"
#include "upstream.hpp"

namespace app {

/// Datagrams received per system call (UdpSocket::recv_batch).
inline constexpr std::size_t kUdpBatch = 16;

/// Why a UDP datagram was dropped (a metric label each).
enum class UdpDrop : std::uint8_t {
    denied,
    rate_limited,
    ip_limit,
    oversize,
    no_server,
    no_socket,
    server_busy,
    client_busy,
    error
};

inline constexpr EnumNames<UdpDrop, 9> kUdpDropNames{{
    {"denied", UdpDrop::denied},              // the listener's allow/deny rules
    {"rate_limited", UdpDrop::rate_limited},  // a new session over rate_limit_per_ip
    {"ip_limit", UdpDrop::ip_limit},          // a new session over max_connections_per_ip
    {"oversize", UdpDrop::oversize},          // above max_datagram
    {"no_server", UdpDrop::no_server},        // no eligible server for a new session
    {"no_socket", UdpDrop::no_socket},        // no descriptor for a new session's socket
    {"server_busy", UdpDrop::server_busy},    // the session socket's send buffer was full
    {"client_busy", UdpDrop::client_busy},    // the listener socket's send buffer was full
    {"error", UdpDrop::error},                // any other send or receive error
}};

/// The UDP side of a listener's metrics (sessions open are ListenerMetrics' connections).
struct UdpMetrics {
    std::uint64_t sessions_evicted = 0;  ///< at max_sessions, least recently used first
    std::uint64_t sessions_expired = 0;  ///< idle_timeout
    std::uint64_t datagrams_in = 0;      ///< from clients
    std::uint64_t datagrams_out = 0;     ///< to clients
    std::array<std::uint64_t, kUdpDropNames.size()> dropped{};
    void drop(UdpDrop why, std::uint64_t n = 1) noexcept {
        dropped[static_cast<std::size_t>(why)] += n;
    }
};

/// Why a connection that had to begin with a PROXY header was closed (a metric label each).
enum class HeaderRefusal : std::uint8_t { untrusted, malformed, timeout };

inline constexpr EnumNames<HeaderRefusal, 3> kHeaderRefusalNames{{
    {"untrusted", HeaderRefusal::untrusted},  // not from trusted_proxies
    {"malformed", HeaderRefusal::malformed},  // not a valid header, or closed before its end
    {"timeout", HeaderRefusal::timeout},      // proxy_protocol_timeout passed first
}};

struct ProxyListener {
    ProxyListenerConfig config;
    ListenerMetrics* metrics = nullptr;
    std::uint32_t upstream = 0;  ///< index into upstreams_
    std::uint32_t open = 0;      ///< tunnels, or UDP sessions
    bool retired = false;
    AccessList access;               ///< from allow/deny
    std::uint64_t denied_total = 0;  ///< connections or datagrams refused by `access`
    SourceRateLimiter rate_limit{0, std::chrono::seconds(1), 4096};  ///< rate_limit_per_ip
    std::uint64_t rate_limited_total = 0;  ///< new connections or sessions over it
    AccessList trusted;                    ///< trusted_proxies (accept_proxy_protocol)
    std::array<std::uint64_t, kHeaderRefusalNames.size()> header_refused{};
    std::optional<SessionTable> sessions;  ///< protocol = udp
    UdpMetrics udp;
};

/// A UDP session: one client of a UDP listener and its socket connected to one server, so
/// replies route back to exactly that client and the kernel filters strangers.
struct UdpSession {
    std::optional<mio::net::UdpSocket> socket;
    mio::net::SocketAddr client;
    std::uint32_t listener = 0;
    std::uint32_t binding = 0;  ///< the listener socket (ListenerSet::udp_binding) to reply from
    std::uint32_t upstream = 0;
    std::uint32_t server = 0;
    std::uint32_t last_active = 0;                      ///< idle-wheel tick
    ProxyProtocol proxy_protocol = ProxyProtocol::off;  ///< v2 before every datagram, or off
    std::chrono::steady_clock::time_point created;
    std::uint32_t requests = 0;   ///< datagrams from the client
    std::uint32_t responses = 0;  ///< datagrams back to it
    std::uint64_t bytes_in = 0;   ///< from the client
    std::uint64_t bytes_out = 0;  ///< to it
    bool queued = false;          ///< in session_ready_ (ReadyList)
    bool ip_counted = false;      ///< in per_ip_ (max_connections_per_ip)
};

/// One socket of a tunnel and its readiness.
struct TunnelEnd {
    std::optional<Stream> stream;  ///< the server's is empty until a connect starts
    StreamSide side;
};

/// A client connection and its upstream connection.
struct Tunnel {
    /// header: waits for the PROXY header of a trusted proxy (accept_proxy_protocol).
    enum class State : std::uint8_t { header, connecting, open };
    TunnelEnd client;
    TunnelEnd server;
    RelayDirection up;    ///< client -> server
    RelayDirection down;  ///< server -> client
    std::uint32_t listener = 0;
    std::uint32_t upstream = 0;
    std::optional<std::uint32_t> server_index;  ///< into the upstream's servers, once picked
    State state = State::connecting;
    std::uint8_t attempts = 0;
    std::array<std::uint16_t, 17> tried{};  ///< servers tried (retries <= 16)
    std::optional<TimerId> timer;           ///< header timeout, connect timeout, then fin timeout
    std::uint32_t last_active = 0;
    std::uint64_t client_key = 0;  ///< hash of the client IP (balance = hash)
    std::string client_ip;         ///< for max_connections_per_ip ("" for Unix clients)
    /// The client (from a PROXY header, if the listener takes one), and the address it
    /// connected to if a header said so (else the client socket's own); none for Unix.
    std::optional<mio::net::SocketAddr> client_addr;
    std::optional<mio::net::SocketAddr> client_dest;
    bool queued = false;   ///< in ready_ (ReadyList)
    bool starved = false;  ///< waits for a pool buffer
    /// Which side's FIN came first (the access log's "closed_by").
    enum class Fin : std::uint8_t { none, client, server };
    Fin first_fin = Fin::none;
    std::chrono::steady_clock::time_point started;    ///< accepted
    std::chrono::steady_clock::time_point connected;  ///< to a server (epoch until then)
    std::uint64_t bytes_in = 0;                       ///< from the client
    std::uint64_t bytes_out = 0;                      ///< to the client
};

/// An active health check of one server.
struct HealthCheck {
    /// The upstream checked; kFree for a slot that a retired upstream's check left.
    static constexpr std::uint32_t kFree = ~std::uint32_t{0};
    std::uint32_t upstream = 0;
    std::uint32_t server = 0;
    StreamProbe probe;
    std::optional<TimerId> timer;  ///< next check, or this check's timeout
};

class ProxyServer {
public:
    using Clock = std::chrono::steady_clock;

    /// Binds every listener and the admin endpoint; throws std::runtime_error naming the
    /// endpoint and the reason if one fails (exit 1).
    ProxyServer(ProxyConfig config, ReloadFn<ProxyConfig> reload);
    ProxyServer(const ProxyServer&) = delete;
    ProxyServer& operator=(const ProxyServer&) = delete;

    /// Runs until drained or stopped; returns the exit code.
    int run();

    // The DaemonServer hooks (runtime/daemon_loop.hpp).
    void on_event(TokenId id, const mio::Event& event);
    void on_timer(TimerPayload payload);
    std::optional<std::uint32_t> check_idle(std::uint64_t token, std::uint32_t expiry);
    [[nodiscard]] bool has_ready() const noexcept {
        return !ready_.empty() || !session_ready_.empty() || admin_pending_;
    }
    void run_ready();
    void on_tick(Clock::time_point now);
    /// The next access-log interval, if lines are due every interval.
    [[nodiscard]] std::optional<Clock::time_point> next_deadline(Clock::time_point) const {
        if (!access_log_ || config_.access_log.interval.count() <= 0) return std::nullopt;
        return next_access_interval_;
    }
    /// Tunnels finish on their own (the loop enforces drain_timeout); UDP sessions end at once,
    /// since the listener sockets their replies would leave from are closed.
    void on_drain();
    void close_all(std::string_view reason);
    [[nodiscard]] std::uint64_t open_count() const noexcept {
        return tunnels_.size() + sessions_.size();
    }
    void reload() { (void)reload_now(); }  // SIGHUP: the outcome is logged either way
    /// Re-reads and applies the configuration, all or nothing for the listeners; nullopt
    /// when the new one runs, else why not (as logged).
    std::optional<std::string> reload_now();

private:
    // proxy_server.cpp
    void open_listener(const ProxyListenerConfig& config);
    std::uint32_t upstream_index(const std::string& name) const;
    /// What rebuild_upstreams() did, so that a refused reload can undo it.
    struct UpstreamChanges {
        std::vector<std::uint32_t> retired;
        std::vector<std::uint32_t> added;  ///< slots built afresh (new, or reused)
    };
    std::uint32_t place_upstream(const UpstreamConfig& config, std::uint64_t seed,
                                 std::span<const std::uint32_t> keep);
    void retire_upstream(std::uint32_t index);
    void apply(ProxyConfig next);
    void open_access_log(const std::string& target);
    void release_if_done(ProxyListener& listener);
    void end_closed_listeners(std::span<const std::uint32_t> closed);
    std::optional<std::string> switch_listeners(const ListenerPlan<ProxyListenerConfig>& plan,
                                                const UpstreamChanges& changes);
    UpstreamChanges rebuild_upstreams(const ProxyConfig& next);
    void revert_upstreams(const UpstreamChanges& changes);
    void keep_pool_sizes(ProxyConfig& next) const;

    // proxy_tunnel.cpp
    bool has_room(const ProxyListener& listener) const;
    std::optional<CloseCause> admit_client(ProxyListener& listener,
                                           const std::optional<mio::net::SocketAddr>& addr,
                                           const std::string& ip);
    void on_accept(const BindingOwner& owner, StreamListener::Accepted accepted);
    std::optional<SlabKey> open_tunnel(ProxyListener& listener, std::uint32_t index,
                                       StreamListener::Accepted& accepted);
    void start_tunnel(SlabKey key, Tunnel& t, std::string client_ip);
    bool send_proxy_header(SlabKey key, Tunnel& t);
    void connect_next(SlabKey key, Tunnel& t);
    bool start_connect(SlabKey key, Tunnel& t, std::uint32_t index);
    void on_connect_event(SlabKey key, Tunnel& t);
    void connect_failed(SlabKey key, Tunnel& t, std::string_view why);
    /// Ends the tunnel (logged to the access log); a reset of one side (client_reset,
    /// server_reset) is forwarded to the other as a reset.
    void close_tunnel(SlabKey key, CloseCause cause, std::string_view detail = {});
    void arm_timer(SlabKey key, Tunnel& t, std::chrono::milliseconds after);
    void on_tunnel_timer(SlabKey key);

    // proxy_header_in.cpp
    void read_proxy_header(SlabKey key, Tunnel& t);
    void accept_proxy_header(SlabKey key, Tunnel& t, const ProxyHeader& header);
    void refuse_header(SlabKey key, Tunnel& t, HeaderRefusal why, std::string_view detail);

    // proxy_relay.cpp
    void advance(SlabKey key, Tunnel& t);
    Flow pump(SlabKey key, Tunnel& t, bool upward);
    bool end_on(SlabKey key, Flow flow, bool upward);

    // proxy_udp.cpp
    bool on_datagrams(UdpBinding& binding);
    void forward(ProxyListener& listener, const UdpBinding& binding, std::span<std::byte> data,
                 const mio::net::SocketAddr& client);
    std::span<const std::byte> with_proxy_header(const UdpSession& s, const UdpBinding& binding,
                                                 std::span<std::byte> data);
    std::optional<SlabKey> open_session(ProxyListener& listener, const UdpBinding& binding,
                                        const mio::net::SocketAddr& client);
    std::optional<mio::net::UdpSocket> connected_socket(ProxyListener& listener,
                                                        const mio::net::SocketAddr& to);
    bool serve_session(SlabKey key, UdpSession& s);
    bool reply(SlabKey key, UdpSession& s, std::span<const std::byte> data);
    /// Sends the replies gathered in replies_ and counts what became of them.
    void flush_replies();
    void session_failed(SlabKey key, UdpSession& s, const std::error_code& ec);
    void close_session(SlabKey key, CloseCause cause);
    void close_sessions_of(std::uint32_t listener);
    std::optional<std::uint32_t> check_session_idle(SlabKey key, std::uint32_t expiry);
    std::string render_sessions();

    // proxy_access.cpp
    void log_tunnel(const Tunnel& t, std::optional<CloseCause> cause);
    void log_session(const UdpSession& s, std::optional<CloseCause> cause);
    void log_refused(const ProxyListener& listener,
                     const std::optional<mio::net::SocketAddr>& client, CloseCause cause);
    void log_open_ones(Clock::time_point now);

    // proxy_health.cpp
    void add_checks(std::uint32_t upstream);
    void stop_checks(std::uint32_t upstream);
    [[nodiscard]] bool checks_idle(std::uint32_t upstream) const;
    void start_check(std::uint32_t index);
    void on_check_event(std::uint32_t index);
    void finish_check(std::uint32_t index, bool ok, std::string_view why);
    void on_check_timer(std::uint32_t index);

    // proxy_admin.cpp
    void open_admin();
    std::string render_metrics();
    std::string render_upstreams();
    std::string render_connections();
    void render_listener_metrics(std::string& out) const;

    ProxyConfig config_;
    ReloadFn<ProxyConfig> reload_;
    DaemonLoop loop_;
    std::deque<ProxyListener> listeners_;
    std::deque<Upstream> upstreams_;
    std::uint64_t seed_ = 0x9e3779b97f4a7c15ull;  ///< each new upstream's balancer seed
    std::vector<HealthCheck> checks_;
    // The pools come before the tunnels that hold their buffers and pipes.
    std::unique_ptr<BufferPool> pool_;
    std::unique_ptr<PipePool> pipes_;
    std::unique_ptr<StreamRelay> relay_;
    Slab<Tunnel> tunnels_;
    ReadyList<Tunnel> ready_;
    Slab<UdpSession> sessions_;
    ReadyList<UdpSession> session_ready_;
    bool admin_pending_ = false;  ///< re-open the admin endpoint after this turn's events
    /// One batch of datagrams, any socket: each slot's buffer (max payload + 1, to tell an
    /// oversized one) follows kMaxProxyHeader bytes of room for a PROXY header, in
    /// udp_arena_ (not zeroed: only the pages that datagrams touch are resident).
    std::unique_ptr<std::byte[]> udp_arena_;
    std::array<mio::net::DatagramSlot, kUdpBatch> udp_slots_{};
    /// This turn's replies to UDP clients, sent at the end of the turn (or sooner: see
    /// UdpReplyBatch).
    UdpReplyBatch replies_;
    /// The local address of each UDP binding (by index), learnt once, for PROXY headers.
    std::vector<std::optional<mio::net::SocketAddr>> udp_local_;
    std::vector<SlabKey> starved_;
    PerIpCounts per_ip_;
    bool access_log_ = false;                 ///< [access_log] target is not "off"
    Clock::time_point next_access_interval_;  ///< when open ones are logged next
};

/// The token of a tunnel's client (upward: its server) socket.
[[nodiscard]] inline mio::Token tunnel_token(SlabKey key, bool server_side) noexcept {
    return token_of(server_side ? TokenKind::connection_upstream : TokenKind::connection,
                    key.value);
}

}  // namespace app
