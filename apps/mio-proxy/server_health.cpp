// ServerHealth: passive ejection (sliding window of connect failures) and active up/down.

#include "server_health.hpp"

#include <utility>

namespace app {

ServerHealth::ServerHealth(const PassiveHealthConfig& passive,
                           std::optional<ActiveHealthConfig> active)
    : passive_(passive), active_(std::move(active)) {}

void ServerHealth::on_connect_success(Clock::time_point now) {
    (void)now;
    recent_failures_.clear();
}

void ServerHealth::on_connect_failure(Clock::time_point now) {
    ++failures_total_;
    if (passive_.max_fails == 0 || ejected(now)) return;
    while (!recent_failures_.empty() && now - recent_failures_.front() >= passive_.fail_window) {
        recent_failures_.pop_front();
    }
    recent_failures_.push_back(now);
    while (recent_failures_.size() > passive_.max_fails)
        recent_failures_.pop_front();
    if (recent_failures_.size() < passive_.max_fails) return;
    ejected_until_ = now + passive_.eject_for;
    ++ejections_total_;
    recent_failures_.clear();
}

bool ServerHealth::on_check(bool ok) {
    if (!active_) return false;
    if (ok == up_) {  // agrees with the current state: any contrary streak is broken
        streak_ = 0;
        return false;
    }
    ++streak_;
    if (streak_ < (up_ ? active_->fall : active_->rise)) return false;
    up_ = !up_;
    streak_ = 0;
    return true;
}

bool ServerHealth::eligible(Clock::time_point now) const noexcept {
    return up_ && !ejected(now);
}

bool ServerHealth::ejected(Clock::time_point now) const noexcept {
    return ejected_until_ && now < *ejected_until_;
}

std::optional<ServerHealth::Clock::time_point> ServerHealth::ejected_until() const noexcept {
    return ejected_until_;
}

void ServerHealth::reconfigure(const PassiveHealthConfig& passive,
                               std::optional<ActiveHealthConfig> active) {
    passive_ = passive;
    active_ = std::move(active);
    if (passive_.max_fails == 0) recent_failures_.clear();
    while (recent_failures_.size() > passive_.max_fails)
        recent_failures_.pop_front();
    if (!active_) {  // without active checks nothing can mark the server down (or up again)
        up_ = true;
        streak_ = 0;
    }
}

}  // namespace app
