#pragma once
// THE backend contract. Exactly one backend directory (src/sys/epoll, src/sys/poll, ...) is
// compiled, chosen by CMake's LIBPOLL_BACKEND; it provides "backend.hpp", which defines the
// classes mio::sys::Selector and mio::sys::Waker. Nothing outside src/sys/ knows which.
//
// Selector (one per Poll, shared by every Registry cloned from it; thread-safe except select):
//   static Result<std::shared_ptr<Selector>> create();
//   std::uint64_t id() const;                       process-unique, never 0
//   Result<void> select(Events&, std::optional<std::chrono::nanoseconds>);
//       One thread at a time. Clears and fills Events with at most capacity() events.
//       Timeouts round up to the backend's resolution; only an explicit zero never blocks.
//       EINTR is returned as is. A timeout returns success with no events.
//   Result<void> register_fd(int fd, Token, Interest);       EEXIST if fd already present
//   Result<void> reregister_fd(int fd, Token, Interest);     ENOENT if not present
//   Result<void> deregister_fd(int fd);                      ENOENT if not present
//       May run on any thread while select() is blocked; the change takes effect in that
//       blocked call (register: its events can be returned; deregister: none are).
//   static constexpr bool kEmulatesEdges;
//       true if the backend disarms an interest once reported and needs rearm_fd() after an
//       operation returns WouldBlock (poll(2), Windows AFD). Then IoSource keeps a shared_ptr
//       to the Selector, calls rearm_fd() from do_io(), and forget_fd() when it is destroyed.
//   void rearm_fd(int fd, Token, Interest) noexcept;
//   void forget_fd(int fd) noexcept;
//   bool claim_waker() noexcept; void release_waker() noexcept;   one Waker per Poll
//   std::string describe() const;   the backend and its descriptors, for to_string(Poll)
//       (thread-safe)
//
// Readiness semantics every backend delivers (user-facing half in include/mio/poll.hpp):
//   edge-triggered; spurious events allowed; readable/writable are promises, error,
//   read_closed, write_closed and priority are hints; an fd that is closed while registered
//   must not produce events (poll(2): forget_fd; epoll: the kernel drops it).
//
// Waker: static Result<std::unique_ptr<Waker>> create(const std::shared_ptr<Selector>&, Token);
//        Result<void> wake() const;   thread-safe, non-blocking, coalescing.

#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "backend.hpp"

namespace mio::sys {

template <class S>
concept SelectorBackend = requires(S& s, const S& cs, Events& events, int fd, Token token,
                                   Interest interest,
                                   std::optional<std::chrono::nanoseconds> timeout) {
    { S::create() } -> std::same_as<Result<std::shared_ptr<S>>>;
    { cs.id() } -> std::same_as<std::uint64_t>;
    { s.select(events, timeout) } -> std::same_as<Result<void>>;
    { s.register_fd(fd, token, interest) } -> std::same_as<Result<void>>;
    { s.reregister_fd(fd, token, interest) } -> std::same_as<Result<void>>;
    { s.deregister_fd(fd) } -> std::same_as<Result<void>>;
    { S::kEmulatesEdges } -> std::convertible_to<bool>;
    { s.rearm_fd(fd, token, interest) }
    noexcept;
    { s.forget_fd(fd) }
    noexcept;
    { s.claim_waker() }
    noexcept->std::same_as<bool>;
    { s.release_waker() }
    noexcept;
    { cs.describe() } -> std::same_as<std::string>;
};

template <class W>
concept WakerBackend = requires(const W& w, const std::shared_ptr<Selector>& selector, Token t) {
    { W::create(selector, t) } -> std::same_as<Result<std::unique_ptr<W>>>;
    { w.wake() } -> std::same_as<Result<void>>;
};

static_assert(SelectorBackend<Selector>, "the backend's Selector breaks the contract above");
static_assert(WakerBackend<Waker>, "the backend's Waker breaks the contract above");

/// A fresh process-unique selector id (never 0), for the registry-association checks.
[[nodiscard]] std::uint64_t next_selector_id() noexcept;

/// Milliseconds for a poll-style timeout: -1 for none, sub-millisecond values rounded up,
/// clamped to INT_MAX, negative durations treated as zero.
[[nodiscard]] int timeout_to_ms(std::optional<std::chrono::nanoseconds> timeout) noexcept;

}  // namespace mio::sys
