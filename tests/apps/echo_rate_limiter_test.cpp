// RateLimiter (mio-echo's UDP reflection guard): per-source token buckets, the table bound,
// forgetting idle sources, set_rate. Time is explicit: t0 plus exact offsets.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "rate_limiter.hpp"

using namespace std::chrono_literals;
using app::RateLimiter;

namespace {

const RateLimiter::Clock::time_point t0 = RateLimiter::Clock::now();

// How many of `n` datagrams from `source` at `now` are allowed.
int allowed(RateLimiter& limiter, const std::string& source, RateLimiter::Clock::time_point now,
            int n) {
    int count = 0;
    for (int i = 0; i < n; ++i)
        count += limiter.allow(source, now) ? 1 : 0;
    return count;
}

}  // namespace

TEST_CASE("rate limiter: rate 0 allows everything and tracks nothing", "[echo][rate]") {
    RateLimiter limiter(0, 1, 1s);
    CHECK(allowed(limiter, "10.0.0.1:5000", t0, 1000) == 1000);
    CHECK(allowed(limiter, "10.0.0.2:5000", t0, 10) == 10);
    CHECK(limiter.tracked() == 0);
}

TEST_CASE("rate limiter: each source gets a burst of `rate`, then `rate` per second",
          "[echo][rate]") {
    RateLimiter limiter(10, 16, 1min);
    CHECK(allowed(limiter, "a", t0, 15) == 10);  // the burst
    CHECK(allowed(limiter, "b", t0, 15) == 10);  // another source has its own bucket
    CHECK(limiter.tracked() == 2);

    CHECK(allowed(limiter, "a", t0 + 150ms, 5) == 1);   // 1.5 tokens refilled: one whole
    CHECK(allowed(limiter, "a", t0 + 750ms, 20) == 6);  // 0.5 left + 6 refilled since
    // However long a source is quiet, its burst stays `rate`.
    CHECK(allowed(limiter, "b", t0 + 1h, 50) == 10);
}

TEST_CASE("rate limiter: a full table refuses new sources but serves known ones", "[echo][rate]") {
    RateLimiter limiter(5, 2, 1s);
    CHECK(limiter.allow("a", t0));
    CHECK(limiter.allow("b", t0 + 500ms));
    CHECK_FALSE(limiter.allow("c", t0 + 500ms));  // both sources still recent
    CHECK(limiter.tracked() == 2);
    CHECK(limiter.allow("a", t0 + 600ms));  // known sources keep their buckets

    // At t0 + 1.5 s, "a" (last seen at 0.6 s) is not idle long enough, "b" (0.5 s) is.
    CHECK_FALSE(limiter.allow("c", t0 + 1499ms));
    CHECK(limiter.allow("c", t0 + 1500ms));
    CHECK(limiter.tracked() == 2);
    CHECK_FALSE(limiter.allow("d", t0 + 1500ms));
}

TEST_CASE("rate limiter: a forgotten source starts again with a full burst", "[echo][rate]") {
    RateLimiter limiter(3, 1, 2s);
    CHECK(allowed(limiter, "a", t0, 5) == 3);
    CHECK(allowed(limiter, "b", t0 + 2s, 5) == 3);  // "a" was idle 2 s: forgotten for "b"
    CHECK(limiter.tracked() == 1);
    CHECK(allowed(limiter, "a", t0 + 2s, 5) == 0);  // the table is full of "b" again
    CHECK(allowed(limiter, "a", t0 + 4s, 5) == 3);
}

TEST_CASE("rate limiter: a non-positive forget_after means one minute", "[echo][rate]") {
    RateLimiter limiter(1, 1, 0ms);
    CHECK(limiter.allow("a", t0));
    CHECK_FALSE(limiter.allow("b", t0 + 59s));
    CHECK(limiter.allow("b", t0 + 60s));
}

TEST_CASE("rate limiter: set_rate applies to existing buckets and can lift the limit",
          "[echo][rate]") {
    RateLimiter limiter(5, 4, 1min);
    CHECK(allowed(limiter, "a", t0, 1) == 1);  // 4 tokens left
    limiter.set_rate(1);
    CHECK(allowed(limiter, "a", t0, 5) == 1);  // the saved burst is capped at the new rate
    CHECK(allowed(limiter, "a", t0 + 1s, 5) == 1);

    limiter.set_rate(0);
    CHECK(allowed(limiter, "a", t0 + 1s, 100) == 100);
    CHECK(allowed(limiter, "new", t0 + 1s, 100) == 100);

    limiter.set_rate(2);
    CHECK(allowed(limiter, "new", t0 + 1s, 5) == 2);
}
