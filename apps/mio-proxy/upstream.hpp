#pragma once
// Upstream: an [upstreams.<name>] at run time: its servers' health and load, and the balancer.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "balancer.hpp"
#include "proxy_config.hpp"
#include "server_health.hpp"

namespace app {

struct ServerRuntime {
    ServerConfig config;
    std::string label;  ///< the address as text, for logs, metrics and /upstreams
    ServerHealth health;
    std::uint32_t active = 0;  ///< open proxied connections
    std::uint64_t connections_total = 0;
    std::uint64_t bytes_to_server = 0;
    std::uint64_t bytes_from_server = 0;
    std::uint64_t connect_errors = 0;
};

class Upstream {
public:
    using Clock = std::chrono::steady_clock;
    Upstream(UpstreamConfig config, std::uint64_t seed);

    /// Picks a server that is eligible now, below its max_connections and not in `tried`;
    /// nullopt if there is none.
    [[nodiscard]] std::optional<std::size_t> pick(Clock::time_point now, std::uint64_t client_key,
                                                  std::span<const std::uint16_t> tried);

    [[nodiscard]] const UpstreamConfig& config() const noexcept { return config_; }
    [[nodiscard]] std::vector<ServerRuntime>& servers() noexcept { return servers_; }
    [[nodiscard]] const std::vector<ServerRuntime>& servers() const noexcept { return servers_; }
    bool retired = false;     ///< replaced by a reload: no new tunnels or sessions
    std::uint32_t users = 0;  ///< tunnels and sessions that use it (a retired one is freed at 0)

private:
    UpstreamConfig config_;
    Balancer balancer_;
    std::vector<ServerRuntime> servers_;
    std::vector<std::uint8_t> eligible_;  // scratch for pick(): no allocation per connection
    std::vector<std::uint32_t> active_;
};

}  // namespace app
