#include "upstream.hpp"

#include <algorithm>

namespace app {

Upstream::Upstream(UpstreamConfig config, std::uint64_t seed)
    : config_(std::move(config)), balancer_(config_.balance, config_.servers, seed) {
    for (const ServerConfig& s : config_.servers) {
        servers_.push_back(
            ServerRuntime{s, s.address.to_string(), ServerHealth(config_.passive, config_.health)});
    }
    eligible_.resize(servers_.size());
    active_.resize(servers_.size());
}

std::optional<std::size_t> Upstream::pick(Clock::time_point now, std::uint64_t client_key,
                                          std::span<const std::uint16_t> tried) {
    for (std::size_t i = 0; i < servers_.size(); ++i) {
        const ServerRuntime& s = servers_[i];
        const bool full = s.config.max_connections != 0 && s.active >= s.config.max_connections;
        const bool was_tried = std::find(tried.begin(), tried.end(), i) != tried.end();
        eligible_[i] = s.health.eligible(now) && !full && !was_tried ? 1 : 0;
        active_[i] = s.active;
    }
    return balancer_.pick(Candidates{eligible_, active_}, client_key);
}

}  // namespace app
