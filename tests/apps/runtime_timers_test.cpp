// TimerQueue: ordering, cancel, reschedule, next_timeout rounding, many timers.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "runtime/timers.hpp"

using namespace std::chrono_literals;
using app::TimerId;
using app::TimerQueue;

namespace {

const TimerQueue::TimePoint t0 = TimerQueue::Clock::now();

std::vector<std::uint64_t> fire(TimerQueue& q, TimerQueue::TimePoint now) {
    std::vector<std::uint64_t> fired;
    q.fire_due(now, [&](TimerId, std::uint64_t data) { fired.push_back(data); });
    return fired;
}

}  // namespace

TEST_CASE("timers fire in deadline order, only when due", "[runtime][timers]") {
    TimerQueue q;
    (void)q.schedule(t0 + 30ms, 3);
    (void)q.schedule(t0 + 10ms, 1);
    (void)q.schedule(t0 + 20ms, 2);
    REQUIRE(q.size() == 3);
    CHECK(fire(q, t0 + 5ms).empty());
    CHECK(fire(q, t0 + 20ms) == std::vector<std::uint64_t>{1, 2});
    CHECK(fire(q, t0 + 1s) == std::vector<std::uint64_t>{3});
    CHECK(q.empty());
    CHECK_FALSE(q.next_timeout(t0).has_value());
}

TEST_CASE("a cancelled timer never fires and its id goes stale", "[runtime][timers]") {
    TimerQueue q;
    const TimerId a = q.schedule(t0 + 10ms, 1);
    const TimerId b = q.schedule(t0 + 20ms, 2);
    CHECK(q.cancel(a));
    CHECK_FALSE(q.cancel(a));
    CHECK_FALSE(q.is_pending(a));
    CHECK(q.is_pending(b));
    CHECK(q.size() == 1);
    CHECK(fire(q, t0 + 1s) == std::vector<std::uint64_t>{2});
    CHECK_FALSE(q.cancel(b));  // fired ids are stale too
    CHECK_FALSE(q.cancel(TimerId{}));
}

TEST_CASE("cancel of an optional id cancels it and empties the slot", "[runtime][timers]") {
    TimerQueue q;
    std::optional<TimerId> slot = q.schedule(t0 + 10ms, 1);
    const TimerId id = *slot;
    q.cancel(slot);
    CHECK_FALSE(slot.has_value());
    CHECK_FALSE(q.is_pending(id));
    q.cancel(slot);  // empty: nothing to do
    CHECK(fire(q, t0 + 1s).empty());
}

TEST_CASE("a reused slot does not honour the old id", "[runtime][timers]") {
    TimerQueue q;
    const TimerId old_id = q.schedule(t0 + 10ms, 1);
    REQUIRE(q.cancel(old_id));
    const TimerId new_id = q.schedule(t0 + 10ms, 2);
    CHECK(new_id.index == old_id.index);
    CHECK_FALSE(q.cancel(old_id));
    CHECK(q.is_pending(new_id));
}

TEST_CASE("reschedule moves a deadline later and earlier", "[runtime][timers]") {
    TimerQueue q;
    TimerId idle = q.schedule(t0 + 10ms, 1);
    (void)q.schedule(t0 + 15ms, 2);

    SECTION("later: the timer waits for the new deadline") {
        REQUIRE(q.reschedule(idle, t0 + 50ms));
        CHECK(fire(q, t0 + 20ms) == std::vector<std::uint64_t>{2});
        CHECK(q.is_pending(idle));
        CHECK(q.deadline(idle) == t0 + 50ms);
        CHECK(q.next_timeout(t0 + 20ms) == std::chrono::nanoseconds(30ms));
        CHECK(fire(q, t0 + 50ms) == std::vector<std::uint64_t>{1});
    }
    SECTION("earlier: the timer fires first") {
        REQUIRE(q.reschedule(idle, t0 + 30ms));
        REQUIRE(q.reschedule(idle, t0 + 5ms));
        CHECK(fire(q, t0 + 6ms) == std::vector<std::uint64_t>{1});
        CHECK(fire(q, t0 + 1s) == std::vector<std::uint64_t>{2});  // the orphan entry is stale
        CHECK(q.heap_size() == 0);
    }
    SECTION("a stale id is refused") {
        REQUIRE(q.cancel(idle));
        CHECK_FALSE(q.reschedule(idle, t0 + 1s));
    }
}

TEST_CASE("pushing an idle deadline forward many times is cheap", "[runtime][timers]") {
    TimerQueue q;
    TimerId idle = q.schedule(t0 + 10ms, 7);
    for (int i = 1; i <= 1000; ++i)
        REQUIRE(q.reschedule(idle, t0 + 10ms + i * 1ms));
    CHECK(q.heap_size() == 1);  // no entry per reschedule
    CHECK(fire(q, t0 + 500ms).empty());
    CHECK(fire(q, t0 + 1010ms) == std::vector<std::uint64_t>{7});
}

TEST_CASE("next_timeout rounds up to whole milliseconds", "[runtime][timers]") {
    TimerQueue q;
    CHECK_FALSE(q.next_timeout(t0).has_value());
    const TimerId id = q.schedule(t0 + 1ns, 1);
    CHECK(q.next_timeout(t0) == std::chrono::nanoseconds(1ms));
    TimerId moved = id;
    REQUIRE(q.reschedule(moved, t0 + 1500us));
    CHECK(q.next_timeout(t0) == std::chrono::nanoseconds(2ms));
    CHECK(q.next_timeout(t0 + 1ms) == std::chrono::nanoseconds(1ms));
    CHECK(q.next_timeout(t0 + 1500us) == std::chrono::nanoseconds::zero());
    CHECK(q.next_timeout(t0 + 1s) == std::chrono::nanoseconds::zero());
}

TEST_CASE("callbacks may schedule and cancel timers", "[runtime][timers]") {
    TimerQueue q;
    TimerId victim = q.schedule(t0 + 20ms, 99);
    (void)q.schedule(t0 + 10ms, 1);
    std::vector<std::uint64_t> fired;
    q.fire_due(t0 + 30ms, [&](TimerId, std::uint64_t data) {
        fired.push_back(data);
        if (data == 1) {
            q.cancel(victim);
            (void)q.schedule(t0 + 25ms, 2);  // due in this same call
            (void)q.schedule(t0 + 1s, 3);    // not due
        }
    });
    CHECK(fired == std::vector<std::uint64_t>{1, 2});
    CHECK(q.size() == 1);
}

TEST_CASE("many timers fire in order and lazy deletion stays bounded", "[runtime][timers]") {
    TimerQueue q;
    q.reserve(10'000);
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> ms(1, 10'000);
    std::vector<TimerId> ids;
    std::vector<TimerQueue::TimePoint> scheduled;
    for (std::uint64_t i = 0; i < 10'000; ++i) {
        scheduled.push_back(t0 + std::chrono::milliseconds(ms(rng)));
        ids.push_back(q.schedule(scheduled.back(), i));
    }
    for (std::size_t i = 0; i < ids.size(); i += 2)
        REQUIRE(q.cancel(ids[i]));
    CHECK(q.size() == 5'000);
    CHECK(q.heap_size() <= 2 * q.size() + 64 + 1);

    std::vector<TimerQueue::TimePoint> deadlines;
    std::size_t fired = 0;
    for (auto now = t0; now <= t0 + 10s; now += 100ms) {
        fired += q.fire_due(now, [&](TimerId, std::uint64_t data) {
            REQUIRE(data % 2 == 1);  // only the survivors
            REQUIRE(scheduled[data] <= now);
            deadlines.push_back(scheduled[data]);
        });
    }
    CHECK(fired == 5'000);
    CHECK(std::is_sorted(deadlines.begin(), deadlines.end()));
    CHECK(q.empty());
}

TEST_CASE("clear drops every timer and makes ids stale", "[runtime][timers]") {
    TimerQueue q;
    const TimerId a = q.schedule(t0 + 1ms, 1);
    q.clear();
    CHECK(q.empty());
    CHECK_FALSE(q.is_pending(a));
    CHECK(fire(q, t0 + 1s).empty());
}
