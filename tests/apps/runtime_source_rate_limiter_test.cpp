// SourceRateLimiter: a burst of `limit` per IP (any port), refill over the window, other IPs
// unaffected, limit 0 unlimited, and a full table that takes new sources instead of refusing.

#include <catch2/catch.hpp>

#include "runtime/source_rate_limiter.hpp"

using namespace std::chrono_literals;
using app::SourceRateLimiter;
using mio::net::SocketAddr;

namespace {

const SourceRateLimiter::Clock::time_point t0 = SourceRateLimiter::Clock::now();

SocketAddr v4(std::uint8_t last, std::uint16_t port = 1000) {
    return SocketAddr::v4({10, 0, 0, last}, port);
}

int allowed(SourceRateLimiter& l, const SocketAddr& a, SourceRateLimiter::Clock::time_point t,
            int n) {
    int count = 0;
    for (int i = 0; i < n; ++i)
        count += l.allow(a, t) ? 1 : 0;
    return count;
}

}  // namespace

TEST_CASE("source rate limiter: a burst per IP, then the rate", "[runtime][rate]") {
    SourceRateLimiter limiter(3, 1s, 64);
    CHECK(allowed(limiter, v4(1), t0, 10) == 3);
    CHECK(allowed(limiter, v4(1, 2000), t0, 10) == 0);    // another port: the same IP
    CHECK(allowed(limiter, v4(2), t0, 10) == 3);          // another IP: its own bucket
    CHECK(allowed(limiter, v4(1), t0 + 700ms, 10) == 2);  // 2.1 tokens came back
    CHECK(allowed(limiter, v4(1), t0 + 1h, 10) == 3);     // never more than the burst
}

TEST_CASE("source rate limiter: limit 0 allows everything", "[runtime][rate]") {
    SourceRateLimiter limiter(0, 1s, 64);
    CHECK(allowed(limiter, v4(1), t0, 1000) == 1000);
}

TEST_CASE("source rate limiter: many sources never lock out a new one", "[runtime][rate]") {
    SourceRateLimiter limiter(1, 1h, 64);
    for (int i = 0; i < 5000; ++i) {
        const auto a = SocketAddr::v4(
            {192, 168, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}, 1);
        CHECK(limiter.allow(a, t0));  // each new source gets its first connection
    }
    limiter.set_limit(2, 1h);
    CHECK(allowed(limiter, v4(9), t0, 5) == 2);
}

TEST_CASE("source rate limiter: set_limit refills every bucket and can lift the limit",
          "[runtime][rate]") {
    SourceRateLimiter limiter(2, 1s, 64);
    CHECK(allowed(limiter, v4(1), t0, 5) == 2);
    limiter.set_limit(4, 1s);
    CHECK(allowed(limiter, v4(1), t0, 10) == 4);  // a full bucket of the new limit
    limiter.set_limit(0, 1s);
    CHECK(allowed(limiter, v4(1), t0, 100) == 100);
    CHECK(allowed(limiter, SocketAddr::v6({}, 7), t0, 100) == 100);
}

TEST_CASE("source rate limiter: IPv6 sources have buckets of their own", "[runtime][rate]") {
    SourceRateLimiter limiter(2, 1s, 64);
    std::array<std::uint8_t, 16> a{}, b{};
    a[15] = 1;
    b[15] = 2;
    CHECK(allowed(limiter, SocketAddr::v6(a, 1), t0, 5) == 2);
    CHECK(allowed(limiter, SocketAddr::v6(a, 2), t0, 5) == 0);  // same IP, another port
    CHECK(allowed(limiter, SocketAddr::v6(b, 1), t0, 5) == 2);
}
