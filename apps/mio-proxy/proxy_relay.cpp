// Both directions of a tunnel, each through the shared relay (runtime/stream_relay.hpp: a
// pooled buffer, or a pipe while it carries bulk data), and how a tunnel ends: a FIN goes on
// once everything before it has been delivered, a reset is forwarded as a reset.
#include "proxy_server.hpp"

namespace app {

Flow ProxyServer::pump(SlabKey key, Tunnel& t, bool upward) {
    TunnelEnd& from = upward ? t.client : t.server;
    TunnelEnd& to = upward ? t.server : t.client;
    if (!from.stream || !to.stream) return Flow::idle;  // between two connect attempts
    PumpTally tally;
    const Flow flow =
        relay_->pump(loop_.registry(), {*from.stream, from.side, tunnel_token(key, !upward)},
                     {*to.stream, to.side, tunnel_token(key, upward)}, upward ? t.up : t.down,
                     t.state == Tunnel::State::open, tally);
    ServerRuntime* server =
        t.server_index ? &upstreams_[t.upstream].servers()[*t.server_index] : nullptr;
    ListenerMetrics& metrics = *listeners_[t.listener].metrics;
    if (upward) {
        t.bytes_in += tally.read;
        metrics.bytes_in += tally.read;
        if (server) server->bytes_to_server += tally.written;
    } else {
        if (server) server->bytes_from_server += tally.read;
        t.bytes_out += tally.written;
        metrics.bytes_out += tally.written;
    }
    if (tally.progress) t.last_active = loop_.now_tick();
    if (tally.starved) t.starved = true;
    return flow;
}

// Closes the tunnel if `flow` ends it (forwarding a reset to the other side); true if closed.
bool ProxyServer::end_on(SlabKey key, Flow flow, bool upward) {
    switch (flow) {
        case Flow::read_failed:
            close_tunnel(key, upward ? CloseCause::client_reset : CloseCause::server_reset);
            return true;
        case Flow::write_failed:
            // A write that fails: that peer is gone (reset), as if it had reset.
            close_tunnel(key, upward ? CloseCause::server_reset : CloseCause::client_reset);
            return true;
        case Flow::rearm_failed:
            if (Tunnel* t = tunnels_.get(key))
                listeners_[t->listener].metrics->add_error(ErrorKind::other);
            close_tunnel(key, CloseCause::error, "cannot watch for writable");
            return true;
        default:
            return false;
    }
}

void ProxyServer::advance(SlabKey key, Tunnel& t) {
    if (t.state == Tunnel::State::header) return read_proxy_header(key, t);
    t.starved = false;  // set again by a direction that finds the pool empty
    const Flow up = pump(key, t, true);
    if (end_on(key, up, true)) return;
    if (t.client.side.eof && t.first_fin == Tunnel::Fin::none) t.first_fin = Tunnel::Fin::client;
    if (t.state != Tunnel::State::open) {
        if (up == Flow::more) ready_.push(key, t);
        return;
    }
    const Flow down = pump(key, t, false);
    if (end_on(key, down, false)) return;
    if (t.server.side.eof && t.first_fin == Tunnel::Fin::none) t.first_fin = Tunnel::Fin::server;
    const UpstreamConfig& config = upstreams_[t.upstream].config();
    const bool both_done =
        t.client.side.eof && t.server.side.shut && t.server.side.eof && t.client.side.shut;
    const bool one_done = t.client.side.shut || t.server.side.shut;
    if (both_done || (one_done && !config.half_close)) {
        return close_tunnel(key, t.first_fin == Tunnel::Fin::server ? CloseCause::server_fin
                                                                    : CloseCause::client_fin);
    }
    if (one_done && !t.timer && config.fin_timeout.count() > 0) {
        arm_timer(key, t, config.fin_timeout);  // the other direction gets fin_timeout to end
    }
    if (t.starved) starved_.push_back(key);
    if (up == Flow::more || down == Flow::more) ready_.push(key, t);
}

}  // namespace app
