// The splice(2) relay: a direction with a pipe moves bytes socket -> pipe -> socket, so they
// never enter user space. Same semantics as the buffered relay (proxy_relay.cpp): bounded by
// the pipe's capacity (buffer_size), backpressure both ways, FIN forwarded once the pipe is
// empty, resets forwarded. All splices run through the streams' try_io(), so WouldBlock
// re-arms the registration on backends that emulate edges.
//
// With splice = auto, a direction splices while it carries bulk data: a splice that finds the
// socket drained after fewer than a quarter of a buffer ends it, and once the pipe is empty
// the pipe goes back to the pool and the direction copies through a buffer again (for small
// messages, a splice costs a system call more than a copy: the drained socket is only known
// from an EAGAIN).
#include <spdlog/spdlog.h>

#include "proxy_server.hpp"
#include "runtime/splice.hpp"

namespace app {

SpliceMode ProxyServer::splice_mode() const noexcept {
    return splice_unsupported_ ? SpliceMode::off : config_.runtime.splice;
}

// Pipe -> `to`. Step::failed: the write side's error.
ProxyServer::SpliceStep ProxyServer::splice_out(PumpEnd to, SplicePipe& pipe, PumpTally& tally) {
    auto n = to.stream.try_io(
        [&](int fd) { return splice_nonblocking(pipe.read_end.get(), fd, pipe.bytes); });
    if (!n) {
        if (!mio::is_would_block(n.error())) return SpliceStep::failed;
        // The pipe has data, so the socket is full.
        return watch_writable(loop_.registry(), to) ? SpliceStep::ok : SpliceStep::rearm_failed;
    }
    pipe.bytes -= *n;
    spliced_bytes_ += *n;
    tally.written += *n;
    if (*n > 0) {
        pipe.full = false;
        tally.progress = true;
    }
    return SpliceStep::ok;
}

// `from` -> pipe. Step::unsupported: the kernel refused splice before anything moved.
ProxyServer::SpliceStep ProxyServer::splice_in(PumpEnd from, Direction& dir, PumpTally& tally) {
    SplicePipe& pipe = *dir.pipe;
    const std::size_t asked = pipe.capacity - pipe.bytes;
    auto n = from.stream.try_io(
        [&](int fd) { return splice_nonblocking(fd, pipe.write_end.get(), asked); });
    if (n) {
        tally.progress = true;
        if (*n == 0) {
            from.side.eof = true;
            return SpliceStep::ok;
        }
        pipe.bytes += *n;
        tally.read += *n;
        if (*n < asked && *n < pipe.capacity / 4 && splice_mode() == SpliceMode::auto_) {
            dir.bulk = false;  // little data and the socket (likely) drained
        }
        return SpliceStep::ok;
    }
    if (mio::is_would_block(n.error())) {
        // EAGAIN means "socket drained" OR "pipe full": a pipe's capacity counts page slots,
        // and socket data often fills a slot only partly, so it can be full with far fewer
        // than `capacity` bytes. Taking that for "drained" would clear can_read with data
        // still queued, and with edge triggering no new edge would come: the tunnel would
        // stall (found by the 64 MiB splice e2e test). Only an empty pipe proves the socket
        // is drained; otherwise retry once bytes have left the pipe.
        if (pipe.bytes == 0) {
            from.side.can_read = false;
        } else {
            pipe.full = true;
        }
        return SpliceStep::ok;
    }
    if (is_splice_unsupported(n.error()) && pipe.bytes == 0) {
        if (!splice_unsupported_) {
            spdlog::warn("splice: {}; relaying through buffers from now on", n.error().message());
        }
        splice_unsupported_ = true;  // for every connection from now on
        return SpliceStep::unsupported;
    }
    return SpliceStep::failed;
}

Flow ProxyServer::relay_splice(SlabKey key, Tunnel& t, bool upward, PumpTally& tally) {
    TunnelEnd& from_end = upward ? t.client : t.server;
    TunnelEnd& to_end = upward ? t.server : t.client;
    Direction& dir = upward ? t.up : t.down;
    const PumpEnd from{*from_end.stream, from_end.side, tunnel_token(key, !upward)};
    const PumpEnd to{*to_end.stream, to_end.side, tunnel_token(key, upward)};
    SplicePipe& pipe = *dir.pipe;
    if (splice_mode() == SpliceMode::off) dir.bulk = false;  // turned off by a reload
    for (int round = 0; round < kPumpRounds; ++round) {
        const bool before = tally.progress;
        tally.progress = false;
        if (pipe.bytes > 0 && to.side.can_write && !to.side.shut) {
            const SpliceStep s = splice_out(to, pipe, tally);
            if (s == SpliceStep::failed) return Flow::write_failed;
            if (s == SpliceStep::rearm_failed) return Flow::rearm_failed;
        }
        if (pipe.bytes == 0 && !dir.bulk) {
            dir.pipe.reset();  // no longer bulk: back to the buffer
            tally.progress = tally.progress || before;
            return Flow::more;
        }
        if (!from.side.eof && from.side.can_read && !pipe.full && pipe.bytes < pipe.capacity) {
            const SpliceStep s = splice_in(from, dir, tally);
            if (s == SpliceStep::failed) return Flow::read_failed;
            if (s == SpliceStep::unsupported) {
                dir.bulk = false;
                dir.pipe.reset();
                tally.progress = tally.progress || before;
                return Flow::more;
            }
        }
        if (from.side.eof && pipe.bytes == 0 && !to.side.shut) {
            shut_write(to);
            tally.progress = true;
        }
        const bool moved = tally.progress;
        tally.progress = moved || before;
        if (!moved) return Flow::idle;
    }
    return Flow::more;
}

}  // namespace app
