// The relay of one direction of a tunnel: through a pooled buffer (here) or, while it carries
// bulk data and splice is on, through a pipe (proxy_splice.cpp). Backpressure both ways: a
// direction reads only while its buffer has room, and a full buffer stops reading until the
// other side takes bytes. A FIN goes on once everything before it has been delivered.
#include "proxy_server.hpp"

namespace app {
namespace {

constexpr int kRounds = 8;

}  // namespace

void shut_write(Side& side) {
    (void)std::visit([](auto& s) { return s.shutdown(mio::net::Shutdown::write); }, *side.stream);
    side.shut = true;
}

ProxyServer::Flow ProxyServer::pump(SlabKey key, Tunnel& t, Side& from, Side& to, Direction& dir,
                                    bool upward) {
    if (dir.pipe) return relay_splice(key, t, from, to, dir, upward);
    const Flow flow = relay(key, t, from, to, dir, upward);
    if (flow != Flow::to_splice) return flow;
    dir.pipe = pipes_->acquire();
    if (dir.pipe) return relay_splice(key, t, from, to, dir, upward);
    // No pipe to be had (descriptor or memory limits): go on through the buffer; the next
    // read that fills it asks again.
    dir.bulk = false;
    return relay(key, t, from, to, dir, upward);
}

void ProxyServer::watch_writes(SlabKey key, Side& side, bool server_side) {
    if (side.watch_write) return;
    // Once a socket has been full it stays watched: re-registering each time would cost a
    // system call per burst on a streaming connection.
    side.watch_write = true;
    (void)std::visit(
        [&](auto& s) {
            return poll_.registry().reregister_source(
                s, tunnel_token(key, server_side),
                mio::Interest::readable | mio::Interest::writable);
        },
        *side.stream);
}

ProxyServer::Flow ProxyServer::relay(SlabKey key, Tunnel& t, Side& from, Side& to, Direction& dir,
                                     bool upward) {
    IoBuffer& buf = dir.buf;
    const bool connected = t.state == Tunnel::State::open;
    ServerRuntime* server =
        t.server_index ? &upstreams_[t.upstream].servers()[*t.server_index] : nullptr;
    ListenerMetrics& metrics = *listeners_[t.listener].metrics;
    for (int round = 0; round < kRounds; ++round) {
        bool progress = false;
        if (connected && !buf.empty() && to.can_write && !to.shut) {
            const std::size_t offered = buf.readable_bytes();
            auto n = std::visit([&](auto& s) { return s.write(buf.readable_span()); }, *to.stream);
            if (n) {
                buf.consume(*n);
                progress = *n > 0;
                // A short write filled the socket buffer: wait for writable (libpoll re-arms).
                if (*n < offered) {
                    to.can_write = false;
                    watch_writes(key, to, upward);
                }
                if (upward) {
                    if (server) server->bytes_to_server += *n;
                } else {
                    metrics.bytes_out += *n;
                }
            } else if (mio::is_would_block(n.error())) {
                to.can_write = false;
                watch_writes(key, to, upward);
            } else {
                return Flow::reset_to;
            }
        }
        if (!from.eof && from.can_read) {
            if (dir.bulk && connected && buf.empty()) {
                (void)buf.release_if_empty();
                return Flow::to_splice;  // bulk data and nothing buffered: splice from here on
            }
            t.starved = !buf.ensure(*pool_);
            if (!t.starved && buf.writable_bytes() == 0) buf.compact();
            if (!t.starved && buf.writable_bytes() > 0) {
                const std::size_t room = buf.writable_bytes();
                auto n =
                    std::visit([&](auto& s) { return s.read(buf.writable_span()); }, *from.stream);
                if (n && *n > 0) {
                    buf.commit(*n);
                    progress = true;
                    // A short read emptied the socket: skip the read that would say WouldBlock
                    // (libpoll re-arms on it), unless a FIN is known to be waiting behind it.
                    if (*n < room && !from.fin_hint) from.can_read = false;
                    // One read filled a whole buffer: bulk data, worth splicing.
                    if (*n == buf.capacity() && splice_mode() != SpliceMode::off) {
                        dir.bulk = true;
                    }
                    if (upward) {
                        metrics.bytes_in += *n;
                    } else if (server) {
                        server->bytes_from_server += *n;
                    }
                } else if (n) {
                    from.eof = true;
                    progress = true;
                } else if (mio::is_would_block(n.error())) {
                    from.can_read = false;
                } else {
                    return Flow::reset_from;
                }
            }
        }
        if (buf.empty()) (void)buf.release_if_empty();
        // Half-close: the FIN goes on once everything before it has been delivered.
        if (connected && from.eof && buf.empty() && !to.shut) {
            shut_write(to);
            progress = true;
        }
        if (progress) t.last_active = now_tick_;
        if (!progress) return Flow::idle;
    }
    return Flow::more;
}

}  // namespace app
