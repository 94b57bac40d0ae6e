#include "echo_server.hpp"

#include <unistd.h>

#include <stdexcept>

#include <spdlog/spdlog.h>

#include <mio/version.hpp>

#include "runtime/logging.hpp"

namespace app {
namespace {

mio::Result<ListenSocket> bind_socket(const Endpoint& endpoint, EchoProtocol protocol) {
    auto wrap = [](auto r) -> mio::Result<ListenSocket> {
        if (!r) return mio::fail(r.error());
        return ListenSocket(std::move(*r));
    };
    switch (protocol) {
        case EchoProtocol::tcp:
            return wrap(mio::net::TcpListener::bind(endpoint.inet()));
        case EchoProtocol::udp:
            return wrap(mio::net::UdpSocket::bind(endpoint.inet()));
        case EchoProtocol::unix_stream:
            return wrap(mio::net::UnixListener::bind_addr(endpoint.unix_addr()));
        case EchoProtocol::unixgram:
            break;
    }
    return wrap(mio::net::UnixDatagram::bind_addr(endpoint.unix_addr()));
}

}  // namespace

EchoServer::EchoServer(EchoConfig config, ReloadFn<EchoConfig> reload)
    : config_(std::move(config)),
      reload_(std::move(reload)),
      poll_(unwrap_or_throw(mio::Poll::create(), "creating the poll")),
      signals_(unwrap_or_throw(SignalSource::install(), "installing signal handlers")),
      idle_(Clock::now()) {
    unwrap_or_throw(
        poll_.registry().register_source(signals_, kSignalToken, mio::Interest::readable),
        "registering the signal pipe");
    conns_.reserve(config_.runtime.max_connections);
    datagram_buf_.resize(64 * 1024);  // > the largest UDP payload (65507), also the discard sink
    for (const auto& listener : config_.listeners)
        open_listener(listener);
    open_admin();
}

EchoServer::~EchoServer() {
    for (auto& socket : sockets_)
        close_socket(socket);
}

BufferPool& EchoServer::pool_for(std::uint64_t buffer_size) {
    auto& pool = pools_[buffer_size];
    // Each connection holds at most one buffer, and only while data is in flight, so the
    // global connection cap bounds the pool.
    if (!pool) pool = std::make_unique<BufferPool>(buffer_size, config_.runtime.max_connections);
    return *pool;
}

void EchoServer::open_listener(const EchoListenerConfig& config) {
    // Bind everything first, so a failure leaves no half-open listener behind.
    std::vector<std::pair<ListenSocket, const Endpoint*>> bound;
    for (const Endpoint& endpoint : config.bind) {
        auto socket = bind_socket(endpoint, config.protocol);
        if (!socket) {
            throw std::runtime_error(fmt::format("listener '{}': cannot bind {}: {}", config.name,
                                                 endpoint.to_string(), socket.error().message()));
        }
        bound.emplace_back(std::move(*socket), &endpoint);
    }
    ListenerState& state = listeners_.emplace_back();
    state.config = config;
    state.metrics = &metrics_.listener(config.name);
    state.pool = &pool_for(config.buffer_size);
    const auto index = static_cast<std::uint32_t>(listeners_.size() - 1);
    for (auto& [socket, endpoint] : bound) {
        BoundSocket& b = sockets_.emplace_back();
        b.socket = std::move(socket);
        b.listener = index;
        b.endpoint = endpoint->to_string();
        if (endpoint->is_unix()) b.unix_path = endpoint->unix_path();
        if (is_datagram(config.protocol)) {
            b.limiter = std::make_unique<RateLimiter>(config.rate_limit_pps, config.max_connections,
                                                      config.idle_timeout);
        }
        const mio::Token token{kSocketBase + sockets_.size() - 1};
        auto registered = std::visit(
            [&](auto& s) {
                return poll_.registry().register_source(
                    s, token, mio::Interest::readable | mio::Interest::writable);
            },
            *b.socket);
        unwrap_or_throw(std::move(registered), "registering " + b.endpoint);
        // The address actually bound (port 0 in the config: the kernel's choice), so that
        // scripts and tests can find the listener.
        const std::string actual = std::visit(
            [&](auto& s) {
                auto a = s.local_addr();
                return a ? a->to_string() : b.endpoint;
            },
            *b.socket);
        spdlog::info("listener '{}' ({}, {}) listening on {}", config.name,
                     to_string(config.protocol), to_string(config.mode), actual);
    }
}

void EchoServer::close_socket(BoundSocket& socket) {
    if (!socket.socket) return;
    std::visit([&](auto& s) { (void)poll_.registry().deregister_source(s); }, *socket.socket);
    socket.socket.reset();
    if (!socket.unix_path.empty()) ::unlink(socket.unix_path.c_str());
}

void EchoServer::begin_turn(Clock::time_point now) {
    // One clock reading per loop turn stamps every connection's activity (idle timeouts).
    now_tick_ = idle_.tick_of(now);
}

int EchoServer::run() {
    spdlog::info("mio-echo ready ({} listeners, backend {})", listeners_.size(),
                 mio::backend_name());
    const int code = run_event_loop(*this, poll_, events_, lifecycle_);
    if (code != 0) return code;
    spdlog::info("mio-echo stopped ({} connections left)", open_total_);
    flush_logs();
    return 0;
}

void EchoServer::dispatch(const mio::Event& event) {
    const std::size_t token = event.token().value;
    if (event.token() == kSignalToken) {
        lifecycle_.on_signals(signals_, {[this](std::string_view why) { begin_drain(why); },
                                         [this] {
                                             reload_config(reload_, [this](EchoConfig next) {
                                                 apply(std::move(next));
                                             });
                                         }});
    } else if (admin_ && admin_->owns(event.token())) {
        admin_->handle(event);
    } else if (token >= kConnBase) {
        on_conn_event(event);
    } else if (token >= kSocketBase && token - kSocketBase < sockets_.size()) {
        const auto index = static_cast<std::uint32_t>(token - kSocketBase);
        if (!sockets_[index].socket) return;
        if (is_datagram(listeners_[sockets_[index].listener].config.protocol)) {
            serve_datagrams(index);
        } else {
            accept_all(index);
        }
    }
}

// Work left over when a connection or socket used up its per-wake-up budget: served after
// the events, round-robin, so one busy peer cannot starve the others.
void EchoServer::run_ready() {
    ready_swap_.swap(ready_conns_);
    for (SlabKey key : ready_swap_) {
        Conn* conn = conns_.get(key);
        if (conn == nullptr) continue;
        conn->queued = false;
        const Pump p = pump(*conn);
        if (p == Pump::close)
            close_conn(key, "closed");
        else if (p == Pump::more && !conn->queued) {
            conn->queued = true;
            ready_conns_.push_back(key);
        }
    }
    ready_swap_.clear();
    std::vector<std::uint32_t> sockets;
    sockets.swap(ready_sockets_);
    for (std::uint32_t index : sockets) {
        BoundSocket& socket = sockets_[index];
        socket.ready = false;
        if (!socket.socket) continue;
        if (is_datagram(listeners_[socket.listener].config.protocol))
            serve_datagrams(index);
        else
            accept_all(index);
    }
}

std::optional<std::chrono::nanoseconds> EchoServer::poll_timeout(Clock::time_point now) const {
    if (!ready_conns_.empty() || !ready_sockets_.empty()) return std::chrono::nanoseconds(0);
    DeadlineSet deadlines;
    deadlines.consider(idle_.next_deadline());
    if (admin_) deadlines.consider(admin_->next_deadline());
    deadlines.consider(lifecycle_.drain_deadline());
    if (lifecycle_.draining()) deadlines.consider(now + IdleWheel::kTick);  // goodbye sweep
    if (accept_retry_armed_) deadlines.consider(accept_retry_at_);
    return deadlines.timeout(now);
}

void EchoServer::fire_timers(Clock::time_point now) {
    idle_.advance(now,
                  [&](std::uint64_t key, std::uint32_t expiry) { return check_idle(key, expiry); });
    if (admin_) admin_->tick(now);
    if (lifecycle_.draining()) say_goodbye_to_quiet();
    if (accept_retry_armed_ && now >= accept_retry_at_) {
        accept_retry_armed_ = false;
        resume_accepting();
    }
    if (lifecycle_.draining() && now >= *lifecycle_.drain_deadline() && open_total_ > 0) {
        spdlog::warn("drain timeout: closing {} remaining connections", open_total_);
        std::vector<SlabKey> keys;
        conns_.for_each([&](SlabKey key, Conn&) { keys.push_back(key); });
        for (SlabKey key : keys)
            close_conn(key, "drain timeout");
    }
}

// While draining: a connection with nothing buffered and no traffic for two wheel ticks
// (100-200 ms) has nothing in flight; send it our FIN, then wait for the client's (pump()
// discards what still arrives). A client that keeps sending is left to finish.
void EchoServer::say_goodbye_to_quiet() {
    conns_.for_each([&](SlabKey, Conn& conn) {
        if (conn.write_shut || !conn.buf.empty() || now_tick_ < conn.last_active + 2) return;
        (void)std::visit([](auto& s) { return s.shutdown(mio::net::Shutdown::write); },
                         conn.stream);
        conn.write_shut = true;
        (void)conn.buf.release_if_empty();
    });
}

void EchoServer::begin_drain(std::string_view why) {
    lifecycle_.start_drain(config_.runtime.drain_timeout);
    spdlog::info("{}: draining {} connections (at most {} ms)", why, open_total_,
                 config_.runtime.drain_timeout.count());
    if (admin_) admin_->set_draining(true);
    for (auto& socket : sockets_)
        close_socket(socket);
    // Connections carry on while data flows; once one has been quiet for a moment, it gets
    // our FIN (say_goodbye_to_quiet()); whatever is still open at drain_timeout is closed.
}

int serve_echo(EchoConfig config, const CliOptions&, ReloadFn<EchoConfig> reload) {
    setup_logging(config.log.level, config.log.format, config.log.target);
    try {
        EchoServer server(std::move(config), std::move(reload));
        return server.run();
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        flush_logs();
        return 1;
    }
}

}  // namespace app
