#pragma once
// RateLimiter: a per-source token bucket that keeps UDP echo from being a reflection amplifier.

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace app {

/// Allows `rate` datagrams per second per source (burst `rate`), for at most `max_sources`
/// sources at once. A source idle for `forget_after` is forgotten; when the table is full of
/// recently active sources, datagrams from a new source are refused (counted by the caller),
/// so memory stays bounded whatever the traffic. rate == 0 means unlimited.
/// Thread safety: none (event-loop thread only).
class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    RateLimiter(std::uint32_t rate, std::size_t max_sources,
                std::chrono::milliseconds forget_after);

    /// True if a datagram from `source` may be answered now (and takes one token).
    [[nodiscard]] bool allow(const std::string& source, Clock::time_point now);

    void set_rate(std::uint32_t rate) noexcept { rate_ = rate; }
    [[nodiscard]] std::size_t tracked() const noexcept { return buckets_.size(); }

private:
    struct Bucket {
        double tokens;
        Clock::time_point last;
    };
    void forget_idle(Clock::time_point now);

    std::uint32_t rate_;
    std::size_t max_sources_;
    std::chrono::milliseconds forget_after_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace app
