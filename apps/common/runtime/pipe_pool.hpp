#pragma once
// SplicePipe and PipePool: the kernel pipes of the splice(2) relay (runtime/stream_relay.hpp). A
// spliced direction moves bytes socket -> pipe -> socket, so they never enter user space; the pipe
// stands in for that direction's buffer and is sized like one (buffer_size).
//
// Pipes are pooled: an empty pipe goes back to the pool when its direction stops splicing or
// its tunnel closes, and is handed out again without a system call. Each pipe in use counts as
// one buffer against the BufferPool's budget (memory_limit), so splicing cannot grow memory
// past it, and the number of pipes is capped so that they use at most a quarter of the
// process's descriptor limit (accepting clients needs descriptors more than splicing does).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <mio/unique_fd.hpp>

#include "runtime/buffer_pool.hpp"

namespace app {

class PipePool;

/// One direction's pipe.
struct SplicePipe {
    mio::UniqueFd read_end;
    mio::UniqueFd write_end;
    std::size_t bytes = 0;     ///< bytes in the pipe
    std::size_t capacity = 0;  ///< most bytes to hold: min(buffer_size, the kernel's pipe size)
    /// The last socket -> pipe splice met EAGAIN with bytes in the pipe: the pipe may be full
    /// (its capacity counts page slots, not bytes); no more reads into it until bytes have
    /// left it.
    bool full = false;
    /// The pool it goes back to (kept here, not in the handle, so a handle is one pointer).
    PipePool* pool = nullptr;
};

/// Gives a pipe back to its pool (the deleter of PipeHandle).
struct PipeReturn {
    void operator()(SplicePipe* pipe) const noexcept;
};

/// A pipe handed out by a PipePool; destroying or resetting the handle gives it back. The pool
/// must outlive its handles.
using PipeHandle = std::unique_ptr<SplicePipe, PipeReturn>;

/// A pool of empty pipes. Thread safety: none (single event-loop thread).
class PipePool {
public:
    /// Pipes of `pipe_size` bytes (rounded up by the kernel), at most `max_pipes` at a time,
    /// each taking one buffer of `budget` while handed out. `budget` must outlive the pool.
    PipePool(std::size_t pipe_size, std::size_t max_pipes, BufferPool& budget);
    PipePool(const PipePool&) = delete;
    PipePool& operator=(const PipePool&) = delete;
    ~PipePool() = default;

    /// An empty pipe, or nullptr when max_pipes are out, the budget is exhausted, or the
    /// kernel refused a new pipe (then no new pipe is tried for a second, so a process out of
    /// descriptors does not pay a failing pipe2() per read). Callers relay through buffers
    /// instead. Errors: std::bad_alloc.
    [[nodiscard]] PipeHandle acquire();

    /// The largest number of pipes handed out at once (from the descriptor limit).
    [[nodiscard]] static std::size_t default_max_pipes() noexcept;

    [[nodiscard]] std::size_t in_use() const noexcept { return in_use_; }
    [[nodiscard]] std::size_t idle() const noexcept { return idle_.size(); }
    [[nodiscard]] std::size_t max_pipes() const noexcept { return max_pipes_; }
    /// acquire() calls that found no pipe (limit, budget or kernel refusal).
    [[nodiscard]] std::uint64_t refused_total() const noexcept { return refused_total_; }

private:
    friend struct PipeReturn;
    std::unique_ptr<SplicePipe> create();
    /// Takes a pipe back: an empty one is kept for reuse (up to a bound), any other is closed.
    void give_back(std::unique_ptr<SplicePipe> pipe) noexcept;

    std::size_t pipe_size_;
    std::size_t max_pipes_;
    std::size_t max_idle_;
    BufferPool& budget_;
    std::size_t in_use_ = 0;
    std::uint64_t refused_total_ = 0;
    std::chrono::steady_clock::time_point retry_after_{};
    std::vector<std::unique_ptr<SplicePipe>> idle_;
};

}  // namespace app
