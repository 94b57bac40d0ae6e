#pragma once
// Reloading listeners, for both daemons: the running listeners are matched by name against the
// new configuration. One whose sockets stay the same is updated in place (its connections pick
// up the new limits); one whose sockets change is closed and re-opened; one that disappears
// stops accepting while its connections finish. Connections are never cut by a reload.

#include <exception>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "runtime/listener_set.hpp"

namespace app {

/// Applies `next` to `running` (a container of states with `.config` (with `.name`) and
/// `.retired`, indexed as the ListenerSet owners). `same_sockets(old, new)` tells whether the
/// sockets can stay; `update(state, new)` applies the rest in place. Closes the sockets of
/// retired listeners in `set`. Returns the configs to open (pointers into `next`), in order.
/// Thread safety: the event-loop thread.
template <class States, class Config, class SameSockets, class Update>
[[nodiscard]] std::vector<const Config*> reconcile_listeners(States& running,
                                                             const std::vector<Config>& next,
                                                             ListenerSet& set,
                                                             SameSockets&& same_sockets,
                                                             Update&& update) {
    std::vector<const Config*> to_open;
    auto find = [&](const std::string& name) -> const Config* {
        for (const Config& c : next) {
            if (c.name == name) return &c;
        }
        return nullptr;
    };
    for (std::uint32_t i = 0; i < running.size(); ++i) {
        auto& state = running[i];
        if (state.retired) continue;
        const Config* wanted = find(state.config.name);
        if (wanted && same_sockets(state.config, *wanted)) {
            update(state, *wanted);
            continue;
        }
        set.close_owner(i);
        state.retired = true;
        spdlog::info("listener '{}' {}", state.config.name,
                     wanted ? "rebinding" : "removed; its connections finish");
        if (wanted) to_open.push_back(wanted);
    }
    for (const Config& c : next) {
        bool known = false;
        for (const auto& state : running)
            known = known || (!state.retired && state.config.name == c.name);
        for (const Config* o : to_open)
            known = known || o == &c;
        if (!known) to_open.push_back(&c);
    }
    return to_open;
}

/// Runs one step of applying a reload; a failure (e.g. a new bind) is logged and the other
/// steps still run, so a reload applies as much as it can.
template <class F>
void reload_step(F&& step) {
    try {
        step();
    } catch (const std::exception& e) {
        spdlog::error("reload: {}", e.what());
    }
}

}  // namespace app
