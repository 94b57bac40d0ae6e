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
