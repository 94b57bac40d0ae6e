#include "proxy_server.hpp"

#include <unistd.h>

#include <stdexcept>

#include <spdlog/spdlog.h>

#include <mio/net/tcp_socket.hpp>
#include <mio/version.hpp>

#include "runtime/logging.hpp"

namespace app {
namespace {

mio::Result<ProxyListenSocket> bind_listener(const Endpoint& endpoint, bool reuseport) {
    if (endpoint.is_unix()) {
        auto l = mio::net::UnixListener::bind_addr(endpoint.unix_addr());
        if (!l) return mio::fail(l.error());
        return ProxyListenSocket(std::move(*l));
    }
    auto socket = mio::net::TcpSocket::new_for_addr(endpoint.inet());
    if (!socket) return mio::fail(socket.error());
    if (auto r = socket->set_reuseaddr(true); !r) return mio::fail(r.error());
    if (reuseport) {
        if (auto r = socket->set_reuseport(true); !r) return mio::fail(r.error());
    }
    if (auto r = socket->bind(endpoint.inet()); !r) return mio::fail(r.error());
    auto l = std::move(*socket).listen(1024);
    if (!l) return mio::fail(l.error());
    return ProxyListenSocket(std::move(*l));
}

}  // namespace

ProxyServer::ProxyServer(ProxyConfig config, ReloadFn<ProxyConfig> reload)
    : config_(std::move(config)),
      reload_(std::move(reload)),
      poll_(unwrap_or_throw(mio::Poll::create(), "creating the poll")),
      signals_(unwrap_or_throw(SignalSource::install(), "installing signal handlers")),
      idle_(Clock::now()) {
    unwrap_or_throw(
        poll_.registry().register_source(signals_, kSignalToken, mio::Interest::readable),
        "registering the signal pipe");
    // The memory budget is a number of buffers; each tunnel holds at most two, and only
    // while data is in flight.
    const std::size_t buffers =
        std::max<std::uint64_t>(2, config_.runtime.memory_limit / config_.runtime.buffer_size);
    pool_ = std::make_unique<BufferPool>(config_.runtime.buffer_size, buffers);
    pipes_ = std::make_unique<PipePool>(config_.runtime.buffer_size, PipePool::default_max_pipes(),
                                        *pool_);
    metrics_.add_gauge("buffers_in_use", "Relay buffers and splice pipes in use (memory_limit)",
                       [this] { return pool_->in_use(); });
    metrics_.add_gauge("splice_pipes_in_use", "Splice pipes held by connections",
                       [this] { return pipes_->in_use(); });
    metrics_.add_counter("spliced_bytes_total",
                         "Bytes relayed through splice pipes (both directions)",
                         [this] { return spliced_bytes_; });
    metrics_.add_counter("splice_pipes_refused_total",
                         "Times a direction wanted a splice pipe and relayed through a buffer",
                         [this] { return pipes_->refused_total(); });
    tunnels_.reserve(config_.runtime.max_connections);
    timers_.reserve(config_.runtime.max_connections);
    std::uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (const auto& u : config_.upstreams)
        upstreams_.emplace_back(u, seed++);
    for (const auto& l : config_.listeners)
        open_listener(l);
    setup_checks();
    open_admin();
}

ProxyServer::~ProxyServer() {
    for (auto& socket : sockets_)
        close_socket(socket);
}

std::uint32_t ProxyServer::upstream_index(const std::string& name) const {
    for (std::uint32_t i = 0; i < upstreams_.size(); ++i) {
        if (!upstreams_[i].retired && upstreams_[i].config().name == name) return i;
    }
    throw std::runtime_error("no upstream named '" + name + "'");  // validated by the config
}

void ProxyServer::open_listener(const ProxyListenerConfig& config) {
    std::vector<std::pair<ProxyListenSocket, const Endpoint*>> bound;
    for (const Endpoint& endpoint : config.bind) {
        auto socket = bind_listener(endpoint, config.reuseport);
        if (!socket) {
            throw std::runtime_error(fmt::format("listener '{}': cannot bind {}: {}", config.name,
                                                 endpoint.to_string(), socket.error().message()));
        }
        bound.emplace_back(std::move(*socket), &endpoint);
    }
    ProxyListener& listener = listeners_.emplace_back();
    listener.config = config;
    listener.metrics = &metrics_.listener(config.name);
    listener.upstream = upstream_index(config.upstream);
    const auto index = static_cast<std::uint32_t>(listeners_.size() - 1);
    for (auto& [socket, endpoint] : bound) {
        ProxySocket& s = sockets_.emplace_back();
        s.socket = std::move(socket);
        s.listener = index;
        s.endpoint = endpoint->to_string();
        if (endpoint->is_unix()) s.unix_path = endpoint->unix_path();
        const mio::Token token{kSocketBase + sockets_.size() - 1};
        unwrap_or_throw(std::visit(
                            [&](auto& l) {
                                return poll_.registry().register_source(l, token,
                                                                        mio::Interest::readable);
                            },
                            *s.socket),
                        "registering " + s.endpoint);
        const std::string actual = std::visit(
            [&](auto& l) {
                auto a = l.local_addr();
                return a ? a->to_string() : s.endpoint;
            },
            *s.socket);
        spdlog::info("listener '{}' listening on {} -> upstream '{}'", config.name, actual,
                     config.upstream);
    }
}

void ProxyServer::close_socket(ProxySocket& socket) {
    if (!socket.socket) return;
    std::visit([&](auto& l) { (void)poll_.registry().deregister_source(l); }, *socket.socket);
    socket.socket.reset();
    if (!socket.unix_path.empty()) ::unlink(socket.unix_path.c_str());
}

void ProxyServer::begin_turn(Clock::time_point now) {
    // One clock reading per loop turn stamps every connection's activity (idle timeouts).
    now_tick_ = idle_.tick_of(now);
}

int ProxyServer::run() {
    spdlog::info("mio-proxy ready ({} listeners, {} upstreams, backend {}, splice {})",
                 listeners_.size(), upstreams_.size(), mio::backend_name(),
                 to_string(config_.runtime.splice));
    const int code = run_event_loop(*this, poll_, events_, lifecycle_);
    if (code != 0) return code;
    spdlog::info("mio-proxy stopped ({} connections left)", open_total_);
    flush_logs();
    return 0;
}

void ProxyServer::dispatch(const mio::Event& event) {
    const std::size_t token = event.token().value;
    if (event.token() == kSignalToken) {
        lifecycle_.on_signals(signals_, {[this](std::string_view why) { begin_drain(why); },
                                         [this] {
                                             reload_config(reload_, [this](ProxyConfig next) {
                                                 apply(std::move(next));
                                             });
                                         }});
    } else if (admin_ && admin_->owns(event.token())) {
        admin_->handle(event);
    } else if (token >= (std::size_t{1} << 32)) {
        on_tunnel_event(event);
    } else if (token >= kCheckBase) {
        if (token - kCheckBase < checks_.size()) {
            on_check_event(static_cast<std::uint32_t>(token - kCheckBase), event);
        }
    } else if (token >= kSocketBase && token - kSocketBase < sockets_.size()) {
        accept_all(static_cast<std::uint32_t>(token - kSocketBase));
    }
}

void ProxyServer::run_ready() {
    ready_swap_.swap(ready_);
    for (SlabKey key : ready_swap_) {
        Tunnel* t = tunnels_.get(key);
        if (t == nullptr) continue;
        t->queued = false;
        advance(key, *t);
    }
    ready_swap_.clear();
    std::vector<std::uint32_t> sockets;
    sockets.swap(ready_sockets_);
    for (std::uint32_t index : sockets) {
        sockets_[index].ready = false;
        accept_all(index);
    }
}

std::optional<std::chrono::nanoseconds> ProxyServer::poll_timeout(Clock::time_point now) {
    if (!ready_.empty() || !ready_sockets_.empty()) return std::chrono::nanoseconds(0);
    DeadlineSet deadlines;
    deadlines.consider(idle_.next_deadline());
    if (auto t = timers_.next_timeout(now)) deadlines.consider(now + *t);
    if (admin_) deadlines.consider(admin_->next_deadline());
    deadlines.consider(lifecycle_.drain_deadline());
    deadlines.consider(accept_retry_at_);
    return deadlines.timeout(now);
}

void ProxyServer::fire_timers(Clock::time_point now) {
    timers_.fire_due(now, [&](TimerId, std::uint64_t data) {
        if ((data & kServerSide) != 0) {
            on_check_timer(static_cast<std::uint32_t>(data & ~kServerSide));
        } else {
            on_tunnel_timer(SlabKey{data});
        }
    });
    idle_.advance(now,
                  [&](std::uint64_t key, std::uint32_t expiry) { return check_idle(key, expiry); });
    if (admin_) admin_->tick(now);
    if (accept_retry_at_ && now >= *accept_retry_at_) {
        accept_retry_at_.reset();
        resume_accepting();
    }
    if (lifecycle_.draining() && now >= *lifecycle_.drain_deadline() && open_total_ > 0) {
        spdlog::warn("drain timeout: closing {} remaining connections", open_total_);
        std::vector<SlabKey> keys;
        tunnels_.for_each([&](SlabKey key, Tunnel&) { keys.push_back(key); });
        for (SlabKey key : keys)
            close_tunnel(key, "drain timeout");
    }
}

void ProxyServer::begin_drain(std::string_view why) {
    lifecycle_.start_drain(config_.runtime.drain_timeout);
    spdlog::info("{}: draining {} connections (at most {} ms)", why, open_total_,
                 config_.runtime.drain_timeout.count());
    if (admin_) admin_->set_draining(true);
    for (auto& socket : sockets_)
        close_socket(socket);
}

void ProxyServer::resume_accepting() {
    for (std::uint32_t i = 0; i < sockets_.size(); ++i) {
        ProxySocket& s = sockets_[i];
        if (!s.paused || !s.socket) continue;
        s.paused = false;
        if (!s.ready) {
            s.ready = true;
            ready_sockets_.push_back(i);
        }
    }
}

int serve_proxy(ProxyConfig config, const CliOptions&, ReloadFn<ProxyConfig> reload) {
    setup_logging(config.log.level, config.log.format, config.log.target);
    try {
        ProxyServer server(std::move(config), std::move(reload));
        return server.run();
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        flush_logs();
        return 1;
    }
}

}  // namespace app
