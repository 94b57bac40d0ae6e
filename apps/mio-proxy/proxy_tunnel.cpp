// Tunnels: admitting clients, connecting upstream (with retries on the next eligible server),
// timers and closing (with reset forwarding). The relay itself is in proxy_relay.cpp.
#include <cstring>

#include "proxy_server.hpp"

namespace app {

bool ProxyServer::admit(const ProxyListener& listener, const std::string& ip) const {
    if (listener.retired || loop_.draining() || listener.open >= listener.config.max_connections ||
        tunnels_.size() >= config_.runtime.max_connections) {
        return false;
    }
    return per_ip_.admits(ip, listener.config.max_connections_per_ip);
}

void ProxyServer::on_accept(const BindingOwner& owner, StreamListener::Accepted accepted) {
    ProxyListener& listener = listeners_[owner.id];
    if (accepted.client_addr && !listener.access.allows(*accepted.client_addr)) {
        ++listener.denied_total;
        ++listener.metrics->rejected_total;  // closed at once by going out of scope
        return;
    }
    if (accepted.client_addr && !listener.rate_limit.allow(*accepted.client_addr, Clock::now())) {
        ++listener.rate_limited_total;
        ++listener.metrics->rejected_total;
        return;
    }
    if (!admit(listener, accepted.client_ip)) {
        ++listener.metrics->rejected_total;  // closed at once by going out of scope
        return;
    }
    if (listener.config.tcp_nodelay) (void)accepted.stream.set_nodelay(true);  // latency only
    const SlabKey key = tunnels_.emplace();
    Tunnel& t = *tunnels_.get(key);
    t.client.stream.emplace(std::move(accepted.stream));
    t.client.side.can_write = true;  // writable interest is added only once a write fills it up
    t.listener = owner.id;
    t.upstream = listener.upstream;
    t.last_active = loop_.now_tick();
    t.client_key = stable_hash(std::as_bytes(std::span(accepted.client_ip)));
    if (auto r = loop_.registry().register_source(*t.client.stream, tunnel_token(key, false),
                                                  mio::Interest::readable);
        !r) {
        spdlog::error("listener '{}': cannot register a connection: {}", owner.name,
                      r.error().message());
        listener.metrics->add_error(ErrorKind::other);
        (void)tunnels_.remove(key);
        return;
    }
    if (listener.config.max_connections_per_ip != 0 && !accepted.client_ip.empty()) {
        per_ip_.add(accepted.client_ip);
        t.client_ip = std::move(accepted.client_ip);  // set only when counted: un-counted on close
    }
    ++listener.open;
    listener.metrics->on_open();
    const auto idle = upstreams_[t.upstream].config().idle_timeout;
    if (idle.count() > 0) {
        loop_.idle().add(token_of(TokenKind::connection, key.value).value,
                         loop_.now_tick() + IdleWheel::ticks_in(idle));
    }
    relay_->start(t.up);
    relay_->start(t.down);
    if (!queue_proxy_header(t, accepted.client_addr)) {
        listener.metrics->add_error(ErrorKind::limit);
        return close_tunnel(key, "no buffer for the PROXY protocol header");
    }
    connect_next(key, t);
}

// With proxy_protocol on, the header goes first into the upward buffer, so that every server
// tried gets it before any client byte (nothing is written until a connect succeeds).
bool ProxyServer::queue_proxy_header(Tunnel& t, const std::optional<mio::net::SocketAddr>& client) {
    const ProxyProtocol version = upstreams_[t.upstream].config().proxy_protocol;
    if (version == ProxyProtocol::off) return true;
    if (!t.up.buf.ensure(*pool_)) return false;
    std::array<std::byte, kMaxProxyHeader> header;
    const std::size_t n =
        encode_proxy_header(version, client, t.client.stream->local_addr(), header);
    std::memcpy(t.up.buf.writable_span().data(), header.data(), n);  // buffers are >= 1 KiB
    t.up.buf.commit(n);
    return true;
}

void ProxyServer::connect_next(SlabKey key, Tunnel& t) {
    Upstream& upstream = upstreams_[t.upstream];
    const auto now = Clock::now();
    while (t.attempts <= upstream.config().retries && t.attempts < t.tried.size()) {
        const auto index = upstream.pick(now, t.client_key, std::span(t.tried.data(), t.attempts));
        if (!index) break;
        t.tried[t.attempts++] = static_cast<std::uint16_t>(*index);
        if (start_connect(key, t, static_cast<std::uint32_t>(*index))) {
            t.state = Tunnel::State::connecting;
            arm_timer(key, t, upstream.config().connect_timeout);
            return;
        }
    }
    listeners_[t.listener].metrics->add_error(ErrorKind::connect);
    close_tunnel(key, "no upstream server could be reached");
}

// Starts the connect to server `index`; false if it failed at once (counted against it).
bool ProxyServer::start_connect(SlabKey key, Tunnel& t, std::uint32_t index) {
    ServerRuntime& server = upstreams_[t.upstream].servers()[index];
    auto stream = connect_stream(server.config.address);
    if (!stream) {  // refused at once (e.g. a Unix socket path with no listener)
        ++server.connect_errors;
        server.health.on_connect_failure(Clock::now());
        log_ctx(spdlog::level::warn,
                {listeners_[t.listener].config.name, key.index(), server.label},
                "connect failed: {}", stream.error().message());
        return false;
    }
    // tcp_nodelay covers both sides: Nagle on the server side would hold a client's second
    // small write until the server ACKs the first (up to a delayed-ACK timeout).
    if (listeners_[t.listener].config.tcp_nodelay) (void)stream->set_nodelay(true);
    t.server = TunnelEnd{std::move(*stream), StreamSide{.watch_write = true}};
    // The connect completes with a writable event.
    if (!loop_.registry().register_source(*t.server.stream, tunnel_token(key, true),
                                          mio::Interest::readable | mio::Interest::writable)) {
        t.server = TunnelEnd{};
        return false;
    }
    t.server_index = index;
    ++server.active;
    ++server.connections_total;
    return true;
}

void ProxyServer::on_connect_event(SlabKey key, Tunnel& t) {
    const ConnectOutcome outcome = connect_outcome(*t.server.stream);
    if (outcome.state == ConnectOutcome::State::in_progress) return;  // wait for the next edge
    if (outcome.state == ConnectOutcome::State::failed) {
        return connect_failed(key, t, outcome.error.message());
    }
    t.state = Tunnel::State::open;
    loop_.timers().cancel(t.timer);
    // Connected: from now on only readable, until a write fills the socket up. Writable
    // interest on an idle socket would bring an event for every ACK that frees send space.
    t.server.side.can_write = true;
    t.server.side.watch_write = false;
    if (!loop_.registry().reregister_source(*t.server.stream, tunnel_token(key, true),
                                            mio::Interest::readable)) {
        listeners_[t.listener].metrics->add_error(ErrorKind::other);
        return close_tunnel(key, "cannot re-register the server socket");
    }
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
    (void)loop_.registry().deregister_source(*t.server.stream);  // closed next: gone either way
    t.server = TunnelEnd{};
    t.server_index.reset();
    loop_.timers().cancel(t.timer);
    connect_next(key, t);
}

void ProxyServer::arm_timer(SlabKey key, Tunnel& t, std::chrono::milliseconds after) {
    loop_.timers().cancel(t.timer);
    t.timer = loop_.timers().schedule(Clock::now() + after,
                                      TimerPayload(TimerKind::connection, key.value).bits());
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

// Idle-wheel keys are tokens: a tunnel's (connection) or a UDP session's.
std::optional<std::uint32_t> ProxyServer::check_idle(std::uint64_t token, std::uint32_t expiry) {
    const TokenId id = TokenId::of(mio::Token{token});
    const SlabKey key{id.value()};
    if (id.kind() == TokenKind::session) return check_session_idle(key, expiry);
    Tunnel* t = tunnels_.get(key);
    if (t == nullptr) return std::nullopt;
    const auto timeout = upstreams_[t->upstream].config().idle_timeout;
    if (timeout.count() <= 0) return std::nullopt;
    const std::uint32_t due = t->last_active + IdleWheel::ticks_in(timeout);
    if (due > expiry) return due;
    listeners_[t->listener].metrics->add_error(ErrorKind::timeout);
    close_tunnel(key, "idle timeout");
    return std::nullopt;
}

void ProxyServer::close_tunnel(SlabKey key, std::string_view reason, bool reset_client,
                               bool reset_server) {
    auto t = tunnels_.remove(key);
    if (!t) return;
    for (TunnelEnd* end : {&t->client, &t->server}) {
        if (!end->stream) continue;
        // A reset is forwarded as a reset; a failure only means the peer is already gone.
        if (end == &t->client ? reset_client : reset_server)
            (void)end->stream->set_reset_on_close();
        (void)loop_.registry().deregister_source(*end->stream);  // closed next: gone either way
    }
    if (t->server_index) --upstreams_[t->upstream].servers()[*t->server_index].active;
    loop_.timers().cancel(t->timer);
    ProxyListener& listener = listeners_[t->listener];
    --listener.open;
    listener.metrics->on_close();
    per_ip_.remove(t->client_ip);  // "" (not counted) is ignored
    log_conn(spdlog::level::debug, listener.config.name, key.index(), "{}", reason);
    loop_.listeners().resume_accepting();
    // Buffers came back to the pool: let starved tunnels try again.
    for (SlabKey k : starved_) {
        if (Tunnel* s = tunnels_.get(k)) ready_.push(k, *s);
    }
    starved_.clear();
}

}  // namespace app
