// SIGHUP (see reload_config in runtime/daemon_support.hpp): a valid new configuration is
// applied without cutting connections: changed upstreams are rebuilt (tunnels already open
// keep the server they have), changed listeners are re-bound, removed ones stop accepting.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "proxy_server.hpp"
#include "runtime/logging.hpp"

namespace app {

void ProxyServer::apply(ProxyConfig next) {
    if (!(next.log == config_.log)) setup_logging(next.log.level, next.log.format, next.log.target);
    // Upstreams: unchanged ones keep their state (health, counters); changed or new ones are
    // built afresh and the old objects retire once no tunnel uses them.
    std::uint64_t seed = 0x51ed270b0f1d2c3bull + upstreams_.size();
    for (const UpstreamConfig& u : next.upstreams) {
        bool same = false;
        for (Upstream& old : upstreams_) {
            if (old.retired || old.config().name != u.name) continue;
            same = old.config() == u;
            if (!same) old.retired = true;
        }
        if (!same) upstreams_.emplace_back(u, seed++);
    }
    for (Upstream& old : upstreams_) {
        if (!next.upstream(old.config().name)) old.retired = true;
    }
    // Listeners: same sockets -> update in place; otherwise close and open anew.
    std::vector<const ProxyListenerConfig*> to_open;
    for (std::uint32_t i = 0; i < listeners_.size(); ++i) {
        ProxyListener& l = listeners_[i];
        if (l.retired) continue;
        const ProxyListenerConfig* wanted = nullptr;
        for (const auto& c : next.listeners) {
            if (c.name == l.config.name) wanted = &c;
        }
        if (wanted && wanted->bind == l.config.bind && wanted->reuseport == l.config.reuseport) {
            l.config = *wanted;
            l.upstream = upstream_index(wanted->upstream);
            continue;
        }
        for (auto& s : sockets_) {
            if (s.listener == i) close_socket(s);
        }
        l.retired = true;
        if (wanted) to_open.push_back(wanted);
    }
    for (const auto& c : next.listeners) {
        bool known = false;
        for (const auto& l : listeners_)
            known = known || (!l.retired && l.config.name == c.name);
        if (!known && std::find(to_open.begin(), to_open.end(), &c) == to_open.end()) {
            to_open.push_back(&c);
        }
    }
    const bool admin_changed = !(next.admin == config_.admin);
    // The buffer and pipe pools are sized once: their keys apply at the next start.
    if (next.runtime.buffer_size != config_.runtime.buffer_size ||
        next.runtime.memory_limit != config_.runtime.memory_limit) {
        spdlog::warn(
            "reload: runtime.buffer_size and runtime.memory_limit take effect at the next start; "
            "keeping {} and {} bytes",
            config_.runtime.buffer_size, config_.runtime.memory_limit);
        next.runtime.buffer_size = config_.runtime.buffer_size;
        next.runtime.memory_limit = config_.runtime.memory_limit;
    }
    config_ = std::move(next);
    for (const ProxyListenerConfig* c : to_open) {
        try {
            open_listener(*c);
        } catch (const std::exception& e) {
            spdlog::error("reload: {}", e.what());
        }
    }
    // Active checks for the upstreams built by this reload.
    const auto now = Clock::now();
    for (std::uint32_t u = 0; u < upstreams_.size(); ++u) {
        const Upstream& upstream = upstreams_[u];
        if (upstream.retired || !upstream.config().health) continue;
        bool has_checks = false;
        for (const HealthCheck& c : checks_)
            has_checks = has_checks || c.upstream == u;
        if (has_checks) continue;
        for (std::uint32_t s = 0; s < upstream.servers().size(); ++s) {
            HealthCheck& check = checks_.emplace_back();
            check.upstream = u;
            check.server = s;
            check.timer = timers_.schedule(now, kServerSide | (checks_.size() - 1));
        }
    }
    if (admin_changed) {
        admin_.reset();
        try {
            open_admin();
        } catch (const std::exception& e) {
            spdlog::error("reload: {}", e.what());
        }
    }
}

}  // namespace app
