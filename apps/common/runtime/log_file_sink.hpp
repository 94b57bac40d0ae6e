#pragma once
// ReopenableFileSink: an append-mode log file that SIGUSR1 can reopen (logrotate's "move, then
// signal" protocol).

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include <spdlog/sinks/base_sink.h>

namespace app {

/// Appends formatted lines to a file and flushes after each line (it runs on the logging
/// thread, so the event loop never waits for it). request_reopen() marks the file for
/// reopening; the reopen happens at the sink's next flush(), which the async logger delivers
/// in queue order: lines logged before the request go to the old file, later ones to the new.
/// Thread safety: all members may be called from any thread.
class ReopenableFileSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    /// Opens (creating if needed) `path` for appending, close-on-exec.
    /// Errors: std::invalid_argument naming the path and the OS reason.
    explicit ReopenableFileSink(std::string path);
    ReopenableFileSink(const ReopenableFileSink&) = delete;
    ReopenableFileSink& operator=(const ReopenableFileSink&) = delete;
    ~ReopenableFileSink() override;

    /// Asks for the file to be closed and opened again by path at the next flush().
    void request_reopen() noexcept { reopen_.store(true, std::memory_order_release); }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override;

private:
    void reopen_now();

    std::string path_;
    std::FILE* file_ = nullptr;
    std::atomic<bool> reopen_{false};
};

}  // namespace app
