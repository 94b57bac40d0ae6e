#pragma once
// PerIpCounts: open connections per client IP, for a per-IP connection limit. An IP has an
// entry only while it has connections, so the table is bounded by the open connections: a
// flood of new sources costs entries only as long as their connections stay admitted.

#include <cstdint>
#include <string>
#include <unordered_map>

namespace app {

/// Thread safety: none (the event-loop thread).
class PerIpCounts {
public:
    /// True if one more connection from `ip` stays within `limit` (0 = unlimited; an empty
    /// ip, a Unix client, is never limited).
    [[nodiscard]] bool admits(const std::string& ip, std::uint32_t limit) const {
        if (limit == 0 || ip.empty()) return true;
        const auto it = counts_.find(ip);
        return it == counts_.end() || it->second < limit;
    }
    /// Counts a connection from `ip` (non-empty). Errors: std::bad_alloc.
    void add(const std::string& ip) { ++counts_[ip]; }
    /// Un-counts one; the entry goes with the last. An ip never added is ignored.
    void remove(const std::string& ip) noexcept {
        const auto it = counts_.find(ip);
        if (it != counts_.end() && --it->second == 0) counts_.erase(it);
    }
    /// IPs with at least one connection.
    [[nodiscard]] std::size_t size() const noexcept { return counts_.size(); }

private:
    std::unordered_map<std::string, std::uint32_t> counts_;
};

}  // namespace app
