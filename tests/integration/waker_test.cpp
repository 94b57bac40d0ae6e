// Waker: mio's tests/waker.rs, on every backend.
#include <atomic>
#include <thread>

#include <mio/poll.hpp>
#include <mio/waker.hpp>

#include "test_util.hpp"

using namespace mio;
using namespace mio::test;
using namespace std::chrono_literals;

namespace {
constexpr Token kWakeToken{10};

void require_only_wake_events(const Events& events) {
    INFO(describe(events));
    REQUIRE_FALSE(events.empty());
    for (const Event& ev : events) {
        REQUIRE(ev.token() == kWakeToken);
        REQUIRE(ev.is_readable());
    }
}
}  // namespace

TEST_CASE("a wake produces a readable event with the waker's token", "[waker]") {
    auto [poll, events] = init_with_poll();
    auto waker = must(Waker::create(poll.registry(), kWakeToken));
    must(waker.wake());
    must(poll.poll(events, 100ms));
    require_only_wake_events(events);
}

TEST_CASE("several wakes before a poll coalesce", "[waker]") {
    auto [poll, events] = init_with_poll();
    auto waker = must(Waker::create(poll.registry(), kWakeToken));
    for (int i = 0; i < 3; ++i)
        must(waker.wake());
    must(poll.poll(events, 100ms));
    require_only_wake_events(events);
    expect_no_events(poll, events);
}

TEST_CASE("a wake from another thread wakes a blocked poll once", "[waker]") {
    auto [poll, events] = init_with_poll();
    auto waker = must(Waker::create(poll.registry(), kWakeToken));
    const int poller = current_tid();
    std::thread t([&] {
        REQUIRE(wait_until_blocked(poller));
        must(waker.wake());
    });
    must(poll.poll(events, std::nullopt));  // forever: only the wake can end it
    t.join();
    require_only_wake_events(events);
    expect_no_events(poll, events);
}

TEST_CASE("wakes from different threads after a poll each produce a new event", "[waker]") {
    auto [poll, events] = init_with_poll();
    auto waker = must(Waker::create(poll.registry(), kWakeToken));
    std::thread first([&] { must(waker.wake()); });
    first.join();
    expect_events(poll, events, {{kWakeToken, kReadable}});
    std::thread second([&] { must(waker.wake()); });
    second.join();
    expect_events(poll, events, {{kWakeToken, kReadable}});
    expect_no_events(poll, events);
}

TEST_CASE("many threads waking concurrently are safe", "[waker]") {
    auto [poll, events] = init_with_poll();
    auto waker = must(Waker::create(poll.registry(), kWakeToken));
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                if (!waker.wake()) ++failures;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    REQUIRE(failures.load() == 0);
    expect_events(poll, events, {{kWakeToken, kReadable}});
    expect_no_events(poll, events);
}

TEST_CASE("a second waker on the same poll is an error, not a crash", "[waker]") {
    auto [poll, events] = init_with_poll();
    auto first = must(Waker::create(poll.registry(), kWakeToken));
    auto second = Waker::create(poll.registry(), Token{11});
    REQUIRE_FALSE(second.has_value());
    REQUIRE(second.error() == Errc::waker_exists);
    REQUIRE(second.error() == std::errc::file_exists);
    // The first one still works.
    must(first.wake());
    expect_events(poll, events, {{kWakeToken, kReadable}});
}

TEST_CASE("a second waker through a cloned registry is an error too", "[waker]") {
    auto [poll, events] = init_with_poll();
    auto r1 = must(poll.registry().try_clone());
    auto r2 = must(poll.registry().try_clone());
    auto first = must(Waker::create(r1, kWakeToken));
    auto second = Waker::create(r2, Token{11});
    REQUIRE_FALSE(second.has_value());
    REQUIRE(second.error() == Errc::waker_exists);
}

TEST_CASE("a new waker may be created once the previous one is destroyed", "[waker]") {
    auto [poll, events] = init_with_poll();
    { auto first = must(Waker::create(poll.registry(), Token{1})); }
    auto second = must(Waker::create(poll.registry(), kWakeToken));
    must(second.wake());
    must(poll.poll(events, 100ms));
    require_only_wake_events(events);
}

TEST_CASE("a moved waker keeps working and the moved-from one reports an error", "[waker]") {
    auto [poll, events] = init_with_poll();
    auto a = must(Waker::create(poll.registry(), kWakeToken));
    Waker b = std::move(a);
    REQUIRE_FALSE(a.wake().has_value());  // NOLINT(bugprone-use-after-move)
    must(b.wake());
    expect_events(poll, events, {{kWakeToken, kReadable}});
}

TEST_CASE("wakers of different polls are independent", "[waker]") {
    auto [poll1, events1] = init_with_poll();
    auto [poll2, events2] = init_with_poll();
    auto w1 = must(Waker::create(poll1.registry(), Token{1}));
    auto w2 = must(Waker::create(poll2.registry(), Token{2}));
    must(w2.wake());
    expect_no_events(poll1, events1);
    expect_events(poll2, events2, {{Token{2}, kReadable}});
}
