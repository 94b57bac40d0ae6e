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
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "proxy_server.hpp"

namespace app {
namespace {

constexpr int kRounds = 8;

// Straight to the kernel, as libpoll's recv/send: glibc's splice() is a cancellation point,
// which costs a switch of the thread's cancellation state around every call in a
// multi-threaded process (about 1% of CPU when streaming), and these calls never block.
mio::Result<std::size_t> splice_once(int in, int out, std::size_t len) {
    const long n = ::syscall(SYS_splice, static_cast<long>(in), nullptr, static_cast<long>(out),
                             nullptr, len, static_cast<long>(SPLICE_F_NONBLOCK | SPLICE_F_MOVE));
    if (n < 0) return mio::fail(mio::last_os_error());
    return static_cast<std::size_t>(n);
}

// What a kernel (or sandbox) without splice for these descriptors answers.
bool splice_unsupported(const std::error_code& ec) {
    return ec == std::errc::invalid_argument || ec == std::errc::function_not_supported ||
           ec == std::errc::operation_not_supported;
}

}  // namespace

SpliceMode ProxyServer::splice_mode() const noexcept {
    return splice_unsupported_ ? SpliceMode::off : config_.runtime.splice;
}

ProxyServer::Flow ProxyServer::relay_splice(SlabKey key, Tunnel& t, Side& from, Side& to,
                                            Direction& dir, bool upward) {
    SplicePipe& pipe = *dir.pipe;
    const std::size_t cap = pipe.capacity;
    ServerRuntime& server = upstreams_[t.upstream].servers()[*t.server_index];
    ListenerMetrics& metrics = *listeners_[t.listener].metrics;
    if (splice_mode() == SpliceMode::off) dir.bulk = false;  // turned off by a reload
    for (int round = 0; round < kRounds; ++round) {
        bool progress = false;
        if (pipe.bytes > 0 && to.can_write && !to.shut) {
            auto n = std::visit(
                [&](auto& s) {
                    return s.try_io(
                        [&](int fd) { return splice_once(pipe.read_end.get(), fd, pipe.bytes); });
                },
                *to.stream);
            if (n) {
                pipe.bytes -= *n;
                spliced_bytes_ += *n;
                progress = *n > 0;
                if (*n > 0) pipe.full = false;
                if (upward)
                    server.bytes_to_server += *n;
                else
                    metrics.bytes_out += *n;
            } else if (mio::is_would_block(n.error())) {
                to.can_write = false;  // the pipe has data, so the socket is full
                watch_writes(key, to, upward);
            } else {
                return Flow::reset_to;
            }
        }
        if (pipe.bytes == 0 && !dir.bulk) {
            // splice = auto and the traffic is no longer bulk: back to the buffer.
            dir.pipe.reset();
            return Flow::more;
        }
        if (!from.eof && from.can_read && !pipe.full && pipe.bytes < cap) {
            const std::size_t asked = cap - pipe.bytes;
            auto n = std::visit(
                [&](auto& s) {
                    return s.try_io(
                        [&](int fd) { return splice_once(fd, pipe.write_end.get(), asked); });
                },
                *from.stream);
            if (n && *n > 0) {
                pipe.bytes += *n;
                progress = true;
                if (*n < asked && *n < cap / 4 && splice_mode() == SpliceMode::auto_) {
                    dir.bulk = false;  // little data and the socket (likely) drained
                }
                if (upward)
                    metrics.bytes_in += *n;
                else
                    server.bytes_from_server += *n;
            } else if (n) {
                from.eof = true;
                progress = true;
            } else if (mio::is_would_block(n.error())) {
                // Fix (found by tests/e2e/proxy_stream_e2e_test.cpp, splice 64 MiB): EAGAIN
                // here means "socket drained" OR "pipe full". A pipe's capacity is counted in
                // page slots, and socket data often fills a slot only partly, so the pipe can
                // be full with far fewer than `cap` bytes in it. Treating that as "drained"
                // cleared can_read while data was still queued on the socket: with edge
                // triggering no new edge came and the tunnel stalled for good. Only an empty
                // pipe proves the socket is drained; otherwise retry once bytes have left it.
                if (pipe.bytes == 0) {
                    from.can_read = false;
                } else {
                    pipe.full = true;
                }
            } else if (splice_unsupported(n.error()) && pipe.bytes == 0) {
                // Nothing was moved: carry on through buffers, for every connection.
                if (!splice_unsupported_) {
                    spdlog::warn("splice: {}; relaying through buffers from now on",
                                 n.error().message());
                }
                splice_unsupported_ = true;
                dir.bulk = false;
                dir.pipe.reset();
                return Flow::more;
            } else {
                return Flow::reset_from;
            }
        }
        if (from.eof && pipe.bytes == 0 && !to.shut) {
            shut_write(to);
            progress = true;
        }
        if (progress) t.last_active = now_tick_;
        if (!progress) return Flow::idle;
    }
    return Flow::more;
}

}  // namespace app
