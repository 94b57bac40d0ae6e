// White-box: how every poll-style backend turns a timeout into milliseconds (mio R9).
#include <catch2/catch.hpp>

#include <climits>

#include "sys/selector.hpp"

using mio::sys::timeout_to_ms;
using namespace std::chrono_literals;

TEST_CASE("no timeout means wait forever", "[timeout]") {
    REQUIRE(timeout_to_ms(std::nullopt) == -1);
}

TEST_CASE("only an explicit zero means do not block", "[timeout]") {
    REQUIRE(timeout_to_ms(0ns) == 0);
    REQUIRE(timeout_to_ms(-5ms) == 0);
}

TEST_CASE("sub-millisecond timeouts round up instead of spinning", "[timeout]") {
    REQUIRE(timeout_to_ms(1ns) == 1);
    REQUIRE(timeout_to_ms(999'999ns) == 1);
    REQUIRE(timeout_to_ms(1ms) == 1);
    REQUIRE(timeout_to_ms(1'000'001ns) == 2);
    REQUIRE(timeout_to_ms(1500us) == 2);
}

TEST_CASE("huge timeouts clamp instead of overflowing", "[timeout]") {
    REQUIRE(timeout_to_ms(std::chrono::nanoseconds::max()) == INT_MAX);
    REQUIRE(timeout_to_ms(std::chrono::hours(24 * 30)) == INT_MAX);
    REQUIRE(timeout_to_ms(std::chrono::milliseconds(INT_MAX)) == INT_MAX);
}
