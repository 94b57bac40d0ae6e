// SIGHUP: apply a new, already validated configuration in place. Connections are never cut:
// a listener whose settings change keeps its sockets and its connections pick up the new
// limits and timeouts; one whose bind or protocol changes is closed and opened anew; one
// that disappears stops accepting while its connections finish.
#include <spdlog/spdlog.h>

#include "echo_server.hpp"
#include "runtime/logging.hpp"

namespace app {
namespace {

const EchoListenerConfig* find(const EchoConfig& config, const std::string& name) {
    for (const auto& l : config.listeners) {
        if (l.name == name) return &l;
    }
    return nullptr;
}

}  // namespace

void EchoServer::apply(EchoConfig next) {
    if (!(next.log == config_.log)) {
        setup_logging(next.log.level, next.log.format, next.log.target);
    }
    std::vector<const EchoListenerConfig*> to_open;
    for (std::uint32_t i = 0; i < listeners_.size(); ++i) {
        ListenerState& state = listeners_[i];
        if (state.retired) continue;
        const EchoListenerConfig* wanted = find(next, state.config.name);
        const bool same_sockets = wanted && wanted->bind == state.config.bind &&
                                  wanted->protocol == state.config.protocol;
        if (!same_sockets) {
            for (auto& socket : sockets_) {
                if (socket.listener == i) close_socket(socket);
            }
            state.retired = true;
            spdlog::info("listener '{}' {}", state.config.name,
                         wanted ? "rebinding" : "removed; its connections finish");
            if (wanted) to_open.push_back(wanted);
            continue;
        }
        state.config = *wanted;
        state.pool = &pool_for(wanted->buffer_size);
        for (auto& socket : sockets_) {
            if (socket.listener == i && socket.limiter)
                socket.limiter->set_rate(wanted->rate_limit_pps);
        }
    }
    for (const auto& l : next.listeners) {
        bool known = false;
        for (const auto& state : listeners_)
            known = known || state.config.name == l.name;
        if (!known) to_open.push_back(&l);
    }
    const bool admin_changed = !(next.admin == config_.admin);
    config_.runtime = next.runtime;
    config_.log = next.log;
    for (const EchoListenerConfig* l : to_open) {
        try {
            open_listener(*l);
        } catch (const std::exception& e) {
            spdlog::error("reload: {}", e.what());
        }
    }
    config_ = std::move(next);
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
