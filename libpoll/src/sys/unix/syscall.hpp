#pragma once
// Turning the -1/errno convention of Unix system calls into mio::Result.

#include <sys/types.h>

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

}  // namespace mio::sys
