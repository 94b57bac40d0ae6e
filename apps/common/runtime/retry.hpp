#pragma once
// retry_on_eintr: the daemons' one EINTR loop.
//
// A non-blocking call is interrupted by a signal only before it has transferred anything, so
// calling it again is always safe, and a caller that saw EINTR would only have to loop itself.
// libpoll's socket and pipe wrappers retry that way internally (retry_io in
// libpoll/src/sys/unix/syscall.hpp, not part of its public API); this is the same loop for the
// daemons, for their own system calls (splice(2), runtime/splice.hpp) and their loops over
// libpoll calls, so every I/O path in apps/ treats EINTR alike.

#include <mio/error.hpp>

namespace app {

/// Calls `call()`, which returns a mio::Result, again for as long as it fails with EINTR
/// (mio::is_interrupted); returns the first other result. Only for calls that did nothing when
/// interrupted (non-blocking reads, writes, splices, accepts), never for close(2).
/// Errors: those of `call`, except EINTR. Thread safety: that of `call`.
template <class F>
[[nodiscard]] auto retry_on_eintr(F&& call) noexcept(noexcept(call())) -> decltype(call()) {
    for (;;) {
        auto result = call();
        if (result || !mio::is_interrupted(result.error())) return result;
    }
}

}  // namespace app
