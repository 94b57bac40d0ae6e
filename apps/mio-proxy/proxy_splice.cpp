// [runtime] splice = true: the relay moves bytes socket -> pipe -> socket with splice(2), so
// they never enter user space. Same semantics as the buffered relay: bounded by the pipe's
// size (buffer_size), backpressure both ways, FIN forwarded once the pipe is empty, resets
// forwarded. All splices run through the streams' try_io(), so WouldBlock re-arms the
// registration on backends that emulate edges.
#include <fcntl.h>

#include "proxy_server.hpp"

namespace app {
namespace {

constexpr int kRounds = 8;

mio::Result<std::size_t> splice_once(int in, int out, std::size_t len) {
    const ssize_t n = ::splice(in, nullptr, out, nullptr, len, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    if (n < 0) return mio::fail(mio::last_os_error());
    return static_cast<std::size_t>(n);
}

}  // namespace

bool ProxyServer::ensure_pipes(Tunnel& t) {
    auto pipes = std::make_unique<std::array<SplicePipe, 2>>();
    for (SplicePipe& p : *pipes) {
        int fds[2];
        if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return false;
        p.read_end.reset(fds[0]);
        p.write_end.reset(fds[1]);
        // The pipe is this direction's buffer: give it buffer_size (rounded up to pages).
        (void)::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(config_.runtime.buffer_size));
    }
    t.pipes = std::move(pipes);
    return true;
}

ProxyServer::Flow ProxyServer::relay_splice(SlabKey key, Tunnel& t, Side& from, Side& to,
                                            SplicePipe& pipe, bool upward) {
    const int capacity = ::fcntl(pipe.write_end.get(), F_GETPIPE_SZ);
    const std::size_t cap = capacity > 0 ? static_cast<std::size_t>(capacity) : 65536;
    ServerRuntime& server = upstreams_[t.upstream].servers()[*t.server_index];
    ListenerMetrics& metrics = *listeners_[t.listener].metrics;
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
        if (!from.eof && from.can_read && !pipe.full && pipe.bytes < cap) {
            auto n = std::visit(
                [&](auto& s) {
                    return s.try_io([&](int fd) {
                        return splice_once(fd, pipe.write_end.get(), cap - pipe.bytes);
                    });
                },
                *from.stream);
            if (n && *n > 0) {
                pipe.bytes += *n;
                progress = true;
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
            } else {
                return Flow::reset_from;
            }
        }
        if (from.eof && pipe.bytes == 0 && !to.shut) {
            (void)std::visit([](auto& s) { return s.shutdown(mio::net::Shutdown::write); },
                             *to.stream);
            to.shut = true;
            progress = true;
        }
        if (progress) t.last_active = now_tick_;
        if (!progress) return Flow::idle;
    }
    return Flow::more;
}

}  // namespace app
