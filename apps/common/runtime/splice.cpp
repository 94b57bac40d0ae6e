#include "runtime/splice.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/retry.hpp"

namespace app {

// Straight to the kernel, as libpoll's recv/send: glibc's splice() is a cancellation point,
// which costs a switch of the thread's cancellation state around every call in a
// multi-threaded process (about 1% of CPU when streaming), and these calls never block.
mio::Result<std::size_t> splice_nonblocking(int from_fd, int to_fd, std::size_t len) noexcept {
    return retry_on_eintr([&]() noexcept -> mio::Result<std::size_t> {
        const long n =
            ::syscall(SYS_splice, static_cast<long>(from_fd), nullptr, static_cast<long>(to_fd),
                      nullptr, len, static_cast<long>(SPLICE_F_NONBLOCK | SPLICE_F_MOVE));
        if (n < 0) return mio::fail(mio::last_os_error());
        return static_cast<std::size_t>(n);
    });
}

bool is_splice_unsupported(const std::error_code& ec) noexcept {
    return ec == std::errc::invalid_argument || ec == std::errc::function_not_supported ||
           ec == std::errc::operation_not_supported;
}

}  // namespace app
