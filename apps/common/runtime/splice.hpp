#pragma once
// splice(2) for the daemons: mio-proxy's relay moves bytes socket -> pipe -> socket with it, so
// they never enter user space (runtime/stream_relay.hpp, pipe_pool.hpp).

#include <cstddef>
#include <system_error>

#include <mio/error.hpp>

namespace app {

/// Moves up to `len` bytes from `from_fd` to `to_fd` inside the kernel; one of the two must be
/// a pipe. Never blocks on the pipe (SPLICE_F_NONBLOCK); the socket side must be non-blocking
/// itself (libpoll's sockets are). SPLICE_F_MOVE asks for pages to be moved, not copied. An
/// interrupted call is retried (runtime/retry.hpp). Returns the bytes moved; 0 means end of
/// stream on `from_fd` (or `len` was 0).
/// Errors: the OS error: WouldBlock (mio::is_would_block) when there is nothing to read or no
/// room to write (a pipe can be full with fewer bytes than its size: it counts page slots); an
/// error for which is_splice_unsupported() holds when the kernel cannot splice these
/// descriptors; any other (ECONNRESET, EPIPE, ...) is the connection's.
/// Thread safety: any thread; one system call on the caller's descriptors.
[[nodiscard]] mio::Result<std::size_t> splice_nonblocking(int from_fd, int to_fd,
                                                          std::size_t len) noexcept;

/// True if `ec` is how a kernel (or a sandbox, e.g. a seccomp filter) refuses splice for these
/// descriptors (EINVAL, ENOSYS, EOPNOTSUPP): the caller should move the bytes another way.
/// Errors: none. Thread safety: pure function.
[[nodiscard]] bool is_splice_unsupported(const std::error_code& ec) noexcept;

}  // namespace app
