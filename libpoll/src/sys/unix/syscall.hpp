#pragma once
// Turning the -1/errno convention of Unix system calls into mio::Result.

#include <sys/types.h>

#include <cerrno>
#include <cstddef>

#include <mio/error.hpp>

namespace mio::sys {

/// `rv` if non-negative, else the errno of the failed call.
template <class T>
[[nodiscard]] inline Result<T> check(T rv) noexcept {
    if (rv < 0) return fail(last_os_error());
    return rv;
}

/// Like check(), for calls whose success value is not interesting.
[[nodiscard]] inline Result<void> check_void(int rv) noexcept {
    if (rv < 0) return fail(last_os_error());
    return {};
}

/// Runs `call` (a read/write-style system call: bytes moved, or -1 and errno) until it does not
/// fail with EINTR. Non-blocking calls are interrupted only before anything was transferred, so
/// a retry is always safe and callers never see EINTR from I/O: every socket and pipe transfer
/// of libpoll goes through here. Errors: errno of the last call. Thread safety: that of `call`.
template <class Call>
[[nodiscard]] Result<std::size_t> retry_io(Call call) noexcept {
    for (;;) {
        const ssize_t n = call();
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) return fail(last_os_error());
    }
}

}  // namespace mio::sys
