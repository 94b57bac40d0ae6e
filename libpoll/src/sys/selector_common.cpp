// Helpers shared by every backend.
#include <atomic>
#include <climits>

#include "selector.hpp"

namespace mio::sys {

std::uint64_t next_selector_id() noexcept {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

int timeout_to_ms(std::optional<std::chrono::nanoseconds> timeout) noexcept {
    if (!timeout) return -1;
    const std::int64_t ns = timeout->count();
    if (ns <= 0) return 0;
    // Round up so that 1ns..1ms waits 1 ms rather than spinning (mio 0.8.5); computed without
    // overflow for nanoseconds::max().
    const std::int64_t ms = ns / 1'000'000 + (ns % 1'000'000 != 0 ? 1 : 0);
    return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

}  // namespace mio::sys
