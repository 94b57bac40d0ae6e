#pragma once
// Reloading listeners, for both daemons: the running listeners are matched by name against the
// new configuration. One whose sockets stay the same is updated in place (its connections pick
// up the new limits); one whose sockets change is closed and re-opened; one that disappears
// stops accepting while its connections finish. Connections are never cut by a reload.

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "runtime/listener_set.hpp"

namespace app {

/// Closes listener `index`'s sockets in `set` and marks it retired; its connections finish.
template <class State>
void retire_listener(State& state, std::uint32_t index, ListenerSet& set) {
    set.close_owner(index);
    state.retired = true;
    spdlog::info("listener '{}' closed; its connections finish", state.config.name);
}

/// What a reload does to the running listeners, decided before anything changes.
template <class Config>
struct ListenerPlan {
    std::vector<std::pair<std::uint32_t, const Config*>> update;  ///< same sockets: in place
    std::vector<std::uint32_t> close;  ///< changed sockets or removed: closed (and retired)
    std::vector<const Config*> open;   ///< new, or re-bound: opened, in `next` order
};

/// Plans applying `next` to `running` (a container of states with `.config` (with `.name`) and
/// `.retired`, indexed as the ListenerSet owners): a listener whose sockets can stay
/// (`same_sockets(old, new)`) is updated in place; one whose sockets change is closed and
/// opened again; one that disappears is closed (its connections finish); a new one is opened.
/// Changes nothing. Thread safety: the event-loop thread.
template <class States, class Config, class SameSockets>
[[nodiscard]] ListenerPlan<Config> plan_listeners(const States& running,
                                                  const std::vector<Config>& next,
                                                  SameSockets&& same_sockets) {
    ListenerPlan<Config> plan;
    auto find = [&](const std::string& name) -> const Config* {
        for (const Config& c : next) {
            if (c.name == name) return &c;
        }
        return nullptr;
    };
    std::vector<const Config*> kept;
    for (std::uint32_t i = 0; i < running.size(); ++i) {
        const auto& state = running[i];
        if (state.retired) continue;
        const Config* wanted = find(state.config.name);
        if (wanted && same_sockets(state.config, *wanted)) {
            plan.update.emplace_back(i, wanted);
            kept.push_back(wanted);
        } else {
            plan.close.push_back(i);
        }
    }
    for (const Config& c : next) {
        if (std::find(kept.begin(), kept.end(), &c) == kept.end()) plan.open.push_back(&c);
    }
    return plan;
}

/// Applies plan_listeners() at once: updates in place (`update(state, new)`), closes the
/// sockets of the listeners to close in `set` (marking them retired), and returns the configs
/// to open (pointers into `next`), in order. Connections are never cut.
template <class States, class Config, class SameSockets, class Update>
[[nodiscard]] std::vector<const Config*> reconcile_listeners(States& running,
                                                             const std::vector<Config>& next,
                                                             ListenerSet& set,
                                                             SameSockets&& same_sockets,
                                                             Update&& update) {
    ListenerPlan<Config> plan = plan_listeners(running, next, same_sockets);
    for (const auto& [index, wanted] : plan.update)
        update(running[index], *wanted);
    for (std::uint32_t index : plan.close)
        retire_listener(running[index], index, set);
    return std::move(plan.open);
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
