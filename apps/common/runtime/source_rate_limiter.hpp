#pragma once
// SourceRateLimiter: at most `limit` new connections (or sessions) per `window` from one client
// IP, as a token bucket per source. The buckets live in a fixed table indexed by a hash of the
// IP; a new source that lands on a slot held by another takes it over. So memory is fixed,
// nothing is allocated per source, and no flood of sources can lock out the next client: under
// such a flood the limit can only get looser for the evicted sources, never stricter.

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include <mio/net/socket_addr.hpp>

namespace app {

/// Thread safety: none (the event-loop thread).
class SourceRateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    /// `limit` per `window` per IP (burst `limit`); limit 0 = unlimited. `slots` buckets
    /// (rounded up to a power of two, at least 64), allocated once.
    SourceRateLimiter(std::uint32_t limit, std::chrono::milliseconds window, std::size_t slots);

    /// True if one more new connection from `addr`'s IP is within the limit now (and counts
    /// it). Never allocates.
    [[nodiscard]] bool allow(const mio::net::SocketAddr& addr, Clock::time_point now) noexcept;

    /// New limits (a reload); every source starts again from a full bucket.
    void set_limit(std::uint32_t limit, std::chrono::milliseconds window) noexcept;

private:
    struct Bucket {
        std::array<std::uint8_t, 16> ip{};
        bool v6 = false;
        bool used = false;
        double tokens = 0;
        Clock::time_point last{};
    };

    std::uint32_t limit_;
    double per_second_;
    std::vector<Bucket> buckets_;
};

}  // namespace app
