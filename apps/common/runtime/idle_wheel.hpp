#pragma once
// IdleWheel: idle timeouts for many connections at a few bytes each.
//
// A connection is filed once under the tick its timeout would expire at if it stayed idle.
// Activity only updates the connection's own `last_active` tick (no wheel operation, so the
// hot path costs one store). When a slot comes due, each entry is checked: a connection that
// was active since is filed again under its new expiry; one that was not is reported idle.
// Memory: one 8-byte key per connection; slot vectors keep their capacity (no steady-state
// allocation).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace app {

class IdleWheel {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kTick{100};

    explicit IdleWheel(Clock::time_point start, std::size_t slots = 4096)
        : start_(start), slots_(slots) {}

    /// The tick number of `t` (ticks since construction).
    [[nodiscard]] std::uint32_t tick_of(Clock::time_point t) const noexcept {
        const auto ticks = (t - start_) / kTick;
        return ticks < 0 ? 0 : static_cast<std::uint32_t>(ticks);
    }
    /// Ticks in `timeout`, rounded up (at least 1).
    [[nodiscard]] static std::uint32_t ticks_in(std::chrono::milliseconds timeout) noexcept {
        const auto n = (timeout + kTick - std::chrono::milliseconds(1)) / kTick;
        return n < 1 ? 1u : static_cast<std::uint32_t>(n);
    }

    /// Files `key` to expire at tick `expiry`.
    void add(std::uint64_t key, std::uint32_t expiry) {
        slots_[expiry % slots_.size()].push_back(Entry{key, expiry});
        // The scan starts at the earliest expiry, so an empty wheel never walks idle slots.
        next_tick_ = size_ == 0 ? expiry : std::min(next_tick_, expiry);
        ++size_;
    }

    /// When the next slot with entries may come due; nullopt if the wheel is empty.
    [[nodiscard]] std::optional<Clock::time_point> next_deadline() const noexcept {
        if (size_ == 0) return std::nullopt;
        return start_ + kTick * (static_cast<std::int64_t>(next_tick_));
    }

    /// Visits every entry whose slot is due at `now`. `check(key, expiry)` returns the new
    /// expiry tick to re-file the key under, or nullopt to drop it (closed, or reported idle).
    template <class F>
    void advance(Clock::time_point now, F&& check) {
        const std::uint32_t now_tick = tick_of(now);
        while (next_tick_ <= now_tick && size_ > 0) {
            const std::uint32_t tick = next_tick_;
            auto& slot = slots_[tick % slots_.size()];
            due_.swap(slot);
            for (const Entry& e : due_) {
                --size_;
                if (e.expiry > now_tick) {  // a later lap of the wheel
                    add(e.key, e.expiry);
                    continue;
                }
                if (auto again = check(e.key, e.expiry)) add(e.key, *again);
            }
            due_.clear();
            // add() may have moved next_tick_ (only ever beyond `tick`): keep the later one.
            next_tick_ = size_ == 0 ? tick + 1 : std::max(next_tick_, tick + 1);
        }
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }

private:
    struct Entry {
        std::uint64_t key;
        std::uint32_t expiry;
    };
    Clock::time_point start_;
    std::vector<std::vector<Entry>> slots_;
    std::vector<Entry> due_;
    std::size_t size_ = 0;
    std::uint32_t next_tick_ = 0;
};

}  // namespace app
