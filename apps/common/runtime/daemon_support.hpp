#pragma once
// Small pieces of the daemon loop (runtime/daemon_loop.hpp), each testable on its own:
// start-up error handling, accept-error classification, the poll timeout from several
// deadlines, the signal conventions (Lifecycle) and SIGHUP reload.

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <mio/error.hpp>
#include <mio/events.hpp>
#include <mio/poll.hpp>

#include "runtime/service_notify.hpp"
#include "runtime/signals.hpp"

namespace app {

/// The value of `r`, or throws std::runtime_error("<what>: <reason>") (start-up failures,
/// which the daemons report and exit 1 on).
template <class T>
T unwrap_or_throw(mio::Result<T> r, std::string_view what) {
    if (!r) throw std::runtime_error(fmt::format("{}: {}", what, r.error().message()));
    if constexpr (!std::is_void_v<T>) return std::move(*r);
}

/// accept() failed because the process or the system is out of descriptors or memory: leave
/// the client in the backlog and try again when something is freed.
[[nodiscard]] bool is_out_of_descriptors(const std::error_code& ec) noexcept;

/// accept() failed for that one connection only (aborted before it was accepted, ...): skip it.
[[nodiscard]] bool is_transient_accept_error(const std::error_code& ec) noexcept;

/// `text` as a JSON string literal, quotes included (invalid UTF-8 becomes U+FFFD).
[[nodiscard]] std::string json_quote(std::string_view text);

/// The earliest of several optional deadlines, turned into a Poll::poll timeout.
class DeadlineSet {
public:
    using Clock = std::chrono::steady_clock;
    void consider(std::optional<Clock::time_point> t) noexcept {
        if (t && (!earliest_ || *t < *earliest_)) earliest_ = t;
    }
    /// std::nullopt (wait forever) if no deadline was given; zero if one has passed.
    [[nodiscard]] std::optional<std::chrono::nanoseconds> timeout(Clock::time_point now) const;

private:
    std::optional<Clock::time_point> earliest_;
};

/// The daemons' signal conventions: SIGTERM, SIGINT and SIGQUIT start a graceful drain (a
/// second one stops at once), SIGHUP reloads, SIGUSR1 reopens the log files.
class Lifecycle {
public:
    using Clock = std::chrono::steady_clock;
    struct Actions {
        std::function<void(std::string_view signal)> drain;  ///< stop accepting, let work finish
        std::function<void()> reload;
    };

    /// Handles every signal that arrived since the last call.
    void on_signals(SignalSource& signals, const Actions& actions);
    /// Marks the drain as started, with its hard deadline.
    void start_drain(std::chrono::milliseconds timeout) noexcept;

    [[nodiscard]] bool draining() const noexcept { return draining_; }
    [[nodiscard]] bool stop_requested() const noexcept { return stop_; }
    [[nodiscard]] std::optional<Clock::time_point> drain_deadline() const noexcept {
        if (!draining_) return std::nullopt;
        return deadline_;
    }

private:
    bool draining_ = false;
    bool stop_ = false;
    Clock::time_point deadline_{};
};

/// Thrown by an `apply` that refused a new configuration and changed nothing (e.g. one of its
/// listeners could not bind).
struct ReloadRefused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace detail {

/// reload_config() without the service manager's notifications.
template <class Config, class Apply>
std::optional<std::string> reload_and_apply(
    const std::function<std::optional<Config>(std::string*)>& reload, Apply&& apply) {
    std::string error;
    auto next = reload ? reload(&error) : std::nullopt;
    if (!next) {
        if (error.empty()) error = "no reload source";
        spdlog::error("reload failed, keeping the current configuration: {}", error);
        return error;
    }
    try {
        apply(std::move(*next));
        spdlog::info("configuration reloaded");
        return std::nullopt;
    } catch (const ReloadRefused& e) {
        spdlog::error("reload refused, keeping the current configuration: {}", e.what());
        return std::string(e.what());
    } catch (const std::exception& e) {
        spdlog::error("reload partly applied: {}", e.what());
        return std::string("partly applied: ") + e.what();
    }
}

}  // namespace detail

/// SIGHUP and POST /reload: re-reads the configuration with `reload`; on error logs why and
/// keeps the running configuration, else hands the new one to `apply`, which may throw
/// ReloadRefused (nothing changed) or another exception (logged as partly applied). Returns
/// nullopt when the new configuration is running, else the reason, as logged. Tells a
/// service manager (notify_reloading, then notify_ready with the outcome as its status).
template <class Config, class Apply>
std::optional<std::string> reload_config(
    const std::function<std::optional<Config>(std::string*)>& reload, Apply&& apply) {
    notify_reloading();
    std::optional<std::string> failure =
        detail::reload_and_apply<Config>(reload, std::forward<Apply>(apply));
    notify_ready(failure ? "serving; the last reload was not applied: " + *failure
                         : "serving; configuration reloaded");
    return failure;
}

}  // namespace app
