#pragma once
// Metrics: plain single-threaded counters and gauges per listener, rendered in the Prometheus
// text exposition format (version 0.0.4) for the admin endpoint's /metrics.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "config/enum_names.hpp"

namespace app {

/// Why an error was counted. A small fixed set, so it renders as one bounded label.
enum class ErrorKind : std::uint8_t { accept, read, write, connect, timeout, limit, other };

/// The label values of the kinds, in enumerator order (metrics render them in this order).
inline constexpr EnumNames<ErrorKind, 7> kErrorKindNames{{
    {"accept", ErrorKind::accept},
    {"read", ErrorKind::read},
    {"write", ErrorKind::write},
    {"connect", ErrorKind::connect},
    {"timeout", ErrorKind::timeout},
    {"limit", ErrorKind::limit},
    {"other", ErrorKind::other},
}};
inline constexpr std::size_t kErrorKindCount = kErrorKindNames.size();

/// The label value of an ErrorKind ("accept", "read", ...), from kErrorKindNames.
[[nodiscard]] std::string_view to_string(ErrorKind kind) noexcept;

/// The counters of one listener. Plain integers: the event loop is the only writer and reader.
struct ListenerMetrics {
    std::string listener;
    std::uint64_t connections_open = 0;   ///< gauge
    std::uint64_t connections_total = 0;  ///< accepted (or UDP sessions created)
    std::uint64_t bytes_in = 0;           ///< read from clients
    std::uint64_t bytes_out = 0;          ///< written to clients
    std::uint64_t rejected_total = 0;     ///< refused at accept (limits, draining)
    std::array<std::uint64_t, kErrorKindCount> errors{};

    /// A connection was accepted: connections_open and connections_total go up.
    void on_open() noexcept {
        ++connections_open;
        ++connections_total;
    }
    /// A connection closed: connections_open goes down (never below zero).
    void on_close() noexcept {
        if (connections_open > 0) --connections_open;
    }
    /// Counts one error of `kind`.
    void add_error(ErrorKind kind) noexcept { ++errors[static_cast<std::size_t>(kind)]; }
    /// The count for `kind`.
    [[nodiscard]] std::uint64_t error_count(ErrorKind kind) const noexcept {
        return errors[static_cast<std::size_t>(kind)];
    }
};

/// All listeners' metrics of one daemon, plus extra process-wide values, rendered with a
/// metric name prefix such as "mio_echo". Thread safety: none (single event-loop thread).
class MetricsRegistry {
public:
    /// Metrics named `<prefix>_<name>`. Errors: std::invalid_argument if `prefix` is not a
    /// valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*).
    explicit MetricsRegistry(std::string prefix);

    /// The metrics of `name`, created (all zero) on first use. The reference stays valid for
    /// the registry's lifetime (listeners are never removed, so counters survive reloads).
    ListenerMetrics& listener(std::string_view name);

    /// Adds a process-wide gauge `<prefix>_<name>` whose value is read at render time (e.g.
    /// buffers in use). Errors: std::invalid_argument for an invalid name.
    void add_gauge(std::string name, std::string help, std::function<std::uint64_t()> read);
    /// Like add_gauge, for a counter (the name should end in `_total`).
    void add_counter(std::string name, std::string help, std::function<std::uint64_t()> read);

    /// The whole exposition: per-listener families, the extra values, and
    /// `<prefix>_log_dropped_total` (from log_dropped_total()).
    [[nodiscard]] std::string render() const;
    /// Appends the exposition to `out` (lets the caller reuse one string).
    void render_to(std::string& out) const;

    [[nodiscard]] const std::string& prefix() const noexcept { return prefix_; }

private:
    struct Extra {
        std::string name;
        std::string help;
        bool counter;
        std::function<std::uint64_t()> read;
    };

    void render_listener_families(std::string& out) const;
    void render_errors(std::string& out) const;

    std::string prefix_;
    std::deque<ListenerMetrics> listeners_;  // deque: references stay valid on growth
    std::deque<Extra> extras_;
};

/// Escapes a Prometheus label value: backslash, double quote and newline.
[[nodiscard]] std::string escape_label_value(std::string_view value);

}  // namespace app
