#pragma once
// Helpers shared by the libpoll tests, after mio's tests/util/mod.rs.

#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <mio/error.hpp>
#include <mio/event.hpp>
#include <mio/events.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/poll.hpp>

namespace mio::test {

/// Readiness an expected event must include (a combination of Event::Flag).
enum Readiness : std::uint16_t {
    kReadable = Event::kReadable,
    kWritable = Event::kWritable,
    kError = Event::kError,
    kReadClosed = Event::kReadClosed,
    kWriteClosed = Event::kWriteClosed,
    kPriority = Event::kPriority,
};

struct ExpectEvent {
    Token token;
    std::uint16_t readiness;
};

/// Fails the test with the error's message if `r` holds an error; otherwise returns the value.
template <class T>
T must(Result<T> r, std::string_view what = "call") {
    if (!r) FAIL(std::string(what) << " failed: " << r.error().message());
    if constexpr (!std::is_void_v<T>) return std::move(*r);
}

/// A Poll and an Events of capacity 16 (mio's init_with_poll).
std::pair<Poll, Events> init_with_poll();

/// Polls up to three times (500 ms each) until every expected event has been seen: each must
/// be matched by an event with its token whose flags include all its readiness. Extra events
/// are tolerated (mio's expect_events). Fails the test otherwise.
void expect_events(Poll& poll, Events& events, std::initializer_list<ExpectEvent> expected);

/// One poll(50 ms) must return no event at all (mio's expect_no_events).
void expect_no_events(Poll& poll, Events& events);

/// Polls (bounded, at most ~5 s) until an event for `token` arrives; returns it.
Event wait_for_event(Poll& poll, Events& events, Token token);

/// The result must be an error meaning WouldBlock.
template <class T>
void require_would_block(const Result<T>& r) {
    REQUIRE_FALSE(r.has_value());
    INFO("error: " << r.error().message());
    REQUIRE(is_would_block(r.error()));
}

/// O_NONBLOCK and FD_CLOEXEC are both set on `fd`.
void require_nonblocking(int fd);
void require_cloexec(int fd);

/// Clears O_NONBLOCK, for a plain blocking peer in a test.
void set_blocking(int fd);

/// 127.0.0.1:0 and [::1]:0: the kernel picks a free port.
net::SocketAddr any_local_address();
net::SocketAddr any_local_ipv6_address();
/// True if this machine can bind ::1 (some containers have no IPv6).
bool ipv6_available();

/// A path under a fresh per-process temporary directory (removed at exit); nothing exists
/// at the returned path yet.
std::string temp_path(std::string_view name);

/// The calling thread's kernel id, for wait_until_blocked().
int current_tid();
/// Waits (bounded, ~10 s; no fixed sleep) until thread `tid` of this process is blocked in the
/// kernel (state S), e.g. inside Poll::poll after announcing it is about to poll. Returns false
/// if it never blocked in time.
bool wait_until_blocked(int tid);

/// Human-readable event list for failure messages.
std::string describe(const Events& events);

}  // namespace mio::test
