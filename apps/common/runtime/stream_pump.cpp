#include "runtime/stream_pump.hpp"

#include <mio/interest.hpp>

namespace app {
namespace {

enum class Step : std::uint8_t { ok, failed, rearm_failed };

// Writes what `buf` holds to `to`; a short write means the socket buffer is full.
Step write_some(const mio::Registry& registry, PumpEnd to, IoBuffer& buf, PumpTally& tally,
                bool& progress) {
    const std::size_t offered = buf.readable_bytes();
    auto n = to.stream.write(buf.readable_span());
    if (!n) {
        if (!mio::is_would_block(n.error())) return Step::failed;
        return watch_writable(registry, to) ? Step::ok : Step::rearm_failed;
    }
    buf.consume(*n);
    tally.written += *n;
    progress = progress || *n > 0;
    if (*n < offered && !watch_writable(registry, to)) return Step::rearm_failed;
    return Step::ok;
}

// Reads into the free part of `buf` (taking a pool buffer first if it has none).
Step read_some(PumpEnd from, IoBuffer& buf, BufferPool& pool, const PumpPolicy& policy,
               PumpTally& tally, bool& progress) {
    tally.starved = !buf.ensure(pool);
    if (tally.starved) return Step::ok;
    if (buf.writable_bytes() == 0) buf.compact();
    const std::size_t room = buf.writable_bytes();
    if (room == 0) return Step::ok;  // full: waits for `to` to take bytes
    auto n = from.stream.read(buf.writable_span());
    if (!n) {
        if (!mio::is_would_block(n.error())) return Step::failed;
        from.side.can_read = false;
        return Step::ok;
    }
    if (*n == 0) {
        from.side.eof = true;
        progress = true;
        return Step::ok;
    }
    buf.commit(*n);
    tally.read += *n;
    progress = true;
    if (*n < room && !from.side.fin_hint) from.side.can_read = false;
    if (policy.bulk != nullptr && *n == buf.capacity()) *policy.bulk = true;
    return Step::ok;
}

}  // namespace

bool watch_writable(const mio::Registry& registry, PumpEnd end) {
    end.side.can_write = false;
    if (end.side.watch_write) return true;
    end.side.watch_write = true;
    return end.stream
        .reregister_with(registry, end.token, mio::Interest::readable | mio::Interest::writable)
        .has_value();
}

void shut_write(PumpEnd end) noexcept {
    (void)end.stream.shutdown_write();  // see the contract: a failure shows on the next I/O
    end.side.shut = true;
}

Flow pump_stream(const mio::Registry& registry, PumpEnd from, PumpEnd to, IoBuffer& buf,
                 BufferPool& pool, const PumpPolicy& policy, PumpTally& tally) {
    for (int round = 0; round < kPumpRounds; ++round) {
        bool progress = false;
        if (policy.deliver && !buf.empty() && to.side.can_write && !to.side.shut) {
            const Step s = write_some(registry, to, buf, tally, progress);
            if (s == Step::failed) return Flow::write_failed;
            if (s == Step::rearm_failed) return Flow::rearm_failed;
        }
        if (!from.side.eof && from.side.can_read) {
            if (policy.bulk != nullptr && *policy.bulk && policy.deliver && buf.empty()) {
                (void)buf.release_if_empty();
                return Flow::to_splice;
            }
            if (read_some(from, buf, pool, policy, tally, progress) == Step::failed) {
                return Flow::read_failed;
            }
        }
        // An idle direction holds no buffer: it goes back to the pool as soon as it is empty.
        if (buf.empty()) (void)buf.release_if_empty();
        if (policy.deliver && from.side.eof && buf.empty() && !to.side.shut) {
            if (!policy.forward_fin) {
                tally.progress = tally.progress || progress;
                return Flow::finished;
            }
            shut_write(to);
            progress = true;
        }
        tally.progress = tally.progress || progress;
        if (!progress) return Flow::idle;
    }
    return Flow::more;
}

Flow discard_input(PumpEnd end, std::span<std::byte> scratch, PumpTally& tally) {
    for (int round = 0; round < kPumpRounds; ++round) {
        if (!end.side.can_read) return Flow::idle;
        auto n = end.stream.read(scratch);
        if (!n) {
            if (!mio::is_would_block(n.error())) return Flow::read_failed;
            end.side.can_read = false;
            return Flow::idle;
        }
        if (*n == 0) {
            end.side.eof = true;
            return Flow::finished;
        }
        tally.read += *n;
        tally.progress = true;
    }
    return end.side.can_read ? Flow::more : Flow::idle;
}

}  // namespace app
