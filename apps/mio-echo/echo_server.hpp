#pragma once
// EchoServer: mio-echo's handlers on the shared daemon loop (runtime/daemon_loop.hpp), which
// owns the Poll, signals, timers, listeners, admin endpoint, reload and drain. What is left
// here is what only an echo service does:
//   echo_server.cpp     set-up, listeners, admin routes, drain goodbyes, reload
//   echo_streams.cpp    stream connections: echo, discard, chargen and info
//   echo_datagrams.cpp  UDP and Unix datagram requests, with reflection guards

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "echo_config.hpp"
#include "runtime/buffer_pool.hpp"
#include "runtime/daemon_loop.hpp"
#include "runtime/ready_list.hpp"
#include "runtime/slab.hpp"
#include "runtime/source_rate_limiter.hpp"
#include "runtime/stream_pump.hpp"

namespace app {

/// Per [listeners.<name>]: settings and counters shared by its sockets and connections.
/// Never erased while the server runs (a reload retires it), so indices stay valid.
struct EchoListener {
    EchoListenerConfig config;
    ListenerMetrics* metrics = nullptr;
    BufferPool* pool = nullptr;
    std::unique_ptr<SourceRateLimiter> limiter;  ///< datagram listeners: per source IP
    std::uint32_t open = 0;                      ///< open stream connections
    bool retired = false;                        ///< removed by a reload: connections finish
};

/// One stream connection. Kept small: an idle connection holds no buffer.
struct EchoConn {
    Stream stream;
    IoBuffer buf;
    SlabKey key{};  ///< its own slab key (the token), to re-register it
    std::uint32_t listener = 0;
    std::uint32_t last_active = 0;  ///< IdleWheel tick of the last I/O
    std::uint16_t chargen_pos = 0;
    StreamSide side{.can_read = true, .can_write = true};
    bool queued = false;  ///< in ready_ (ReadyList)
};

class EchoServer {
public:
    using Clock = std::chrono::steady_clock;

    /// Binds every listener and the admin endpoint. Throws std::runtime_error naming the
    /// endpoint and the OS reason if a bind fails (the daemon exits 1).
    EchoServer(EchoConfig config, ReloadFn<EchoConfig> reload);
    EchoServer(const EchoServer&) = delete;
    EchoServer& operator=(const EchoServer&) = delete;

    /// Runs until drained or stopped; returns the exit code (0 after a clean shutdown).
    int run();

    // The DaemonServer hooks (runtime/daemon_loop.hpp).
    void on_event(TokenId id, const mio::Event& event);
    void on_timer(TimerPayload) {}  // mio-echo schedules no timers of its own
    std::optional<std::uint32_t> check_idle(std::uint64_t key, std::uint32_t expiry);
    [[nodiscard]] bool has_ready() const noexcept { return !ready_.empty(); }
    void run_ready();
    void on_tick(Clock::time_point now);
    [[nodiscard]] std::optional<Clock::time_point> next_deadline(Clock::time_point now) const;
    void on_drain() {}  // connections finish; on_tick() says goodbye to quiet ones
    void close_all(std::string_view reason);
    [[nodiscard]] std::uint64_t open_count() const noexcept { return conns_.size(); }
    void reload();

private:
    // echo_server.cpp
    void open_listener(const EchoListenerConfig& config);
    BufferPool& pool_for(std::uint64_t buffer_size);
    void open_admin();
    std::string render_connections();
    void apply(EchoConfig next);

    // echo_streams.cpp
    void on_accept(const BindingOwner& owner, StreamListener::Accepted accepted);
    [[nodiscard]] bool admit(const EchoListener& listener) const;
    void start_info(EchoConn& conn);
    Flow pump(EchoConn& conn);
    Flow pump_chargen(EchoConn& conn, PumpTally& tally);
    Flow pump_info(EchoConn& conn, PumpTally& tally);
    void finish(EchoConn& conn, Flow flow);
    [[nodiscard]] PumpEnd end(EchoConn& conn) noexcept;
    void close_conn(SlabKey key, std::string_view reason);

    // echo_datagrams.cpp
    template <class Binding>
    bool serve_datagrams(Binding& binding);
    template <class Binding>
    bool answer(Binding& binding, EchoListener& listener, std::span<const std::byte> request,
                const typename Binding::Addr& peer);
    std::span<const std::byte> build_reply(const EchoListener& listener,
                                           std::span<const std::byte> request,
                                           const std::string& peer);
    std::uint32_t chargen_seed_ = 0x2545f491;
    std::string reply_text_;

    EchoConfig config_;
    ReloadFn<EchoConfig> reload_;
    DaemonLoop loop_;
    std::deque<EchoListener> listeners_;
    std::map<std::uint64_t, std::unique_ptr<BufferPool>> pools_;  ///< by buffer size
    Slab<EchoConn> conns_;
    ReadyList<EchoConn> ready_;
    std::vector<std::byte> scratch_;  ///< datagrams, and input that is dropped
};

}  // namespace app
