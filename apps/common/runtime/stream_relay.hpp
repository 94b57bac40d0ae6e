#pragma once
// StreamRelay: one direction of a two-socket relay (mio-proxy's tunnels), moved through a
// pooled buffer by the shared pump (runtime/stream_pump.hpp) or, while the direction carries
// bulk data, through a kernel pipe with splice(2), so the bytes never enter user space. Both
// ways keep the pump's rules and report the same Flow: bounded by one buffer (or one pipe of
// the same size) per direction, backpressure both ways, a FIN forwarded once everything before
// it is delivered, failures reported for the caller to forward as resets.
//
// Splicing costs one system call more than copying for a small message (a drained socket is
// only known from an EAGAIN), so SpliceMode::automatic splices a direction only from the read
// that fills a whole buffer until a splice finds the socket drained with less than a quarter
// of a buffer; the pipe then goes back to the pool once empty. Without a pipe (descriptor or
// memory limits, or a kernel that refuses splice for these sockets) a direction copies.

#include <cstdint>

#include <mio/registry.hpp>

#include "runtime/buffer_pool.hpp"
#include "runtime/pipe_pool.hpp"
#include "runtime/stream_pump.hpp"

namespace app {

/// When a relay splices instead of copying.
///   off        never
///   automatic  per direction, while it carries bulk data (see above)
///   always     every direction of every connection, from its start
enum class SpliceMode : std::uint8_t { off, automatic, always };

/// One direction of a relay: a buffer, or a pipe while it splices.
struct RelayDirection {
    IoBuffer buf;
    PipeHandle pipe;  ///< from the PipePool, while splicing
    /// Splice once the buffer is empty: mode always, or automatic and a read filled the whole
    /// buffer. Cleared (automatic) when a splice finds little data.
    bool bulk = false;
};

/// The relay of every direction of a daemon: the pools, the splice mode and its counters.
/// Thread safety: none (the event-loop thread).
class StreamRelay {
public:
    /// Buffers from `buffers`, pipes from `pipes`; both must outlive the relay.
    StreamRelay(BufferPool& buffers, PipePool& pipes, SpliceMode mode) noexcept
        : buffers_(buffers), pipes_(pipes), mode_(mode) {}

    /// Changes the mode (a reload); directions that splice finish their pipe first.
    void set_mode(SpliceMode mode) noexcept { mode_ = mode; }
    /// The configured mode, or off once the kernel has refused splice(2) (then for good: one
    /// warning is logged, every direction copies).
    [[nodiscard]] SpliceMode mode() const noexcept {
        return unsupported_ ? SpliceMode::off : mode_;
    }
    /// Prepares a new connection's direction (mode always: splice from the first byte).
    void start(RelayDirection& dir) const noexcept { dir.bulk = mode() == SpliceMode::always; }

    /// Moves bytes `from` -> `to` through `dir` (read only, no write, while !deliver: `to` is
    /// still connecting) and counts them in `tally`. Errors are the Flow: read_failed,
    /// write_failed, rearm_failed; never thrown.
    [[nodiscard]] Flow pump(const mio::Registry& registry, PumpEnd from, PumpEnd to,
                            RelayDirection& dir, bool deliver, PumpTally& tally);

    /// Bytes delivered out of pipes, both directions, since start.
    [[nodiscard]] std::uint64_t spliced_bytes() const noexcept { return spliced_bytes_; }

private:
    enum class Step : std::uint8_t { ok, failed, rearm_failed, unsupported };
    Flow copy(const mio::Registry& registry, PumpEnd from, PumpEnd to, RelayDirection& dir,
              bool deliver, bool may_splice, PumpTally& tally);
    Flow splice(const mio::Registry& registry, PumpEnd from, PumpEnd to, RelayDirection& dir,
                PumpTally& tally);
    Step splice_out(const mio::Registry& registry, PumpEnd to, SplicePipe& pipe, PumpTally& tally);
    Step splice_in(PumpEnd from, RelayDirection& dir, PumpTally& tally);

    BufferPool& buffers_;
    PipePool& pipes_;
    SpliceMode mode_;
    bool unsupported_ = false;  ///< splice(2) answered EINVAL/ENOSYS/EOPNOTSUPP
    std::uint64_t spliced_bytes_ = 0;
};

}  // namespace app
