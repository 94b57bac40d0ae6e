#pragma once
// Logging for the daemons, made for containers and journald alike: diagnostics on stderr by
// default, text or JSON lines with RFC 3339 UTC timestamps, connection context on
// connection-scoped lines, and an asynchronous logger that never blocks the event loop.
//
// How lines can be lost: messages go through a bounded queue (LogSettings::queue_size) to one
// logging thread. When the queue is full the *oldest* queued line is dropped (spdlog's
// overrun_oldest policy) and counted in log_dropped_total(); the loop never waits for a slow
// stderr pipe or disk.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "runtime/log_format.hpp"

namespace app {

/// Where and how to log; the daemons fill it from the config file and --log-* flags.
struct LogSettings {
    std::string level = "info";     ///< trace, debug, info, warn (warning), error, critical, off
    std::string format = "text";    ///< text or json
    std::string target = "stderr";  ///< stderr, stdout, or a file path (appended to)
    std::size_t queue_size = 8192;  ///< lines the async queue holds before dropping the oldest
};

/// Validates `settings` and installs them as spdlog's default logger (so spdlog::info() etc.
/// work everywhere): an async logger with its own single logging thread (which blocks all
/// signals, so they reach the event loop), a bounded queue, overrun-oldest. May be called again
/// (e.g. after a reload): the previous logger's queued lines are written out first.
/// Errors: std::invalid_argument with a clear message for an unknown level or format, an empty
/// target, an unopenable file, or queue_size 0; nothing changes then.
/// Thread safety: call from the main thread only, not concurrently with itself.
void setup_logging(const LogSettings& settings);

/// setup_logging() from already-parsed values (e.g. the config's LogConfig).
/// Errors: as setup_logging(), for the target and queue_size.
void setup_logging(spdlog::level::level_enum level, LogFormat format, const std::string& target,
                   std::size_t queue_size = 8192);

/// Parses a level name as accepted by LogSettings::level.
/// Errors: std::invalid_argument listing the valid names.
[[nodiscard]] spdlog::level::level_enum parse_log_level(std::string_view name);

/// Lines dropped so far because the queue was full, across every setup_logging() call.
/// Thread safety: any thread.
[[nodiscard]] std::uint64_t log_dropped_total() noexcept;

/// For SIGUSR1: if the target is a file, it is reopened by path, in queue order (lines logged
/// before this call go to the old file). For stderr/stdout it does nothing. Never blocks.
void reopen_log_files();

/// At exit (or before inspecting a log file in a test): writes every queued line and flushes,
/// waiting for the logging thread. The default logger then stays usable but synchronous until
/// the next setup_logging(). Thread safety: main thread only.
void flush_logs();

/// Opens the access log at `target` (stderr, stdout or a file path, appended to), or closes
/// it for "off". Its lines go through the same bounded queue and thread as the logs (dropped
/// lines are counted in log_dropped_total()), are written exactly as given (one record per
/// line), and a file target is reopened by reopen_log_files(). Survives setup_logging().
/// Errors: std::invalid_argument for an empty target or an unopenable file; nothing changes.
/// Thread safety: main thread only, like setup_logging().
void setup_access_log(const std::string& target);

/// Queues one access-log line (without its newline). Never blocks; does nothing when no
/// access log is open. Thread safety: any thread.
void write_access_log(std::string_view line);

namespace detail {
/// Encodes the connection context in front of a message (see log_format.hpp).
void append_conn_context(fmt::memory_buffer& out, std::string_view listener, std::uint64_t conn,
                         std::string_view upstream);
}  // namespace detail

/// The context of a connection-scoped line. `upstream` may be empty.
struct ConnContext {
    std::string_view listener;
    std::uint64_t conn = 0;
    std::string_view upstream = {};
};

/// Logs a connection-scoped line through the default logger: in text format
/// `... info [listener=echo conn=42 upstream=10.0.0.2:80] message`, in JSON the fields
/// "listener", "conn" (a number) and "upstream" (when not empty) after "msg". Formats nothing
/// when `level` is disabled. Errors: none (spdlog's error handler reports sink failures).
template <class... Args>
void log_ctx(spdlog::level::level_enum level, const ConnContext& ctx,
             fmt::format_string<Args...> format, Args&&... args) {
    spdlog::logger* logger = spdlog::default_logger_raw();
    if (!logger->should_log(level)) return;
    fmt::memory_buffer buf;
    detail::append_conn_context(buf, ctx.listener, ctx.conn, ctx.upstream);
    fmt::format_to(std::back_inserter(buf), format, std::forward<Args>(args)...);
    logger->log(level, spdlog::string_view_t(buf.data(), buf.size()));
}

/// log_ctx() without an upstream: `app::log_conn(spdlog::level::info, "echo", 42, "closed")`.
template <class... Args>
void log_conn(spdlog::level::level_enum level, std::string_view listener, std::uint64_t conn,
              fmt::format_string<Args...> format, Args&&... args) {
    log_ctx(level, ConnContext{listener, conn, {}}, format, std::forward<Args>(args)...);
}

}  // namespace app
