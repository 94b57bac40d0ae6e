#include "runtime/source_rate_limiter.hpp"

#include <algorithm>
#include <bit>
#include <functional>

namespace app {
namespace {

double rate_of(std::uint32_t limit, std::chrono::milliseconds window) {
    const double seconds = std::max(std::chrono::duration<double>(window).count(), 1e-3);
    return limit / seconds;
}

}  // namespace

SourceRateLimiter::SourceRateLimiter(std::uint32_t limit, std::chrono::milliseconds window,
                                     std::size_t slots)
    : limit_(limit),
      per_second_(rate_of(limit, window)),
      buckets_(std::bit_ceil(std::max<std::size_t>(slots, 64))) {}

void SourceRateLimiter::set_limit(std::uint32_t limit, std::chrono::milliseconds window) noexcept {
    limit_ = limit;
    per_second_ = rate_of(limit, window);
    for (Bucket& b : buckets_)
        b.used = false;
}

bool SourceRateLimiter::allow(const mio::net::SocketAddr& addr, Clock::time_point now) noexcept {
    if (limit_ == 0) return true;
    mio::net::SocketAddr ip = addr;
    ip.set_port(0);
    const std::size_t slot = std::hash<mio::net::SocketAddr>{}(ip) & (buckets_.size() - 1);
    Bucket& b = buckets_[slot];
    if (!b.used || b.ip != ip.octets() || b.v6 != ip.is_ipv6()) {
        b = Bucket{ip.octets(), ip.is_ipv6(), true, static_cast<double>(limit_), now};
    }
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(static_cast<double>(limit_), b.tokens + elapsed * per_second_);
    b.last = now;
    if (b.tokens < 1.0) return false;
    b.tokens -= 1.0;
    return true;
}

}  // namespace app
