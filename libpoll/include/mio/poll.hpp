#pragma once
// Poll: waits for readiness events on the sources registered with its Registry.

#include <chrono>
#include <memory>
#include <mio/export.hpp>
#include <optional>
#include <string>

#include <mio/error.hpp>
#include <mio/events.hpp>
#include <mio/registry.hpp>

namespace mio {

/// The event loop's core (mio's `Poll`): owns one OS selector and its Registry.
///
/// The contract every backend keeps (epoll, poll(2), and any later one):
/// - Edge-triggered: after an event, repeat the operation until it returns WouldBlock;
///   only then is another event for that interest guaranteed. Portable code must not rely
///   on a fresh event for new data arriving before WouldBlock was seen.
/// - A short transfer counts as drained too (an extension of mio's rule, kept by every
///   backend): a read of a stream socket or pipe that returns some but fewer bytes than asked
///   emptied its queue, and a write that takes some but fewer bytes than offered filled its
///   buffer; both re-arm the interest like WouldBlock, so the caller may stop there and wait
///   for the next event. One exception: after an event with is_read_closed(), read until 0,
///   because the peer's FIN has already arrived and will not raise another edge.
/// - Spurious events may happen; an event is a hint to try, not a promise of success.
/// - One poll may return readable and writable in one event or in two; order is unspecified.
/// - Deregister before closing. libpoll's own types are removed when destroyed.
/// - At most one Waker per Poll.
/// - Destroying the Poll does not deregister anything; the sources just stop being polled.
///
/// Thread safety: poll() is called by one thread at a time (it mutates the Poll); the
/// Registry may be used from any thread (see Registry).
class MIO_API Poll {
public:
    /// Creates the OS selector (epoll_create1 with EPOLL_CLOEXEC, or the poll(2) tables and
    /// their close-on-exec, non-blocking notification pipe).
    /// Errors: the OS error, e.g. EMFILE when out of descriptors.
    [[nodiscard]] static Result<Poll> create();

    Poll(const Poll&) = delete;
    Poll& operator=(const Poll&) = delete;
    Poll(Poll&&) noexcept;
    Poll& operator=(Poll&&) noexcept;
    ~Poll();

    /// The Registry of this Poll. The reference stays valid when the Poll is moved.
    [[nodiscard]] const Registry& registry() const noexcept { return *registry_; }

    /// Clears `events`, then waits until at least one event is ready or `timeout` elapses,
    /// and fills `events` with at most events.capacity() events (the rest stay queued).
    ///
    /// `timeout`: std::nullopt waits forever; a zero duration checks without blocking (still
    /// a system call); any other value is rounded *up* to whole milliseconds, so a sub-
    /// millisecond timeout never turns into a busy loop. Very large values are clamped.
    /// After a timeout the call succeeds with `events` empty.
    ///
    /// Errors: errc::interrupted when a signal interrupted the wait (EINTR); it is never
    /// retried internally, so the caller decides (usually: loop). Other OS errors as is.
    [[nodiscard]] Result<void> poll(Events& events,
                                    std::optional<std::chrono::nanoseconds> timeout);

private:
    friend MIO_API std::string to_string(const Poll& poll);
    explicit Poll(std::unique_ptr<Registry> registry) noexcept;
    std::unique_ptr<Registry> registry_;  // on the heap: registry() survives a move
};

/// e.g. `Poll { registry: Registry { selector: epoll { fd: 3 } } }`, for diagnostics (mio's
/// Debug output). Thread safety: may be called from any thread.
[[nodiscard]] MIO_API std::string to_string(const Poll& poll);

}  // namespace mio
