// IdleWheel: filing, re-filing keys that were active, expiry, laps beyond the wheel, the next
// deadline, the empty wheel. Time is explicit: every time point is t0 plus whole ticks.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "runtime/idle_wheel.hpp"

using namespace std::chrono_literals;
using app::IdleWheel;

namespace {

const IdleWheel::Clock::time_point t0 = IdleWheel::Clock::now();

IdleWheel::Clock::time_point at_tick(std::uint32_t tick) {
    return t0 + IdleWheel::kTick * tick;
}

using Visit = std::pair<std::uint64_t, std::uint32_t>;  // (key, expiry) as check() saw them

// Advances to `now`, reporting every visited key idle (dropping it); returns the visits.
std::vector<Visit> expire(IdleWheel& wheel, IdleWheel::Clock::time_point now) {
    std::vector<Visit> seen;
    wheel.advance(now, [&](std::uint64_t key, std::uint32_t expiry) {
        seen.emplace_back(key, expiry);
        return std::optional<std::uint32_t>{};
    });
    return seen;
}

// Connections as a daemon keeps them: a last-active tick each, and one idle timeout. check()
// re-files a key that was active since it was filed, and reports the others idle.
struct Connections {
    std::map<std::uint64_t, std::uint32_t> last_active;
    std::uint32_t timeout_ticks;
    std::vector<Visit> idle;

    std::optional<std::uint32_t> check(std::uint64_t key, std::uint32_t expiry) {
        const std::uint32_t due = last_active.at(key) + timeout_ticks;
        if (due > expiry) return due;
        idle.emplace_back(key, expiry);
        return std::nullopt;
    }
    void advance(IdleWheel& wheel, IdleWheel::Clock::time_point now) {
        wheel.advance(
            now, [this](std::uint64_t key, std::uint32_t expiry) { return check(key, expiry); });
    }
};

}  // namespace

TEST_CASE("idle wheel: an empty wheel has no deadline and visits nothing", "[runtime][idle]") {
    IdleWheel wheel(t0);
    CHECK(wheel.size() == 0);
    CHECK_FALSE(wheel.next_deadline().has_value());
    CHECK(expire(wheel, at_tick(10'000)).empty());
    CHECK_FALSE(wheel.next_deadline().has_value());
}

TEST_CASE("idle wheel: ticks are counted from the start and timeouts round up", "[runtime][idle]") {
    const IdleWheel wheel(t0);
    CHECK(wheel.tick_of(t0) == 0);
    CHECK(wheel.tick_of(t0 + 99ms) == 0);
    CHECK(wheel.tick_of(t0 + 250ms) == 2);
    CHECK(wheel.tick_of(t0 - 1s) == 0);  // before the start: tick 0, never negative
    CHECK(IdleWheel::ticks_in(0ms) == 1);
    CHECK(IdleWheel::ticks_in(1ms) == 1);
    CHECK(IdleWheel::ticks_in(100ms) == 1);
    CHECK(IdleWheel::ticks_in(101ms) == 2);
    CHECK(IdleWheel::ticks_in(30s) == 300);
}

TEST_CASE("idle wheel: keys expire at their tick, not before, in expiry order", "[runtime][idle]") {
    IdleWheel wheel(t0);
    wheel.add(1, 5);
    wheel.add(2, 3);
    wheel.add(3, 5);
    REQUIRE(wheel.size() == 3);
    CHECK(wheel.next_deadline() == at_tick(3));  // the earliest expiry

    CHECK(expire(wheel, at_tick(3) - 1ms).empty());
    CHECK(expire(wheel, at_tick(3)) == std::vector<Visit>{{2, 3}});
    CHECK(wheel.size() == 2);
    CHECK(expire(wheel, at_tick(4)).empty());
    CHECK(expire(wheel, at_tick(5) + 50ms) == std::vector<Visit>{{1, 5}, {3, 5}});
    CHECK(wheel.size() == 0);
    CHECK_FALSE(wheel.next_deadline().has_value());
}

TEST_CASE("idle wheel: one late advance visits every slot that came due", "[runtime][idle]") {
    IdleWheel wheel(t0);
    wheel.add(7, 9);
    wheel.add(8, 2);
    wheel.add(9, 40);
    CHECK(expire(wheel, at_tick(20)) == std::vector<Visit>{{8, 2}, {7, 9}});
    CHECK(wheel.size() == 1);
    CHECK(expire(wheel, at_tick(40)) == std::vector<Visit>{{9, 40}});
}

TEST_CASE("idle wheel: an active key is filed again and expires once it is idle",
          "[runtime][idle]") {
    IdleWheel wheel(t0);
    Connections conns{.last_active = {{1, 0}, {2, 0}}, .timeout_ticks = 10, .idle = {}};
    wheel.add(1, 10);
    wheel.add(2, 10);
    conns.last_active[1] = 6;  // activity costs no wheel operation: only the tick is stored

    conns.advance(wheel, at_tick(10));
    CHECK(conns.idle == std::vector<Visit>{{2, 10}});
    CHECK(wheel.size() == 1);  // key 1 was filed again, under tick 16

    conns.advance(wheel, at_tick(15));
    CHECK(conns.idle.size() == 1);
    conns.last_active[1] = 14;
    conns.advance(wheel, at_tick(16));  // active again since: filed under 24
    CHECK(conns.idle.size() == 1);
    conns.advance(wheel, at_tick(23));
    CHECK(conns.idle.size() == 1);
    conns.advance(wheel, at_tick(24));
    CHECK(conns.idle == std::vector<Visit>{{2, 10}, {1, 24}});
    CHECK(wheel.size() == 0);
}

TEST_CASE("idle wheel: expiries more than a lap ahead wait for their own lap", "[runtime][idle]") {
    IdleWheel wheel(t0, 8);  // 8 slots: ticks 4, 12 and 28 share slot 4
    wheel.add(1, 4);
    wheel.add(2, 12);
    wheel.add(3, 28);
    CHECK(expire(wheel, at_tick(4)) == std::vector<Visit>{{1, 4}});
    CHECK(wheel.size() == 2);  // the later laps were filed again, not reported
    CHECK(expire(wheel, at_tick(11)).empty());
    CHECK(expire(wheel, at_tick(12)) == std::vector<Visit>{{2, 12}});
    CHECK(expire(wheel, at_tick(27)).empty());
    CHECK(expire(wheel, at_tick(28)) == std::vector<Visit>{{3, 28}});
    CHECK(wheel.size() == 0);
}

TEST_CASE("idle wheel: the next deadline follows the earliest key and is never late",
          "[runtime][idle]") {
    IdleWheel wheel(t0);
    wheel.add(1, 50);
    CHECK(wheel.next_deadline() == at_tick(50));
    wheel.add(2, 20);
    CHECK(wheel.next_deadline() == at_tick(20));
    wheel.add(3, 30);
    CHECK(wheel.next_deadline() == at_tick(20));  // a later key does not move it

    // Driven by its own deadlines, as the daemon loop drives it, the wheel reports each key at
    // exactly its expiry: the deadline may come early (a slot with nothing due), never late.
    std::vector<Visit> seen;
    for (int turn = 0; turn < 100 && wheel.next_deadline(); ++turn) {
        const auto now = *wheel.next_deadline();
        for (const Visit& v : expire(wheel, now)) {
            CHECK(wheel.tick_of(now) == v.second);
            seen.push_back(v);
        }
    }
    CHECK(seen == std::vector<Visit>{{2, 20}, {3, 30}, {1, 50}});
    CHECK_FALSE(wheel.next_deadline().has_value());
}

TEST_CASE("idle wheel: a key filed after the wheel has advanced sets the deadline again",
          "[runtime][idle]") {
    IdleWheel wheel(t0);
    wheel.add(1, 5);
    CHECK(expire(wheel, at_tick(5)).size() == 1);
    REQUIRE_FALSE(wheel.next_deadline().has_value());
    wheel.add(2, 9);
    CHECK(wheel.next_deadline() == at_tick(9));
    CHECK(expire(wheel, at_tick(8)).empty());
    CHECK(expire(wheel, at_tick(9)) == std::vector<Visit>{{2, 9}});
}
