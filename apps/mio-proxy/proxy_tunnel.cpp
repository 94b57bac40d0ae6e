// Tunnels: accepting clients, connecting upstream (with retries on the next eligible server),
// dispatching events, timers and closing (with reset forwarding). The relay itself is in
// proxy_relay.cpp (buffers) and proxy_splice.cpp (pipes). Edge-triggered rules: a side is
// retried only after an event for it; each wake-up does a bounded amount of work, and a tunnel
// with more to do goes to the ready list.
#include <spdlog/spdlog.h>

#include "proxy_server.hpp"
#include "runtime/logging.hpp"

namespace app {
namespace {

constexpr int kAcceptBudget = 64;
constexpr auto kAcceptRetry = std::chrono::milliseconds(250);

// A reset is forwarded as a reset: SO_LINGER 0 makes close() send RST.
void arm_reset(Side& side) {
    if (!side.stream) return;
    if (auto* tcp = std::get_if<mio::net::TcpStream>(&*side.stream)) {
        (void)tcp->set_linger(std::chrono::seconds(0));
    }
}

}  // namespace

mio::Result<ProxyStream> connect_stream(const Endpoint& endpoint) {
    if (endpoint.is_unix()) {
        auto s = mio::net::UnixStream::connect_addr(endpoint.unix_addr());
        if (!s) return mio::fail(s.error());
        return ProxyStream(std::move(*s));
    }
    auto s = mio::net::TcpStream::connect(endpoint.inet());
    if (!s) return mio::fail(s.error());
    return ProxyStream(std::move(*s));
}

bool ProxyServer::admit(ProxyListener& listener, const std::string& ip) {
    if (listener.retired || lifecycle_.draining() ||
        listener.open >= listener.config.max_connections ||
        open_total_ >= config_.runtime.max_connections) {
        return false;
    }
    const std::uint32_t per_ip = listener.config.max_connections_per_ip;
    if (per_ip == 0 || ip.empty()) return true;
    const auto it = per_ip_.find(ip);
    return it == per_ip_.end() || it->second < per_ip;
}

void ProxyServer::accept_all(std::uint32_t index) {
    for (int n = 0; n < kAcceptBudget; ++n) {
        ProxySocket& socket = sockets_[index];
        if (!socket.socket || socket.paused) return;
        ProxyListener& listener = listeners_[socket.listener];
        if (pool_->available() < 2) {
            // The memory budget is reached: leave clients in the backlog instead of growing.
            socket.paused = true;
            accept_retry_at_ = Clock::now() + kAcceptRetry;
            return;
        }
        std::string ip;
        auto accepted = std::visit(
            [&](auto& l) -> mio::Result<ProxyStream> {
                auto r = l.accept();
                if (!r) return mio::fail(r.error());
                if constexpr (std::is_same_v<std::decay_t<decltype(l)>, mio::net::TcpListener>) {
                    ip = r->second.ip_string();
                }
                return ProxyStream(std::move(r->first));
            },
            *socket.socket);
        if (!accepted) {
            const std::error_code ec = accepted.error();
            if (mio::is_would_block(ec)) return;
            if (is_transient_accept_error(ec)) continue;
            listener.metrics->add_error(ErrorKind::accept);
            spdlog::warn("listener '{}' {}: accept failed: {}{}", listener.config.name,
                         socket.endpoint, ec.message(),
                         is_out_of_descriptors(ec) ? "; pausing accepts" : "");
            if (is_out_of_descriptors(ec)) {
                socket.paused = true;
                accept_retry_at_ = Clock::now() + kAcceptRetry;
            }
            return;
        }
        if (!admit(listener, ip)) {
            ++listener.metrics->rejected_total;
            continue;
        }
        start_tunnel(std::move(*accepted), socket.listener, std::move(ip));
    }
    ProxySocket& socket = sockets_[index];
    if (!socket.ready) {
        socket.ready = true;
        ready_sockets_.push_back(index);
    }
}

void ProxyServer::start_tunnel(ProxyStream client, std::uint32_t listener_index, std::string ip) {
    ProxyListener& listener = listeners_[listener_index];
    if (auto* tcp = std::get_if<mio::net::TcpStream>(&client); tcp && listener.config.tcp_nodelay) {
        (void)tcp->set_nodelay(true);
    }
    const SlabKey key = tunnels_.emplace();
    Tunnel& t = *tunnels_.get(key);
    t.client.stream = std::move(client);
    t.client.can_write = true;  // writable interest is added only once a write fills it up
    t.listener = listener_index;
    t.upstream = listener.upstream;
    t.last_active = now_tick_;
    t.client_key = stable_hash(std::as_bytes(std::span(ip)));
    auto registered = std::visit(
        [&](auto& s) {
            return poll_.registry().register_source(s, tunnel_token(key, false),
                                                    mio::Interest::readable);
        },
        *t.client.stream);
    if (!registered) {
        spdlog::error("listener '{}': cannot register a connection: {}", listener.config.name,
                      registered.error().message());
        (void)tunnels_.remove(key);
        return;
    }
    if (listener.config.max_connections_per_ip != 0 && !ip.empty()) {
        ++per_ip_[ip];
        t.client_ip = std::move(ip);  // set only when counted, so close_tunnel() un-counts it
    }
    ++listener.open;
    ++open_total_;
    listener.metrics->on_open();
    const auto idle = upstreams_[t.upstream].config().idle_timeout;
    if (idle.count() > 0) idle_.add(key.value, now_tick_ + IdleWheel::ticks_in(idle));
    if (splice_mode() == SpliceMode::always) t.up.bulk = t.down.bulk = true;
    connect_next(key, t);
}

void ProxyServer::connect_next(SlabKey key, Tunnel& t) {
    Upstream& upstream = upstreams_[t.upstream];
    const auto now = Clock::now();
    while (t.attempts <= upstream.config().retries && t.attempts < t.tried.size()) {
        const auto index = upstream.pick(now, t.client_key, std::span(t.tried.data(), t.attempts));
        if (!index) break;
        t.tried[t.attempts++] = static_cast<std::uint16_t>(*index);
        ServerRuntime& server = upstream.servers()[*index];
        auto stream = connect_stream(server.config.address);
        if (!stream) {  // refused at once (e.g. a Unix socket path with no listener)
            ++server.connect_errors;
            server.health.on_connect_failure(now);
            log_ctx(spdlog::level::warn,
                    {listeners_[t.listener].config.name, key.index(), server.label},
                    "connect failed: {}", stream.error().message());
            continue;
        }
        // tcp_nodelay covers both sides: Nagle on the server side would hold a client's second
        // small write until the server ACKs the first (up to a delayed-ACK timeout).
        if (auto* tcp = std::get_if<mio::net::TcpStream>(&*stream);
            tcp && listeners_[t.listener].config.tcp_nodelay) {
            (void)tcp->set_nodelay(true);
        }
        t.server = Side{};
        t.server.stream = std::move(*stream);
        t.server.watch_write = true;  // the connect completes with a writable event
        t.server_index = static_cast<std::uint32_t>(*index);
        ++server.active;
        ++server.connections_total;
        auto registered = std::visit(
            [&](auto& s) {
                return poll_.registry().register_source(
                    s, tunnel_token(key, true), mio::Interest::readable | mio::Interest::writable);
            },
            *t.server.stream);
        if (!registered) {
            --server.active;
            t.server = Side{};
            continue;
        }
        t.state = Tunnel::State::connecting;
        arm_timer(key, t, upstream.config().connect_timeout);
        return;
    }
    listeners_[t.listener].metrics->add_error(ErrorKind::connect);
    close_tunnel(key, "no upstream server could be reached");
}

void ProxyServer::on_tunnel_event(const mio::Event& event) {
    const bool server_side = (event.token().value & kServerSide) != 0;
    const SlabKey key{event.token().value & ~kServerSide};
    Tunnel* t = tunnels_.get(key);
    if (t == nullptr) return;  // stale: that tunnel is gone
    Side& side = server_side ? t->server : t->client;
    if (!side.stream) return;
    if (event.is_readable() || event.is_read_closed() || event.is_error()) side.can_read = true;
    if (event.is_read_closed()) side.fin_hint = true;
    if (event.is_writable() || event.is_write_closed() || event.is_error()) side.can_write = true;
    if (server_side && t->state == Tunnel::State::connecting) {
        on_connect_event(key, *t);
        return;
    }
    if (!t->queued) advance(key, *t);
}

// mio's connect protocol: an event, then take_error(), then peer_addr() (ENOTCONN: not yet).
void ProxyServer::on_connect_event(SlabKey key, Tunnel& t) {
    auto error = std::visit([](auto& s) { return s.take_error(); }, *t.server.stream);
    if (!error) return connect_failed(key, t, error.error().message());
    if (*error) return connect_failed(key, t, (*error)->message());
    const auto peer = std::visit(
        [](auto& s) -> std::error_code {
            auto a = s.peer_addr();
            return a ? std::error_code{} : a.error();
        },
        *t.server.stream);
    if (peer == std::errc::not_connected) return;  // still in progress: wait for the next edge
    if (peer) return connect_failed(key, t, peer.message());
    t.state = Tunnel::State::open;
    if (t.timer) timers_.cancel(*t.timer);
    t.timer.reset();
    // Connected: from now on only readable, until a write fills the socket up. Writable
    // interest on an idle socket would bring an event for every ACK that frees send space.
    t.server.can_write = true;
    t.server.watch_write = false;
    (void)std::visit(
        [&](auto& s) {
            return poll_.registry().reregister_source(s, tunnel_token(key, true),
                                                      mio::Interest::readable);
        },
        *t.server.stream);
    upstreams_[t.upstream].servers()[*t.server_index].health.on_connect_success(Clock::now());
    advance(key, t);
}

void ProxyServer::connect_failed(SlabKey key, Tunnel& t, std::string_view why) {
    ServerRuntime& server = upstreams_[t.upstream].servers()[*t.server_index];
    ++server.connect_errors;
    --server.active;
    server.health.on_connect_failure(Clock::now());
    log_ctx(spdlog::level::warn, {listeners_[t.listener].config.name, key.index(), server.label},
            "connect failed: {}", why);
    std::visit([&](auto& s) { (void)poll_.registry().deregister_source(s); }, *t.server.stream);
    t.server = Side{};
    t.server_index.reset();
    if (t.timer) timers_.cancel(*t.timer);
    t.timer.reset();
    connect_next(key, t);
}

void ProxyServer::queue(SlabKey key, Tunnel& t) {
    if (t.queued) return;
    t.queued = true;
    ready_.push_back(key);
}

void ProxyServer::advance(SlabKey key, Tunnel& t) {
    const bool open = t.state == Tunnel::State::open;
    const Flow up = pump(key, t, t.client, t.server, t.up, true);
    if (up == Flow::reset_from || up == Flow::reset_to) {
        return close_tunnel(key, up == Flow::reset_from ? "client reset" : "server gone",
                            up == Flow::reset_to, up == Flow::reset_from);
    }
    if (!open) {
        if (up == Flow::more) queue(key, t);
        return;
    }
    const Flow down = pump(key, t, t.server, t.client, t.down, false);
    if (down == Flow::reset_from || down == Flow::reset_to) {
        return close_tunnel(key, down == Flow::reset_from ? "server reset" : "client gone",
                            down == Flow::reset_from, down == Flow::reset_to);
    }
    const UpstreamConfig& config = upstreams_[t.upstream].config();
    const bool both_done = t.client.eof && t.server.shut && t.server.eof && t.client.shut;
    const bool one_done = t.client.shut || t.server.shut;
    if (both_done || (one_done && !config.half_close)) return close_tunnel(key, "closed");
    if (one_done && !t.timer && config.fin_timeout.count() > 0) {
        arm_timer(key, t, config.fin_timeout);  // the other direction gets fin_timeout to end
    }
    if (t.starved) starved_.push_back(key);
    if (up == Flow::more || down == Flow::more) queue(key, t);
}

void ProxyServer::arm_timer(SlabKey key, Tunnel& t, std::chrono::milliseconds after) {
    if (t.timer) timers_.cancel(*t.timer);
    t.timer = timers_.schedule(Clock::now() + after, key.value);
}

void ProxyServer::on_tunnel_timer(SlabKey key) {
    Tunnel* t = tunnels_.get(key);
    if (t == nullptr) return;
    t->timer.reset();
    if (t->state == Tunnel::State::connecting) {
        listeners_[t->listener].metrics->add_error(ErrorKind::timeout);
        connect_failed(key, *t, "connect timeout");
    } else {
        close_tunnel(key, "fin timeout");
    }
}

std::optional<std::uint32_t> ProxyServer::check_idle(std::uint64_t key, std::uint32_t expiry) {
    Tunnel* t = tunnels_.get(SlabKey{key});
    if (t == nullptr) return std::nullopt;
    const auto timeout = upstreams_[t->upstream].config().idle_timeout;
    if (timeout.count() <= 0) return std::nullopt;
    const std::uint32_t due = t->last_active + IdleWheel::ticks_in(timeout);
    if (due > expiry) return due;
    listeners_[t->listener].metrics->add_error(ErrorKind::timeout);
    close_tunnel(SlabKey{key}, "idle timeout");
    return std::nullopt;
}

void ProxyServer::close_tunnel(SlabKey key, std::string_view reason, bool reset_client,
                               bool reset_server) {
    auto t = tunnels_.remove(key);
    if (!t) return;
    if (reset_client) arm_reset(t->client);
    if (reset_server) arm_reset(t->server);
    for (Side* side : {&t->client, &t->server}) {
        if (side->stream) {
            std::visit([&](auto& s) { (void)poll_.registry().deregister_source(s); },
                       *side->stream);
        }
    }
    if (t->server_index) --upstreams_[t->upstream].servers()[*t->server_index].active;
    if (t->timer) timers_.cancel(*t->timer);
    ProxyListener& listener = listeners_[t->listener];
    --listener.open;
    --open_total_;
    listener.metrics->on_close();
    if (!t->client_ip.empty()) {
        if (auto it = per_ip_.find(t->client_ip); it != per_ip_.end() && --it->second == 0) {
            per_ip_.erase(it);
        }
    }
    log_conn(spdlog::level::debug, listener.config.name, key.index(), "{}", reason);
    resume_accepting();
    // Buffers came back to the pool: let starved tunnels try again.
    for (SlabKey k : starved_) {
        if (Tunnel* s = tunnels_.get(k)) queue(k, *s);
    }
    starved_.clear();
}

}  // namespace app
