#pragma once
// The edge-triggered stream pump, written once: mio-echo's echo and mio-proxy's buffered relay
// both move bytes from one stream socket (`from`) through a pooled buffer to another (`to`;
// the same socket for an echo). mio-proxy's splice relay reports in the same Flow.
//
// Edge-triggered rules it keeps:
// - a side is read (written) only while no WouldBlock was seen since its last readable
//   (writable) event: StreamSide::on_event() sets the flags again;
// - a short read means the socket is drained, unless a FIN is known to wait behind the data
//   (read_closed), so the read that would only answer WouldBlock is skipped;
// - writable interest is registered only once a write has filled the socket up (and then
//   kept): on an idle socket it would bring an event for every ACK that frees send space;
// - backpressure: a direction reads only while its buffer has room, so memory stays bounded
//   by one buffer per direction; an idle direction gives its buffer back to the pool;
// - a FIN is forwarded (or reported) only once every byte before it has been delivered;
// - each call does at most kPumpRounds read+write rounds, so one busy peer cannot starve the
//   others: Flow::more asks the caller to run it again after the other events.

#include <cstdint>
#include <span>

#include <mio/event.hpp>
#include <mio/registry.hpp>
#include <mio/token.hpp>

#include "runtime/buffer_pool.hpp"
#include "runtime/stream.hpp"

namespace app {

/// Read+write rounds per pump call (with 16 KiB buffers: up to 128 KiB each way).
inline constexpr int kPumpRounds = 8;

/// The readiness state of one stream socket, as the pump tracks it.
struct StreamSide {
    bool can_read = false;     ///< no WouldBlock on read since the last readable event
    bool can_write = false;    ///< no WouldBlock on write since the last writable event
    bool eof = false;          ///< read returned 0: the peer sent its FIN
    bool fin_hint = false;     ///< an event said read_closed: read until 0, not to a short read
    bool watch_write = false;  ///< writable interest is registered
    bool shut = false;         ///< we sent our FIN on this socket

    /// Records what an event for this socket reports (errors count as both: the next read or
    /// write returns them).
    void on_event(const mio::Event& event) noexcept {
        if (event.is_readable() || event.is_read_closed() || event.is_error()) can_read = true;
        if (event.is_read_closed()) fin_hint = true;
        if (event.is_writable() || event.is_write_closed() || event.is_error()) can_write = true;
    }
};

/// A stream socket as the pump sees it: the socket, its flags, and its token (to re-register).
struct PumpEnd {
    Stream& stream;
    StreamSide& side;
    mio::Token token;
};

/// What a pump call left.
enum class Flow : std::uint8_t {
    idle,          ///< nothing to do until the next event
    more,          ///< the round budget ran out with work left: run again after the others
    read_failed,   ///< reading `from` failed (e.g. reset): close, or forward the reset
    write_failed,  ///< writing `to` failed (e.g. the peer is gone)
    rearm_failed,  ///< writable interest could not be registered: close and count it
    finished,      ///< `from` reached EOF, everything delivered (forward_fin off only)
    to_splice,     ///< bulk data and an empty buffer: continue with the splice relay
};

/// How one direction is pumped.
struct PumpPolicy {
    bool deliver = true;      ///< false while `to` is still connecting: read, do not write
    bool forward_fin = true;  ///< shut `to` after `from`'s EOF; false: report Flow::finished
    /// Non-null: bulk detection for splicing. A read that fills the whole buffer sets *bulk;
    /// while *bulk and the buffer is empty, the pump answers Flow::to_splice.
    bool* bulk = nullptr;
};

/// What a pump call moved, for the caller's counters and idle timer.
struct PumpTally {
    std::uint64_t read = 0;     ///< bytes read from `from`
    std::uint64_t written = 0;  ///< bytes written to `to`
    bool progress = false;      ///< anything moved (or a FIN went on): the connection is active
    bool starved = false;       ///< the pool had no buffer: retry once one is given back
};

/// Moves bytes from `from` through `buf` to `to`, following the rules above.
/// Errors are reported in the Flow, never thrown. Thread safety: the event-loop thread.
[[nodiscard]] Flow pump_stream(const mio::Registry& registry, PumpEnd from, PumpEnd to,
                               IoBuffer& buf, BufferPool& pool, const PumpPolicy& policy,
                               PumpTally& tally);

/// A write met a full socket: clears can_write and registers writable interest if it is not
/// yet. Returns false if re-registering failed (the socket would never hear of room again:
/// close the connection). Thread safety: the event-loop thread.
[[nodiscard]] bool watch_writable(const mio::Registry& registry, PumpEnd end);

/// Reads and drops input from `end` until WouldBlock or EOF (at most kPumpRounds reads into
/// `scratch`). Flow::idle: drained; Flow::more: budget spent; Flow::finished: EOF;
/// Flow::read_failed: an error. Counts the bytes in tally.read.
[[nodiscard]] Flow discard_input(PumpEnd end, std::span<std::byte> scratch, PumpTally& tally);

/// Sends our FIN on `end` and marks it shut. A failure (the peer already gone) needs nothing
/// more: the connection ends on the next read or write, which reports it.
void shut_write(PumpEnd end) noexcept;

}  // namespace app
