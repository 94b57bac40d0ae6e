// StreamRelay: the buffered path is the shared pump; the splice path below keeps its rules
// with a pipe in place of the buffer. Every splice runs through the stream's try_io(), so a
// WouldBlock re-arms the registration on backends that emulate edges.
#include "runtime/stream_relay.hpp"

#include <spdlog/spdlog.h>

#include "runtime/splice.hpp"

namespace app {

Flow StreamRelay::pump(const mio::Registry& registry, PumpEnd from, PumpEnd to, RelayDirection& dir,
                       bool deliver, PumpTally& tally) {
    if (dir.pipe) return splice(registry, from, to, dir, tally);
    const bool may_splice = mode() != SpliceMode::off;
    Flow flow = copy(registry, from, to, dir, deliver, may_splice, tally);
    if (flow != Flow::to_splice) return flow;
    dir.pipe = pipes_.acquire();
    if (dir.pipe) return splice(registry, from, to, dir, tally);
    // No pipe to be had (descriptor or memory limits): go on through the buffer, without
    // asking again in this call (Flow::to_splice would reach the caller, who does not know
    // it: the direction would wait for an event with data still queued); the next call asks.
    dir.bulk = false;
    return copy(registry, from, to, dir, deliver, false, tally);
}

Flow StreamRelay::copy(const mio::Registry& registry, PumpEnd from, PumpEnd to, RelayDirection& dir,
                       bool deliver, bool may_splice, PumpTally& tally) {
    const PumpPolicy policy{
        .deliver = deliver,
        .forward_fin = true,
        .bulk = may_splice ? &dir.bulk : nullptr,
    };
    return pump_stream(registry, from, to, dir.buf, buffers_, policy, tally);
}

// Pipe -> `to`. Step::failed: the write side's error.
StreamRelay::Step StreamRelay::splice_out(const mio::Registry& registry, PumpEnd to,
                                          SplicePipe& pipe, PumpTally& tally) {
    auto n = to.stream.try_io(
        [&](int fd) { return splice_nonblocking(pipe.read_end.get(), fd, pipe.bytes); });
    if (!n) {
        if (!mio::is_would_block(n.error())) return Step::failed;
        // The pipe has data, so the socket is full.
        return watch_writable(registry, to) ? Step::ok : Step::rearm_failed;
    }
    pipe.bytes -= *n;
    spliced_bytes_ += *n;
    tally.written += *n;
    if (*n > 0) {
        pipe.full = false;
        tally.progress = true;
    }
    return Step::ok;
}

// `from` -> pipe. Step::unsupported: the kernel refused splice before anything moved.
StreamRelay::Step StreamRelay::splice_in(PumpEnd from, RelayDirection& dir, PumpTally& tally) {
    SplicePipe& pipe = *dir.pipe;
    const std::size_t asked = pipe.capacity - pipe.bytes;
    auto n = from.stream.try_io(
        [&](int fd) { return splice_nonblocking(fd, pipe.write_end.get(), asked); });
    if (n) {
        tally.progress = true;
        if (*n == 0) {
            from.side.eof = true;
            return Step::ok;
        }
        pipe.bytes += *n;
        tally.read += *n;
        if (*n < asked && *n < pipe.capacity / 4 && mode() == SpliceMode::automatic) {
            dir.bulk = false;  // little data and the socket (likely) drained
        }
        return Step::ok;
    }
    if (mio::is_would_block(n.error())) {
        // EAGAIN means "socket drained" OR "pipe full": a pipe's capacity counts page slots,
        // and socket data often fills a slot only partly, so it can be full with far fewer
        // than `capacity` bytes. Taking that for "drained" would clear can_read with data
        // still queued, and with edge triggering no new edge would come: the direction would
        // stall. Only an empty pipe proves the socket is drained; otherwise retry once bytes
        // have left the pipe.
        if (pipe.bytes == 0) {
            from.side.can_read = false;
        } else {
            pipe.full = true;
        }
        return Step::ok;
    }
    if (is_splice_unsupported(n.error()) && pipe.bytes == 0) {
        if (!unsupported_) {
            spdlog::warn("splice: {}; relaying through buffers from now on", n.error().message());
        }
        unsupported_ = true;  // for every connection from now on
        return Step::unsupported;
    }
    return Step::failed;
}

Flow StreamRelay::splice(const mio::Registry& registry, PumpEnd from, PumpEnd to,
                         RelayDirection& dir, PumpTally& tally) {
    SplicePipe& pipe = *dir.pipe;
    if (mode() == SpliceMode::off) dir.bulk = false;  // turned off by a reload
    for (int round = 0; round < kPumpRounds; ++round) {
        const bool before = tally.progress;
        tally.progress = false;
        if (pipe.bytes > 0 && to.side.can_write && !to.side.shut) {
            const Step s = splice_out(registry, to, pipe, tally);
            if (s == Step::failed) return Flow::write_failed;
            if (s == Step::rearm_failed) return Flow::rearm_failed;
        }
        const bool leave = pipe.bytes == 0 && !dir.bulk;
        if (!leave && !from.side.eof && from.side.can_read && !pipe.full &&
            pipe.bytes < pipe.capacity) {
            const Step s = splice_in(from, dir, tally);
            if (s == Step::failed) return Flow::read_failed;
            if (s == Step::unsupported) dir.bulk = false;
        }
        if (pipe.bytes == 0 && !dir.bulk) {
            dir.pipe.reset();  // no longer bulk: back to the buffer
            tally.progress = tally.progress || before;
            return Flow::more;
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
