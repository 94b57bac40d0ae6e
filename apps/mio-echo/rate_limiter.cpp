#include "rate_limiter.hpp"

#include <algorithm>

namespace app {

RateLimiter::RateLimiter(std::uint32_t rate, std::size_t max_sources,
                         std::chrono::milliseconds forget_after)
    : rate_(rate), max_sources_(max_sources), forget_after_(forget_after) {
    if (forget_after_.count() <= 0) forget_after_ = std::chrono::minutes(1);
}

bool RateLimiter::allow(const std::string& source, Clock::time_point now) {
    if (rate_ == 0) return true;
    auto it = buckets_.find(source);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_sources_) forget_idle(now);
        if (buckets_.size() >= max_sources_) return false;
        it = buckets_.emplace(source, Bucket{static_cast<double>(rate_), now}).first;
    }
    Bucket& b = it->second;
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(static_cast<double>(rate_), b.tokens + elapsed * rate_);
    b.last = now;
    if (b.tokens < 1.0) return false;
    b.tokens -= 1.0;
    return true;
}

void RateLimiter::forget_idle(Clock::time_point now) {
    std::erase_if(buckets_,
                  [&](const auto& entry) { return now - entry.second.last >= forget_after_; });
}

}  // namespace app
