// UDP proxying: every client (by session_key) gets a session with its own socket connected
// to one server, so replies go back to exactly that client and the kernel drops datagrams
// from anyone else. Datagram boundaries are kept (one recv, one send). Both directions read
// until WouldBlock with a bounded batch per wake-up, so a flood on one socket cannot starve
// the others. A datagram that meets a full send buffer is dropped and counted: UDP's own
// contract, and the proxy never buffers behind a slow peer. ICMP "port unreachable" from a
// server (ECONNREFUSED on the connected socket) counts as a failure for passive health and
// ends the session.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "proxy_server.hpp"

namespace app {
namespace {

// A wake-up reads at most kDatagramRounds batches of kUdpBatch datagrams (64) per socket.
constexpr int kDatagramRounds = 4;

bool is_refused(const std::error_code& ec) {
    return ec == std::errc::connection_refused;
}

}  // namespace

// Client -> server, on the listener socket's readable edge, in batches (one recvmmsg each
// on Linux). True: the budget ran out with more to read (run again after the other events).
bool ProxyServer::on_datagrams(UdpBinding& binding) {
    ProxyListener& listener = listeners_[binding.info.owner.id];
    const std::size_t max = listener.config.udp.max_datagram;
    for (int round = 0; round < kDatagramRounds; ++round) {
        if (loop_.draining() || !binding.socket) return false;
        auto got = binding.socket->recv_batch(udp_slots_);
        if (!got) {
            if (mio::is_would_block(got.error())) return false;
            listener.udp.drop(UdpDrop::error);
            continue;
        }
        for (std::size_t i = 0; i < *got; ++i) {
            const mio::net::DatagramSlot& slot = udp_slots_[i];
            ++listener.udp.datagrams_in;
            listener.metrics->bytes_in += slot.size;
            if (slot.size > max || slot.truncated) {
                listener.udp.drop(UdpDrop::oversize);
            } else if (!listener.access.allows(slot.peer)) {
                ++listener.denied_total;
                listener.udp.drop(UdpDrop::denied);
            } else {
                forward(listener, binding, slot.buffer.first(slot.size), slot.peer);
            }
        }
        if (*got < udp_slots_.size()) return false;  // a short batch: the queue is empty
    }
    return true;
}

// `data` is in a slot of udp_slots_, after kMaxProxyHeader bytes of room for a PROXY header.
void ProxyServer::forward(ProxyListener& listener, const UdpBinding& binding,
                          std::span<std::byte> data, const mio::net::SocketAddr& client) {
    const UdpSessionConfig& udp = listener.config.udp;
    SessionKey id{binding.info.index, client};
    if (udp.session_key == SessionKeyMode::src_ip) id.client.set_port(0);
    std::optional<SlabKey> key;
    if (udp.session_key != SessionKeyMode::none) key = listener.sessions->find(id);
    if (!key && !listener.rate_limit.allow(client, Clock::now())) {
        ++listener.rate_limited_total;
        return listener.udp.drop(UdpDrop::rate_limited);
    }
    if (!key) key = open_session(listener, binding, client);
    if (!key) return;  // dropped (counted)
    UdpSession& s = *sessions_.get(*key);
    listener.sessions->touch(*key);
    s.last_active = loop_.now_tick();
    ++s.requests;
    const bool last = udp.session_key == SessionKeyMode::none ||
                      (udp.requests_per_session != 0 && s.requests >= udp.requests_per_session);
    if (last) listener.sessions->detach(*key);  // the client's next datagram: a new session
    std::span<const std::byte> out = data;
    if (s.proxy_protocol != ProxyProtocol::off) out = with_proxy_header(s, binding, data);
    auto sent = s.socket->send(out);
    ServerRuntime& server = upstreams_[s.upstream].servers()[s.server];
    if (sent) {
        server.bytes_to_server += *sent;
        s.bytes_in += data.size();
        return;
    }
    if (mio::is_would_block(sent.error())) return listener.udp.drop(UdpDrop::server_busy);
    session_failed(*key, s, sent.error());
}

std::optional<SlabKey> ProxyServer::open_session(ProxyListener& listener, const UdpBinding& binding,
                                                 const mio::net::SocketAddr& client) {
    const std::uint32_t per_ip = listener.config.max_connections_per_ip;
    // Only with a per-IP limit is the client's IP made a string (once per new session).
    const std::string client_ip = per_ip != 0 ? client.ip_string() : std::string();
    if (!per_ip_.admits(client_ip, per_ip)) {
        ++listener.metrics->rejected_total;
        listener.udp.drop(UdpDrop::ip_limit);
        return std::nullopt;
    }
    SessionTable& table = *listener.sessions;
    while (table.full()) {
        const auto victim = table.least_recent();
        if (!victim) break;
        ++listener.udp.sessions_evicted;
        close_session(*victim, CloseCause::evicted);
    }
    Upstream& upstream = upstreams_[listener.upstream];
    // hash balancing by the client's IP, from its bytes (no string per session).
    const auto ip = std::span(client.octets()).first(client.is_ipv4() ? 4 : 16);
    const auto index = upstream.pick(Clock::now(), stable_hash(std::as_bytes(ip)), {});
    if (!index) {
        listener.udp.drop(UdpDrop::no_server);
        return std::nullopt;
    }
    ServerRuntime& server = upstream.servers()[*index];
    auto socket = connected_socket(listener, server.config.address.inet());
    if (!socket) return std::nullopt;  // dropped (counted)
    const SlabKey key = sessions_.emplace();
    UdpSession& s = *sessions_.get(key);
    s.socket.emplace(std::move(*socket));
    if (!loop_.registry().register_source(*s.socket, token_of(TokenKind::session, key.value),
                                          mio::Interest::readable)) {
        (void)sessions_.remove(key);
        listener.udp.drop(UdpDrop::error);
        return std::nullopt;
    }
    s.client = client;
    s.listener = binding.info.owner.id;
    s.binding = binding.info.index;
    s.upstream = listener.upstream;
    s.server = static_cast<std::uint32_t>(*index);
    s.proxy_protocol = server.config.proxy_protocol.value_or(upstream.config().proxy_protocol);
    s.created = Clock::now();
    if (!client_ip.empty()) {
        per_ip_.add(client_ip);
        s.ip_counted = true;
    }
    SessionKey id{binding.info.index, client};
    if (listener.config.udp.session_key == SessionKeyMode::src_ip) id.client.set_port(0);
    table.insert(id, key);
    ++listener.open;
    ++upstream.users;
    listener.metrics->on_open();
    ++server.active;
    ++server.connections_total;
    loop_.idle().add(token_of(TokenKind::session, key.value).value,
                     loop_.now_tick() + IdleWheel::ticks_in(listener.config.udp.idle_timeout));
    return key;
}

// The v2 header (UDP) in front of `data`, in the room its slot keeps before it: the spec
// puts one before every datagram of a session.
std::span<const std::byte> ProxyServer::with_proxy_header(const UdpSession& s,
                                                          const UdpBinding& binding,
                                                          std::span<std::byte> data) {
    const std::uint32_t index = binding.info.index;
    if (udp_local_.size() <= index) udp_local_.resize(index + 1);
    if (!udp_local_[index]) {  // a bound socket's address does not change: asked once
        if (auto local = binding.socket->local_addr()) udp_local_[index] = *local;
    }
    std::array<std::byte, kMaxProxyHeader> header;
    const std::size_t n = encode_proxy_header(s.proxy_protocol, ProxyTransport::datagram, s.client,
                                              udp_local_[index], header);
    std::memcpy(data.data() - n, header.data(), n);
    return {data.data() - n, data.size() + n};
}

// A socket connected to `to` for a new session; nullopt (the drop counted) if none can be had.
std::optional<mio::net::UdpSocket> ProxyServer::connected_socket(ProxyListener& listener,
                                                                 const mio::net::SocketAddr& to) {
    auto socket = mio::net::UdpSocket::connected(to);  // no bind(): the kernel picks the port
    if (socket) return std::move(*socket);
    const bool out_of_fds = socket.error() == std::errc::too_many_files_open ||
                            socket.error() == std::errc::too_many_files_open_in_system;
    listener.udp.drop(out_of_fds ? UdpDrop::no_socket : UdpDrop::error);
    return std::nullopt;
}

// Server -> client, on the session socket's readable edge, in batches. True: the budget ran
// out with more to read.
bool ProxyServer::serve_session(SlabKey key, UdpSession& s) {
    for (int round = 0; round < kDatagramRounds; ++round) {
        auto got = s.socket->recv_batch(udp_slots_);
        if (!got) {
            if (!mio::is_would_block(got.error())) session_failed(key, s, got.error());
            return false;
        }
        for (std::size_t i = 0; i < *got; ++i) {
            const mio::net::DatagramSlot& slot = udp_slots_[i];
            if (!reply(key, s, slot.buffer.first(std::min(slot.size, slot.buffer.size()))))
                return false;  // the session ended
        }
        if (*got < udp_slots_.size()) return false;  // a short batch: the queue is empty
    }
    return true;
}

// One reply to the session's client; false if it ended the session.
bool ProxyServer::reply(SlabKey key, UdpSession& s, std::span<const std::byte> data) {
    ProxyListener& listener = listeners_[s.listener];
    ServerRuntime& server = upstreams_[s.upstream].servers()[s.server];
    server.bytes_from_server += data.size();
    if (s.responses++ == 0) server.health.on_connect_success(Clock::now());
    s.last_active = loop_.now_tick();
    // Sent with this turn's other replies from the same socket (flush_replies). The session
    // counts the bytes now, as it may end before they leave; a reply that is then dropped
    // (a full send buffer) is counted as a drop of the listener, and stays in the session's
    // bytes_out.
    if (!replies_.fits_with(s.binding, data.size())) flush_replies();
    replies_.add(s.binding, s.listener, data, s.client);
    s.bytes_out += data.size();
    // Replies are expected per request: a client that has several requests in flight on one
    // socket (a resolver does) keeps its session until each has its answers.
    const std::uint32_t expected = listener.config.udp.expected_responses;
    if (expected != 0 && s.responses >= std::uint64_t{s.requests} * expected) {
        close_session(key, CloseCause::responses);
        return false;
    }
    return true;
}

void ProxyServer::flush_replies() {
    if (replies_.empty()) return;
    ProxyListener& listener = listeners_[replies_.listener()];
    UdpBinding* binding = loop_.listeners().udp_binding(replies_.binding());
    if (binding == nullptr || !binding->socket) {  // the listener socket is gone (reload)
        return listener.udp.drop(UdpDrop::client_busy, replies_.discard());
    }
    const UdpReplyBatch::Outcome out = replies_.flush(*binding->socket);
    listener.udp.datagrams_out += out.sent;
    listener.metrics->bytes_out += out.sent_bytes;
    listener.udp.drop(UdpDrop::client_busy, out.busy);
    listener.udp.drop(UdpDrop::error, out.failed);
}

// A send or receive on the session socket failed: a refusal (ICMP port unreachable) is the
// server's failure and ends the session; another error drops the datagram.
void ProxyServer::session_failed(SlabKey key, UdpSession& s, const std::error_code& ec) {
    ProxyListener& listener = listeners_[s.listener];
    listener.udp.drop(UdpDrop::error);
    if (!is_refused(ec)) return;
    ServerRuntime& server = upstreams_[s.upstream].servers()[s.server];
    ++server.connect_errors;
    server.health.on_connect_failure(Clock::now());
    listener.metrics->add_error(ErrorKind::connect);
    log_ctx(spdlog::level::debug, {listener.config.name, key.index(), server.label}, "udp: {}",
            ec.message());
    close_session(key, CloseCause::server_reset);
}

void ProxyServer::close_session(SlabKey key, CloseCause cause) {
    auto s = sessions_.remove(key);
    if (!s) return;
    log_session(*s, cause);
    // No deregister_source: the socket closes when `s` goes, and closing a registered
    // source removes it on every backend (epoll forgets a closed descriptor; poll(2)'s table
    // entry goes with the IoSource), which saves a system call per session (per DNS query).
    ProxyListener& listener = listeners_[s->listener];
    listener.sessions->erase(key);
    --listener.open;
    listener.metrics->on_close();
    --upstreams_[s->upstream].servers()[s->server].active;
    --upstreams_[s->upstream].users;
    if (s->ip_counted) per_ip_.remove(s->client.ip_string());
    release_if_done(listener);
    log_conn(spdlog::level::debug, listener.config.name, key.index(), "udp session {}",
             find_name(kCloseCauseNames, cause).value_or("?"));
}

std::optional<std::uint32_t> ProxyServer::check_session_idle(SlabKey key, std::uint32_t expiry) {
    UdpSession* s = sessions_.get(key);
    if (s == nullptr) return std::nullopt;
    ProxyListener& listener = listeners_[s->listener];
    const std::uint32_t due =
        s->last_active + IdleWheel::ticks_in(listener.config.udp.idle_timeout);
    if (due > expiry) return due;
    ++listener.udp.sessions_expired;
    close_session(key, CloseCause::idle_timeout);
    return std::nullopt;
}

void ProxyServer::on_drain() {
    for (SlabKey key : sessions_.keys())
        close_session(key, CloseCause::drain);
}

void ProxyServer::close_sessions_of(std::uint32_t listener) {
    for (SlabKey key : sessions_.keys()) {
        if (sessions_.get(key)->listener == listener) close_session(key, CloseCause::drain);
    }
}

}  // namespace app
