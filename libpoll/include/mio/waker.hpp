#pragma once
// Waker: lets any thread interrupt a Poll blocked in poll().

#include <memory>
#include <mio/export.hpp>
#include <string>

#include <mio/error.hpp>
#include <mio/registry.hpp>
#include <mio/token.hpp>

namespace mio {
namespace sys {
class Selector;
class Waker;
}  // namespace sys

/// Wakes a Poll from another thread (mio's `Waker`): wake() causes a readable event carrying
/// this Waker's token in the current or the next poll(). Wakes coalesce: several wakes before
/// a poll may yield a single event. There is nothing to read or reset after the event.
///
/// At most one Waker may exist per Poll at a time (cloned Registries count as the same Poll).
/// Events are only guaranteed while the Waker is alive.
class MIO_API Waker {
public:
    /// Creates a Waker registered with `registry` under `token` (an eventfd on epoll; the
    /// poll(2) backend's internal notification pipe).
    /// Errors: Errc::waker_exists (== errc::file_exists) if this Poll already has a live
    /// Waker; otherwise the OS error (e.g. EMFILE).
    [[nodiscard]] static Result<Waker> create(const Registry& registry, Token token);

    Waker(const Waker&) = delete;
    Waker& operator=(const Waker&) = delete;
    Waker(Waker&&) noexcept;
    Waker& operator=(Waker&&) noexcept;
    ~Waker();

    /// Makes the Poll return a readable event with this Waker's token. Never blocks.
    /// Errors: only unexpected OS errors (the wake fd was closed behind libpoll's back).
    /// Thread safety: callable from any number of threads at once.
    [[nodiscard]] Result<void> wake() const;

private:
    friend MIO_API std::string to_string(const Waker& waker);
    Waker(std::shared_ptr<sys::Selector> selector, std::unique_ptr<sys::Waker> impl) noexcept;
    void reset() noexcept;

    std::shared_ptr<sys::Selector> selector_;  // to give back the one-Waker claim
    std::unique_ptr<sys::Waker> impl_;
};

/// e.g. `Waker { selector: epoll { fd: 3 } }`: the Poll it wakes, for diagnostics (mio's
/// Debug output). Thread safety: may be called from any thread.
[[nodiscard]] MIO_API std::string to_string(const Waker& waker);

}  // namespace mio
