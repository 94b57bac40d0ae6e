#pragma once
// EchoServer: mio-echo's event loop. One thread, one Poll, edge-triggered throughout.
//
// Token layout (every token names its owner; nothing is looked up by fd):
//   0                    the signal self-pipe
//   1                    the admin listener; admin connections from kAdminConnBase
//   kSocketBase + i      bound socket i (listeners and datagram sockets), i < 2^16
//   kConnBase + key      a stream connection (slab key: index + generation, so a token left
//                        over from a closed connection can never reach the slot's next owner)
//
// The implementation is split by concern: echo_server.cpp (setup, loop, signals, drain,
// reload), echo_streams.cpp (accept and the stream connection state machine),
// echo_datagrams.cpp (UDP and Unix datagram service), echo_admin.cpp (admin endpoint).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <mio/events.hpp>
#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/net/udp_socket.hpp>
#include <mio/net/unix_datagram.hpp>
#include <mio/net/unix_listener.hpp>
#include <mio/net/unix_stream.hpp>
#include <mio/poll.hpp>

#include "admin/http_server.hpp"
#include "cli/daemon.hpp"
#include "echo_config.hpp"
#include "rate_limiter.hpp"
#include "runtime/buffer_pool.hpp"
#include "runtime/daemon_support.hpp"
#include "runtime/idle_wheel.hpp"
#include "runtime/metrics.hpp"
#include "runtime/signals.hpp"
#include "runtime/slab.hpp"

namespace app {

/// Per [listeners.<name>]: settings and counters shared by its sockets and connections.
/// Never erased while the server runs (a reload retires it), so indices stay valid.
struct ListenerState {
    EchoListenerConfig config;
    ListenerMetrics* metrics = nullptr;
    BufferPool* pool = nullptr;
    std::uint32_t open = 0;  ///< open connections (stream) or tracked peers (datagram)
    bool retired = false;    ///< removed by a reload: no sockets, connections finish
};

using ListenSocket = std::variant<mio::net::TcpListener, mio::net::UnixListener,
                                  mio::net::UdpSocket, mio::net::UnixDatagram>;
using StreamSocket = std::variant<mio::net::TcpStream, mio::net::UnixStream>;

/// A bound socket: a stream listener or a datagram socket.
struct BoundSocket {
    std::optional<ListenSocket> socket;  ///< empty once closed by a drain or a reload
    std::uint32_t listener;              ///< index into listeners_
    std::string endpoint;                ///< as configured, for logs
    std::string unix_path;               ///< to unlink on close ("" if not a Unix path)
    bool accept_paused = false;          ///< out of descriptors or at a limit: retry later
    bool ready = false;                  ///< more to do without a new edge (in ready_sockets_)
    // Datagram only: a reply that met WouldBlock waits here, and reading stops until it goes.
    std::vector<std::byte> pending;
    std::variant<mio::net::SocketAddr, mio::net::UnixAddr> pending_to;
    bool has_pending = false;
    std::unique_ptr<RateLimiter> limiter;
};

/// One stream connection. Kept small: an idle connection holds no buffer.
struct Conn {
    StreamSocket stream;
    IoBuffer buf;
    SlabKey key{};  ///< its own slab key (the token), to re-register it
    std::uint32_t listener = 0;
    std::uint32_t last_active = 0;  ///< IdleWheel tick of the last I/O
    std::uint16_t chargen_pos = 0;
    bool can_read = true;      ///< no WouldBlock on read since the last readable event
    bool can_write = true;     ///< no WouldBlock on write since the last writable event
    bool peer_closed = false;  ///< read returned 0
    bool fin_hint = false;     ///< an event said read_closed: read until 0, not to a short read
    bool watch_write = false;  ///< writable interest registered (only once a write filled it up)
    bool write_shut = false;   ///< we sent our FIN
    bool queued = false;       ///< in ready_conns_
};

class EchoServer {
public:
    static constexpr mio::Token kSignalToken{0};
    static constexpr mio::Token kAdminToken{1};
    static constexpr std::size_t kAdminConnBase = 1 << 10;
    static constexpr std::size_t kSocketBase = 1 << 20;
    static constexpr std::size_t kConnBase = std::size_t{1} << 32;

    /// Binds every listener and the admin endpoint. Throws std::runtime_error naming the
    /// endpoint and the OS reason if a bind fails (the daemon exits 1).
    EchoServer(EchoConfig config, ReloadFn<EchoConfig> reload);
    ~EchoServer();
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    // The hooks of run_event_loop() (runtime/daemon_support.hpp).
    [[nodiscard]] std::optional<std::chrono::nanoseconds> poll_timeout(
        std::chrono::steady_clock::time_point now) const;
    void begin_turn(std::chrono::steady_clock::time_point now);
    void dispatch(const mio::Event& event);
    void run_ready();
    void fire_timers(std::chrono::steady_clock::time_point now);
    [[nodiscard]] std::uint64_t open_count() const noexcept { return open_total_; }

    /// Runs until drained or stopped; returns the exit code (0 after a clean shutdown).
    int run();

private:
    using Clock = std::chrono::steady_clock;
    enum class Pump { idle, more, close };

    // echo_server.cpp
    void open_listener(const EchoListenerConfig& config);
    BufferPool& pool_for(std::uint64_t buffer_size);
    void begin_drain(std::string_view why);
    void say_goodbye_to_quiet();
    void close_socket(BoundSocket& socket);
    void apply(EchoConfig next);

    // echo_streams.cpp
    void accept_all(std::uint32_t socket_index);
    bool admit(ListenerState& state);
    void add_conn(StreamSocket stream, std::uint32_t listener);
    void on_conn_event(const mio::Event& event);
    Pump pump(Conn& conn);
    Pump pump_echo(Conn& conn, ListenerState& state);
    Pump pump_discard(Conn& conn, ListenerState& state);
    Pump pump_chargen(Conn& conn, ListenerState& state);
    Pump pump_info(Conn& conn, ListenerState& state);
    Pump discard_input(Conn& conn, ListenerState& state);
    mio::Result<std::size_t> read_into(Conn& conn, std::span<std::byte> buf);
    mio::Result<std::size_t> write_from(Conn& conn, std::span<const std::byte> buf);
    void queue(SlabKey key, Conn& conn);
    void watch_writes(Conn& conn);
    void start_info(Conn& conn, SlabKey key);
    void close_conn(SlabKey key, std::string_view reason);
    void resume_accepting();
    std::optional<std::uint32_t> check_idle(std::uint64_t key, std::uint32_t expiry);

    // echo_datagrams.cpp
    void serve_datagrams(std::uint32_t socket_index);
    using DatagramPeer = std::variant<mio::net::SocketAddr, mio::net::UnixAddr>;
    bool flush_pending(BoundSocket& socket, ListenerState& state);
    bool answer(BoundSocket& socket, ListenerState& state, std::span<const std::byte> request,
                const DatagramPeer& peer);
    mio::Result<std::size_t> send_reply(BoundSocket& socket, std::span<const std::byte> reply,
                                        const DatagramPeer& peer);
    std::span<const std::byte> build_reply(ListenerState& state, std::span<const std::byte> request,
                                           const DatagramPeer& peer);
    std::uint32_t chargen_seed_ = 0x2545f491;
    std::string reply_text_;

    // echo_admin.cpp
    void open_admin();
    std::string render_connections();

    EchoConfig config_;
    ReloadFn<EchoConfig> reload_;
    mio::Poll poll_;
    mio::Events events_{1024};
    SignalSource signals_;
    MetricsRegistry metrics_{"mio_echo"};
    std::deque<ListenerState> listeners_;
    std::map<std::uint64_t, std::unique_ptr<BufferPool>> pools_;  ///< by buffer size
    std::vector<BoundSocket> sockets_;
    Slab<Conn> conns_{kConnBase};
    std::vector<SlabKey> ready_conns_;
    std::vector<SlabKey> ready_swap_;
    std::vector<std::uint32_t> ready_sockets_;
    IdleWheel idle_;
    std::optional<AdminServer> admin_;
    std::vector<std::byte> datagram_buf_;
    std::uint64_t open_total_ = 0;  ///< open stream connections, all listeners
    std::uint32_t now_tick_ = 0;    ///< IdleWheel tick of the current loop turn
    Lifecycle lifecycle_;
    Clock::time_point accept_retry_at_{};
    bool accept_retry_armed_ = false;
};

/// The `serve` callback of mio-echo's DaemonSpec: sets up logging from the config, runs an
/// EchoServer, returns its exit code (1 if start-up fails, with the reason logged).
int serve_echo(EchoConfig config, const CliOptions& options, ReloadFn<EchoConfig> reload);

}  // namespace app
