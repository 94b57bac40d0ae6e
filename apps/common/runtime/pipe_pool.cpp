#include "runtime/pipe_pool.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <utility>

namespace app {
namespace {

constexpr std::size_t kMaxIdle = 64;
constexpr auto kRetryAfterRefusal = std::chrono::seconds(1);

}  // namespace

PipePool::PipePool(std::size_t pipe_size, std::size_t max_pipes, BufferPool& budget)
    : pipe_size_(pipe_size),
      max_pipes_(max_pipes),
      max_idle_(std::min(kMaxIdle, max_pipes)),
      budget_(budget) {
    idle_.reserve(max_idle_);  // give_back() never allocates
}

std::size_t PipePool::default_max_pipes() noexcept {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 1024;
    // A pipe is two descriptors: pipes may take a quarter of the limit.
    return static_cast<std::size_t>(limit.rlim_cur / 8);
}

void PipeReturn::operator()(SplicePipe* pipe) const noexcept {
    pipe->pool->give_back(std::unique_ptr<SplicePipe>(pipe));
}

PipeHandle PipePool::acquire() {
    if (in_use_ >= max_pipes_ || !budget_.reserve()) {
        ++refused_total_;
        return nullptr;
    }
    std::unique_ptr<SplicePipe> pipe;
    if (!idle_.empty()) {
        pipe = std::move(idle_.back());
        idle_.pop_back();
    } else {
        pipe = create();
    }
    if (!pipe) {
        budget_.unreserve();
        ++refused_total_;
        return nullptr;
    }
    ++in_use_;
    pipe->pool = this;
    return PipeHandle(pipe.release());
}

std::unique_ptr<SplicePipe> PipePool::create() {
    const auto now = std::chrono::steady_clock::now();
    if (now < retry_after_) return nullptr;
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        retry_after_ = now + kRetryAfterRefusal;
        return nullptr;
    }
    auto pipe = std::make_unique<SplicePipe>();
    pipe->read_end.reset(fds[0]);
    pipe->write_end.reset(fds[1]);
    // The pipe is this direction's buffer: give it buffer_size. F_SETPIPE_SZ fails above
    // /proc/sys/fs/pipe-max-size (or pipe-user-pages-soft); the pipe then keeps its size, and
    // capacity says how much of it to use.
    const int wanted = static_cast<int>(std::min<std::size_t>(pipe_size_, INT_MAX));
    int size = ::fcntl(fds[1], F_SETPIPE_SZ, wanted);
    if (size <= 0) size = ::fcntl(fds[1], F_GETPIPE_SZ);
    pipe->capacity = std::min(pipe_size_, size > 0 ? static_cast<std::size_t>(size) : 4096);
    return pipe;
}

void PipePool::give_back(std::unique_ptr<SplicePipe> pipe) noexcept {
    --in_use_;
    budget_.unreserve();
    if (pipe->bytes == 0 && idle_.size() < max_idle_) {
        pipe->full = false;
        idle_.push_back(std::move(pipe));  // capacity reserved: cannot throw
    }
    // Otherwise the pipe (and any bytes left in it) is closed here.
}

}  // namespace app
