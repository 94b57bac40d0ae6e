#include "runtime/daemon_support.hpp"

#include "runtime/log_format.hpp"
#include "runtime/logging.hpp"

namespace app {

bool is_out_of_descriptors(const std::error_code& ec) noexcept {
    return ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system ||
           ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory;
}

bool is_transient_accept_error(const std::error_code& ec) noexcept {
    return ec == std::errc::connection_aborted || ec == std::errc::interrupted ||
           ec == std::errc::protocol_error || ec == std::errc::operation_not_permitted;
}

std::string json_quote(std::string_view text) {
    spdlog::memory_buf_t out;
    append_json_string(out, text);
    return std::string(out.data(), out.size());
}

std::optional<std::chrono::nanoseconds> DeadlineSet::timeout(Clock::time_point now) const {
    if (!earliest_) return std::nullopt;
    if (*earliest_ <= now) return std::chrono::nanoseconds(0);
    return std::chrono::duration_cast<std::chrono::nanoseconds>(*earliest_ - now);
}

void Lifecycle::on_signals(SignalSource& signals, const Actions& actions) {
    for (int signo : signals.drain()) {
        switch (signo) {
            case SIGTERM:
            case SIGINT:
            case SIGQUIT:
                if (draining_) {
                    spdlog::warn("{} during drain: stopping now", signal_name(signo));
                    stop_ = true;
                } else {
                    actions.drain(signal_name(signo));
                }
                break;
            case SIGHUP:
                actions.reload();
                break;
            case SIGUSR1:
                reopen_log_files();
                spdlog::info("log files reopened");
                break;
            default:
                break;
        }
    }
}

void Lifecycle::start_drain(std::chrono::milliseconds timeout) noexcept {
    draining_ = true;
    deadline_ = Clock::now() + timeout;
}

}  // namespace app
