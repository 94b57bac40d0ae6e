// Tunnels: admitting clients (the PROXY header of a proxy in front: proxy_header_in.cpp),
// sending the PROXY header to a server, connecting upstream (with retries on the next eligible
// server), timers and closing (with reset forwarding). The relay itself is in proxy_relay.cpp.
#include <cstring>

#include "proxy_server.hpp"

namespace app {

bool ProxyServer::has_room(const ProxyListener& listener) const {
    return !listener.retired && !loop_.draining() &&
           listener.open < listener.config.max_connections &&
           tunnels_.size() < config_.runtime.max_connections;
}

// The listener's allow/deny rules, rate limit and per-IP limit for `addr` (the real client,
// after a PROXY header); nullopt admits it, else why it is refused (counted).
std::optional<CloseCause> ProxyServer::admit_client(ProxyListener& listener,
                                                    const std::optional<mio::net::SocketAddr>& addr,
                                                    const std::string& ip) {
    CloseCause why = CloseCause::limit;
    if (addr && !listener.access.allows(*addr)) {
        ++listener.denied_total;
        why = CloseCause::acl;
    } else if (addr && !listener.rate_limit.allow(*addr, Clock::now())) {
        ++listener.rate_limited_total;
    } else if (per_ip_.admits(ip, listener.config.max_connections_per_ip)) {
        return std::nullopt;
    }
    ++listener.metrics->rejected_total;
    return why;
}

void ProxyServer::on_accept(const BindingOwner& owner, StreamListener::Accepted accepted) {
    ProxyListener& listener = listeners_[owner.id];
    const bool from_proxy = listener.config.accept_proxy_protocol;
    // Refused connections close at once, by going out of scope.
    if (from_proxy && !(accepted.client_addr && listener.trusted.allows(*accepted.client_addr))) {
        ++listener.header_refused[static_cast<std::size_t>(HeaderRefusal::untrusted)];
        ++listener.metrics->rejected_total;
        return log_refused(listener, accepted.client_addr, CloseCause::proxy_header);
    }
    if (!has_room(listener)) {
        ++listener.metrics->rejected_total;
        return log_refused(listener, accepted.client_addr, CloseCause::limit);
    }
    // Behind a proxy, the rules apply to the client its header names, once it has arrived.
    if (!from_proxy) {
        if (auto refused = admit_client(listener, accepted.client_addr, accepted.client_ip))
            return log_refused(listener, accepted.client_addr, *refused);
    }
    const auto key = open_tunnel(listener, owner.id, accepted);
    if (!key) return;
    Tunnel& t = *tunnels_.get(*key);
    if (!from_proxy) return start_tunnel(*key, t, std::move(accepted.client_ip));
    t.state = Tunnel::State::header;
    arm_timer(*key, t, listener.config.proxy_protocol_timeout);
    // Bytes may have arrived with the connection: an edge-triggered registration would not
    // report them again.
    t.client.side.can_read = true;
    read_proxy_header(*key, t);
}

// The tunnel of a client accepted on listener `index`, registered and counted as open.
std::optional<SlabKey> ProxyServer::open_tunnel(ProxyListener& listener, std::uint32_t index,
                                                StreamListener::Accepted& accepted) {
    if (listener.config.tcp_nodelay) (void)accepted.stream.set_nodelay(true);  // latency only
    const SlabKey key = tunnels_.emplace();
    Tunnel& t = *tunnels_.get(key);
    t.client.stream.emplace(std::move(accepted.stream));
    t.client.side.can_write = true;  // writable interest is added only once a write fills it up
    t.listener = index;
    t.upstream = listener.upstream;
    t.last_active = loop_.now_tick();
    t.started = Clock::now();
    t.client_addr = accepted.client_addr;
    if (auto r = loop_.registry().register_source(*t.client.stream, tunnel_token(key, false),
                                                  mio::Interest::readable);
        !r) {
        spdlog::error("listener '{}': cannot register a connection: {}", listener.config.name,
                      r.error().message());
        listener.metrics->add_error(ErrorKind::other);
        (void)tunnels_.remove(key);
        return std::nullopt;
    }
    ++listener.open;
    ++upstreams_[t.upstream].users;
    listener.metrics->on_open();
    const auto idle = upstreams_[t.upstream].config().idle_timeout;
    if (idle.count() > 0) {
        loop_.idle().add(token_of(TokenKind::connection, key.value).value,
                         loop_.now_tick() + IdleWheel::ticks_in(idle));
    }
    relay_->start(t.up);
    relay_->start(t.down);
    return key;
}

// The client is known (and admitted): balance by it and connect.
void ProxyServer::start_tunnel(SlabKey key, Tunnel& t, std::string client_ip) {
    t.state = Tunnel::State::connecting;
    t.client_key = stable_hash(std::as_bytes(std::span(client_ip)));
    if (listeners_[t.listener].config.max_connections_per_ip != 0 && !client_ip.empty()) {
        per_ip_.add(client_ip);
        t.client_ip = std::move(client_ip);  // set only when counted: un-counted on close
    }
    connect_next(key, t);
}

// With proxy_protocol on for the server just connected, its header goes out first, straight
// to the socket: nothing else has been written to it, and a fresh socket's send buffer takes
// a header whole. (A short write would leave part of it behind the relay's bytes: refused.)
bool ProxyServer::send_proxy_header(SlabKey key, Tunnel& t) {
    const Upstream& upstream = upstreams_[t.upstream];
    const ProxyProtocol version =
        upstream.servers()[*t.server_index].config.proxy_protocol.value_or(
            upstream.config().proxy_protocol);
    if (version == ProxyProtocol::off) return true;
    std::array<std::byte, kMaxProxyHeader> header;
    const auto dest = t.client_dest ? t.client_dest : t.client.stream->local_addr();
    const std::size_t n =
        encode_proxy_header(version, ProxyTransport::stream, t.client_addr, dest, header);
    auto sent = t.server.stream->write(std::span(header.data(), n));
    if (sent && *sent == n) {
        upstreams_[t.upstream].servers()[*t.server_index].bytes_to_server += n;
        return true;
    }
    listeners_[t.listener].metrics->add_error(ErrorKind::other);
    close_tunnel(key, CloseCause::error, "the server's socket did not take the PROXY header");
    return false;
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
    close_tunnel(key, CloseCause::connect_failed);
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
    t.connected = Clock::now();
    loop_.timers().cancel(t.timer);
    // Connected: from now on only readable, until a write fills the socket up. Writable
    // interest on an idle socket would bring an event for every ACK that frees send space.
    t.server.side.can_write = true;
    t.server.side.watch_write = false;
    if (!loop_.registry().reregister_source(*t.server.stream, tunnel_token(key, true),
                                            mio::Interest::readable)) {
        listeners_[t.listener].metrics->add_error(ErrorKind::other);
        return close_tunnel(key, CloseCause::error, "cannot re-register the server socket");
    }
    upstreams_[t.upstream].servers()[*t.server_index].health.on_connect_success(Clock::now());
    if (!send_proxy_header(key, t)) return;
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
    if (t->state == Tunnel::State::header) {
        refuse_header(key, *t, HeaderRefusal::timeout, "no whole PROXY header in time");
    } else if (t->state == Tunnel::State::connecting) {
        listeners_[t->listener].metrics->add_error(ErrorKind::timeout);
        connect_failed(key, *t, "connect timeout");
    } else {
        close_tunnel(key, CloseCause::fin_timeout);
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
    close_tunnel(key, CloseCause::idle_timeout);
    return std::nullopt;
}

void ProxyServer::close_tunnel(SlabKey key, CloseCause cause, std::string_view detail) {
    auto t = tunnels_.remove(key);
    if (!t) return;
    log_tunnel(*t, cause);
    for (TunnelEnd* end : {&t->client, &t->server}) {
        if (!end->stream) continue;
        // A reset is forwarded as a reset (to the other side); a failure only means the peer
        // is already gone.
        const CloseCause forwarded =
            end == &t->client ? CloseCause::server_reset : CloseCause::client_reset;
        if (cause == forwarded) (void)end->stream->set_reset_on_close();
        (void)loop_.registry().deregister_source(*end->stream);  // closed next: gone either way
    }
    if (t->server_index) --upstreams_[t->upstream].servers()[*t->server_index].active;
    loop_.timers().cancel(t->timer);
    ProxyListener& listener = listeners_[t->listener];
    --listener.open;
    --upstreams_[t->upstream].users;
    listener.metrics->on_close();
    release_if_done(listener);
    per_ip_.remove(t->client_ip);  // "" (not counted) is ignored
    log_conn(spdlog::level::debug, listener.config.name, key.index(), "{}{}{}",
             find_name(kCloseCauseNames, cause).value_or("?"), detail.empty() ? "" : ": ", detail);
    loop_.listeners().resume_accepting();
    // Buffers came back to the pool: let starved tunnels try again.
    for (SlabKey k : starved_) {
        if (Tunnel* s = tunnels_.get(k)) ready_.push(k, *s);
    }
    starved_.clear();
}

}  // namespace app
