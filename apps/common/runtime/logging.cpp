#include "runtime/logging.hpp"

#include <csignal>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <fmt/ranges.h>
#include <pthread.h>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "runtime/log_file_sink.hpp"
#include "runtime/log_format.hpp"

namespace app {
namespace {

// The logging setup owned by this module. Replaced as a whole by setup_logging().
struct LogState {
    std::mutex mutex;
    std::shared_ptr<spdlog::details::thread_pool> pool;  // null when synchronous
    spdlog::sink_ptr sink;
    std::shared_ptr<ReopenableFileSink> file_sink;  // set when the target is a file
    std::uint64_t dropped_before = 0;               // drops of retired pools
    // The access log: its own sink and logger, on the same queue and thread as the logs.
    spdlog::sink_ptr access_sink;
    std::shared_ptr<ReopenableFileSink> access_file;
    std::shared_ptr<spdlog::logger> access;
};

LogState& state() {
    static LogState s;
    return s;
}

LogFormat parse_format(std::string_view name) {
    if (auto format = find_value(kLogFormatNames, name)) return *format;
    throw std::invalid_argument(fmt::format("invalid log format '{}': expected {}", name,
                                            fmt::join(all_names(kLogFormatNames), ", ")));
}

// The sink for `target`; sets `file` when the target is a path.
spdlog::sink_ptr make_sink(const std::string& target, std::shared_ptr<ReopenableFileSink>& file) {
    if (target.empty()) {
        throw std::invalid_argument("invalid log target '': expected stderr, stdout or a path");
    }
    if (target == "stderr") return std::make_shared<spdlog::sinks::stderr_sink_mt>();
    if (target == "stdout") return std::make_shared<spdlog::sinks::stdout_sink_mt>();
    file = std::make_shared<ReopenableFileSink>(target);
    return file;
}

// Runs on the logging thread: signals must be handled by the event-loop thread.
void block_all_signals() noexcept {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
}

// Stops the asynchronous pool after the default logger no longer uses it: joining the thread
// writes out every queued line. Caller holds the state mutex.
void retire_pool(LogState& s) {
    if (!s.pool) return;
    s.dropped_before += s.pool->overrun_counter();
    s.pool.reset();  // the only owner: joins the logging thread
}

// The access logger on the current queue (or synchronous without one), writing lines as given.
// Caller holds the state mutex. Rebuilt whenever the queue is replaced: an async logger only
// holds a weak reference to its queue.
void rebuild_access_logger(LogState& s) {
    if (!s.access_sink) {
        s.access.reset();
        return;
    }
    if (s.pool) {
        s.access = std::make_shared<spdlog::async_logger>(
            "access", s.access_sink, s.pool, spdlog::async_overflow_policy::overrun_oldest);
    } else {
        s.access = std::make_shared<spdlog::logger>("access", s.access_sink);
    }
    s.access->set_level(spdlog::level::info);
}

}  // namespace

void setup_access_log(const std::string& target) {
    LogState& s = state();
    std::shared_ptr<ReopenableFileSink> file;
    spdlog::sink_ptr sink;
    if (target != "off") {
        sink = make_sink(target, file);
        sink->set_pattern("%v");  // the line is the record, already JSON
    }
    const std::lock_guard lock(s.mutex);
    s.access_sink = std::move(sink);
    s.access_file = std::move(file);
    rebuild_access_logger(s);
}

void write_access_log(std::string_view line) {
    LogState& s = state();
    const std::lock_guard lock(s.mutex);
    if (s.access) s.access->info("{}", line);
}

spdlog::level::level_enum parse_log_level(std::string_view name) {
    if (auto level = find_value(kLogLevelNames, name)) return *level;
    if (name == "warning") return spdlog::level::warn;  // spdlog's own name
    throw std::invalid_argument(fmt::format("invalid log level '{}': expected {}", name,
                                            fmt::join(all_names(kLogLevelNames), ", ")));
}

void setup_logging(const LogSettings& settings) {
    setup_logging(parse_log_level(settings.level), parse_format(settings.format), settings.target,
                  settings.queue_size);
}

void setup_logging(spdlog::level::level_enum level, LogFormat format, const std::string& target,
                   std::size_t queue_size) {
    if (queue_size == 0) throw std::invalid_argument("log queue_size must be > 0");
    std::shared_ptr<ReopenableFileSink> file;
    spdlog::sink_ptr sink = make_sink(target, file);
    sink->set_formatter(std::make_unique<LineFormatter>(format));

    auto pool = std::make_shared<spdlog::details::thread_pool>(queue_size, 1U, block_all_signals);
    auto logger = std::make_shared<spdlog::async_logger>(
        "", sink, pool, spdlog::async_overflow_policy::overrun_oldest);
    logger->set_level(level);

    LogState& s = state();
    const std::lock_guard lock(s.mutex);
    spdlog::set_default_logger(logger);
    retire_pool(s);
    s.pool = std::move(pool);
    s.sink = std::move(sink);
    s.file_sink = std::move(file);
    rebuild_access_logger(s);
}

std::uint64_t log_dropped_total() noexcept {
    LogState& s = state();
    const std::lock_guard lock(s.mutex);
    return s.dropped_before + (s.pool ? s.pool->overrun_counter() : 0);
}

void reopen_log_files() {
    LogState& s = state();
    {
        const std::lock_guard lock(s.mutex);
        if (s.access_file) {
            s.access_file->request_reopen();
            s.access->flush();  // async: the sink reopens when the queue gets there
        }
        if (!s.file_sink) return;
        s.file_sink->request_reopen();
    }
    // Async: posts a flush to the queue (never waits); the sink reopens when it gets there.
    spdlog::default_logger_raw()->flush();
}

void flush_logs() {
    LogState& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.pool) {
        spdlog::default_logger_raw()->flush();
        return;
    }
    auto sync = std::make_shared<spdlog::logger>("", s.sink);
    sync->set_level(spdlog::default_logger_raw()->level());
    spdlog::set_default_logger(sync);
    retire_pool(s);
    rebuild_access_logger(s);  // synchronous now, like the default logger
    s.sink->flush();           // also performs a pending reopen
    if (s.access_sink) s.access_sink->flush();
}

}  // namespace app
