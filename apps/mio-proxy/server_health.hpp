#pragma once
// ServerHealth: one upstream server's health, from passive observation (connect failures) and
// active checks. Pure logic (time is passed in), unit-tested.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

#include "proxy_config.hpp"

namespace app {

/// Passive: `max_fails` connect failures within `fail_window` eject the server for
/// `eject_for` (max_fails 0 = never). After the ejection it is eligible again (the next
/// failure starts a new count). A successful connect clears the recent failures (only
/// failures with no success between them count towards an ejection). Failures while ejected
/// count only in connect_failures_total().
/// Active (if configured): a server starts up; `fall` consecutive failed checks mark it down,
/// `rise` consecutive successful checks mark it up again.
/// Eligible = up and not ejected.
class ServerHealth {
public:
    using Clock = std::chrono::steady_clock;

    ServerHealth(const PassiveHealthConfig& passive, std::optional<ActiveHealthConfig> active);

    void on_connect_success(Clock::time_point now);
    void on_connect_failure(Clock::time_point now);
    /// Result of one active check. Returns true if the up/down state changed.
    bool on_check(bool ok);

    [[nodiscard]] bool eligible(Clock::time_point now) const noexcept;
    [[nodiscard]] bool up() const noexcept { return up_; }
    [[nodiscard]] bool ejected(Clock::time_point now) const noexcept;
    /// The end of the latest ejection (in the past once it is over), nullopt if never ejected.
    [[nodiscard]] std::optional<Clock::time_point> ejected_until() const noexcept;
    [[nodiscard]] std::uint64_t ejections_total() const noexcept { return ejections_total_; }
    [[nodiscard]] std::uint64_t connect_failures_total() const noexcept { return failures_total_; }
    /// Replaces the settings (reload) keeping the current state; without active checks the
    /// server is up.
    void reconfigure(const PassiveHealthConfig& passive, std::optional<ActiveHealthConfig> active);

private:
    PassiveHealthConfig passive_;
    std::optional<ActiveHealthConfig> active_;
    std::deque<Clock::time_point> recent_failures_;  ///< within fail_window, at most max_fails
    std::optional<Clock::time_point> ejected_until_;
    bool up_ = true;
    std::uint32_t streak_ = 0;  ///< consecutive check results contrary to the current state
    std::uint64_t ejections_total_ = 0;
    std::uint64_t failures_total_ = 0;
};

}  // namespace app
