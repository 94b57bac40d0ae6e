#pragma once
// DaemonLoop and serve_daemon(): the event loop and lifecycle both daemons run on. The loop owns
// the Poll, the signal pipe, the timers, the idle wheel, the listener set, the admin endpoint
// and the drain; a daemon supplies only its handlers (the DaemonServer concept below).
//
// The contract of a Server (checked by the concept):
//   void on_event(TokenId, const mio::Event&)    an event for a token of the server's own kinds
//                                                (connection, connection_upstream, check, session)
//   void on_timer(TimerPayload)                  a TimerQueue timer fired
//   std::optional<std::uint32_t> check_idle(std::uint64_t key, std::uint32_t expiry)
//                                                an IdleWheel entry came due (see IdleWheel)
//   bool has_ready() const; void run_ready()     work left over from a spent budget
//   void on_tick(Clock::time_point now)          once per loop turn, after the timers
//   std::optional<Clock::time_point> next_deadline(Clock::time_point now) const
//                                                the server's own next deadline, if any
//   void on_drain()                              a drain began (listeners already closed)
//   void close_all(std::string_view reason)      the drain timed out: close what is left
//   std::uint64_t open_count() const             open connections; 0 ends a drain
//   void reload()                                SIGHUP: re-read and apply the config
//
// One turn of the loop: poll (timeout from every deadline, zero while work is queued), stamp
// the turn's tick, dispatch every event (signals, admin and listeners here, the rest to the
// server), run the ready lists, fire timers, wheel, admin and listener retries. SIGTERM,
// SIGINT and SIGQUIT drain (a second one stops at once), SIGHUP reloads, SIGUSR1 reopens logs.

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include <mio/events.hpp>
#include <mio/poll.hpp>

#include "admin/http_server.hpp"
#include "cli/daemon.hpp"
#include "config/endpoint.hpp"
#include "runtime/daemon_support.hpp"
#include "runtime/idle_wheel.hpp"
#include "runtime/inherited_sockets.hpp"
#include "runtime/listener_set.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics.hpp"
#include "runtime/service_notify.hpp"
#include "runtime/signals.hpp"
#include "runtime/timers.hpp"
#include "runtime/token_space.hpp"

namespace app {

template <class S>
concept DaemonServer = requires(S& s, const S& cs, TokenId id, const mio::Event& event,
                                TimerPayload payload, std::chrono::steady_clock::time_point now) {
    s.on_event(id, event);
    s.on_timer(payload);
    {
        s.check_idle(std::uint64_t{}, std::uint32_t{})
        } -> std::same_as<std::optional<std::uint32_t>>;
    { cs.has_ready() } -> std::same_as<bool>;
    s.run_ready();
    s.on_tick(now);
    { cs.next_deadline(now) } -> std::same_as<std::optional<std::chrono::steady_clock::time_point>>;
    s.on_drain();
    s.close_all(std::string_view{});
    { cs.open_count() } -> std::same_as<std::uint64_t>;
    s.reload();
};

/// The shared state of a daemon's event loop. Thread safety: none; one thread runs it.
class DaemonLoop {
public:
    using Clock = std::chrono::steady_clock;

    /// Creates the Poll and installs the signal handlers. `metrics_prefix` names the metric
    /// families ("mio_echo"); `handlers` serve the listener set. Throws std::runtime_error if the
    /// Poll or the signal pipe cannot be set up.
    DaemonLoop(std::string metrics_prefix, ListenerHandlers handlers);
    DaemonLoop(const DaemonLoop&) = delete;
    DaemonLoop& operator=(const DaemonLoop&) = delete;
    ~DaemonLoop();

    [[nodiscard]] const mio::Registry& registry() const noexcept { return poll_.registry(); }
    [[nodiscard]] MetricsRegistry& metrics() noexcept { return metrics_; }
    [[nodiscard]] ListenerSet& listeners() noexcept { return listeners_; }
    [[nodiscard]] TimerQueue& timers() noexcept { return timers_; }
    [[nodiscard]] IdleWheel& idle() noexcept { return idle_; }
    [[nodiscard]] const Lifecycle& lifecycle() const noexcept { return lifecycle_; }
    [[nodiscard]] bool draining() const noexcept { return lifecycle_.draining(); }
    /// The IdleWheel tick of the current loop turn (one clock reading per turn).
    [[nodiscard]] std::uint32_t now_tick() const noexcept { return now_tick_; }
    /// How long a drain may take before close_all(); set at start and on reload.
    void set_drain_timeout(std::chrono::milliseconds timeout) noexcept { drain_timeout_ = timeout; }

    /// Opens the admin endpoint on `listen` (nothing if absent; closes an open one first);
    /// `setup` adds the daemon's routes (metrics, connections, ...). Throws std::runtime_error
    /// naming the endpoint and the reason if it cannot be bound.
    void open_admin(const std::optional<Endpoint>& listen,
                    const std::function<void(AdminServer&)>& setup);

    /// Runs `server` until a drain has nothing left open, or a second stop signal. Returns the
    /// exit code: 0, or 1 if poll itself failed (logged).
    template <DaemonServer Server>
    int run(Server& server);

private:
    void begin_turn(Clock::time_point now) noexcept { now_tick_ = idle_.tick_of(now); }
    [[nodiscard]] std::optional<std::chrono::nanoseconds> poll_timeout(
        Clock::time_point now, bool work_queued, std::optional<Clock::time_point> server_deadline);
    /// Signals, admin and listener tokens; false if the event is the server's.
    template <DaemonServer Server>
    bool dispatch_shared(Server& server, TokenId id, const mio::Event& event);
    template <DaemonServer Server>
    void fire_timers(Server& server, Clock::time_point now);
    template <DaemonServer Server>
    void begin_drain(Server& server, std::string_view why);

    mio::Poll poll_;
    mio::Events events_{1024};
    SignalSource signals_;
    MetricsRegistry metrics_;
    ListenerSet listeners_;
    TimerQueue timers_;
    IdleWheel idle_;
    std::optional<AdminServer> admin_;
    Lifecycle lifecycle_;
    std::chrono::milliseconds drain_timeout_{10'000};
    std::uint32_t now_tick_ = 0;
};

template <DaemonServer Server>
int DaemonLoop::run(Server& server) {
    InheritedSockets::process().warn_unclaimed();
    notify_ready("serving");  // every listener and the admin endpoint are bound by now
    // Two clock readings per turn: the one after the timers also sets the next poll timeout.
    auto now = Clock::now();
    while (!lifecycle_.stop_requested()) {
        if (lifecycle_.draining() && server.open_count() == 0) break;
        const auto timeout = poll_timeout(now, server.has_ready(), server.next_deadline(now));
        if (auto r = poll_.poll(events_, timeout); !r) {
            now = Clock::now();
            if (mio::is_interrupted(r.error())) continue;
            spdlog::critical("poll failed: {}", r.error().message());
            return 1;
        }
        begin_turn(Clock::now());
        for (const mio::Event& event : events_) {
            const TokenId id = TokenId::of(event.token());
            if (!dispatch_shared(server, id, event)) server.on_event(id, event);
        }
        server.run_ready();
        listeners_.run_ready();
        now = Clock::now();
        fire_timers(server, now);
    }
    return 0;
}

template <DaemonServer Server>
bool DaemonLoop::dispatch_shared(Server& server, TokenId id, const mio::Event& event) {
    switch (id.kind()) {
        case TokenKind::signals:
            lifecycle_.on_signals(signals_,
                                  {[&](std::string_view why) { begin_drain(server, why); },
                                   [&] { server.reload(); }});
            return true;
        case TokenKind::admin_listener:
        case TokenKind::admin_connection:
            if (admin_) admin_->handle(event);
            return true;
        case TokenKind::stream_listener:
        case TokenKind::udp_socket:
        case TokenKind::unix_datagram_socket:
            listeners_.handle(id);
            return true;
        default:
            return false;
    }
}

template <DaemonServer Server>
void DaemonLoop::fire_timers(Server& server, Clock::time_point now) {
    timers_.fire_due(
        now, [&](TimerId, std::uint64_t data) { server.on_timer(TimerPayload::from_bits(data)); });
    idle_.advance(now, [&](std::uint64_t key, std::uint32_t expiry) {
        return server.check_idle(key, expiry);
    });
    if (admin_) admin_->tick(now);
    listeners_.tick(now);
    server.on_tick(now);
    const auto deadline = lifecycle_.drain_deadline();
    if (deadline && now >= *deadline && server.open_count() > 0) {
        spdlog::warn("drain timeout: closing {} remaining connections", server.open_count());
        server.close_all("drain timeout");
    }
}

template <DaemonServer Server>
void DaemonLoop::begin_drain(Server& server, std::string_view why) {
    lifecycle_.start_drain(drain_timeout_);
    spdlog::info("{}: draining {} connections (at most {} ms)", why, server.open_count(),
                 drain_timeout_.count());
    notify_stopping("draining");
    if (admin_) admin_->set_draining(true);
    listeners_.close_all();
    server.on_drain();
}

/// The `serve` callback of a DaemonSpec: sets up logging from `config.log`, constructs a
/// Server(config, reload) and runs it (Server::run() returns the exit code). Start-up failures
/// (a bind, the Poll) are logged as critical and give 1. Never throws.
template <class Server, class Config>
int serve_daemon(Config config, ReloadFn<Config> reload) {
    setup_logging(config.log.level, config.log.format, config.log.target);
    try {
        Server server(std::move(config), std::move(reload));
        return server.run();
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        flush_logs();
        return 1;
    }
}

}  // namespace app
