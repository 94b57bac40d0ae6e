#include "runtime/metrics.hpp"

#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "runtime/logging.hpp"

namespace app {
namespace {

bool is_metric_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        const bool digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && i > 0)) return false;
    }
    return true;
}

void family_header(std::string& out, std::string_view prefix, std::string_view name,
                   std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {}_{} {}\n# TYPE {}_{} {}\n", prefix, name,
                   help, prefix, name, type);
}

// One listener-scoped family: header, then one sample per listener.
template <class Get>
void listener_family(std::string& out, std::string_view prefix,
                     const std::deque<ListenerMetrics>& listeners, std::string_view name,
                     std::string_view type, std::string_view help, Get get) {
    family_header(out, prefix, name, type, help);
    for (const ListenerMetrics& m : listeners) {
        fmt::format_to(std::back_inserter(out), "{}_{}{{listener=\"{}\"}} {}\n", prefix, name,
                       escape_label_value(m.listener), get(m));
    }
}

}  // namespace

std::string_view to_string(ErrorKind kind) noexcept {
    return find_name(kErrorKindNames, kind).value_or("other");
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

MetricsRegistry::MetricsRegistry(std::string prefix) : prefix_(std::move(prefix)) {
    if (!is_metric_name(prefix_)) {
        throw std::invalid_argument(fmt::format("invalid metric prefix '{}'", prefix_));
    }
}

ListenerMetrics& MetricsRegistry::listener(std::string_view name) {
    for (ListenerMetrics& m : listeners_) {
        if (m.listener == name) return m;
    }
    ListenerMetrics& m = listeners_.emplace_back();
    m.listener = std::string(name);
    return m;
}

void MetricsRegistry::add_gauge(std::string name, std::string help,
                                std::function<std::uint64_t()> read) {
    if (!is_metric_name(name)) throw std::invalid_argument("invalid metric name '" + name + "'");
    extras_.push_back(Extra{std::move(name), std::move(help), false, std::move(read)});
}

void MetricsRegistry::add_counter(std::string name, std::string help,
                                  std::function<std::uint64_t()> read) {
    if (!is_metric_name(name)) throw std::invalid_argument("invalid metric name '" + name + "'");
    extras_.push_back(Extra{std::move(name), std::move(help), true, std::move(read)});
}

std::string MetricsRegistry::render() const {
    std::string out;
    render_to(out);
    return out;
}

void MetricsRegistry::render_to(std::string& out) const {
    render_listener_families(out);
    render_errors(out);
    for (const Extra& e : extras_) {
        family_header(out, prefix_, e.name, e.counter ? "counter" : "gauge", e.help);
        fmt::format_to(std::back_inserter(out), "{}_{} {}\n", prefix_, e.name, e.read());
    }
    family_header(out, prefix_, "log_dropped_total", "counter",
                  "Log lines dropped because the asynchronous log queue was full.");
    fmt::format_to(std::back_inserter(out), "{}_log_dropped_total {}\n", prefix_,
                   log_dropped_total());
}

void MetricsRegistry::render_listener_families(std::string& out) const {
    const auto& ls = listeners_;
    listener_family(out, prefix_, ls, "connections_open", "gauge", "Connections currently open.",
                    [](const ListenerMetrics& m) { return m.connections_open; });
    listener_family(out, prefix_, ls, "connections_total", "counter", "Connections accepted.",
                    [](const ListenerMetrics& m) { return m.connections_total; });
    listener_family(out, prefix_, ls, "bytes_in_total", "counter", "Bytes read from clients.",
                    [](const ListenerMetrics& m) { return m.bytes_in; });
    listener_family(out, prefix_, ls, "bytes_out_total", "counter", "Bytes written to clients.",
                    [](const ListenerMetrics& m) { return m.bytes_out; });
    listener_family(out, prefix_, ls, "rejected_total", "counter",
                    "Connections refused at accept (limits, draining).",
                    [](const ListenerMetrics& m) { return m.rejected_total; });
}

void MetricsRegistry::render_errors(std::string& out) const {
    family_header(out, prefix_, "errors_total", "counter", "Errors by kind.");
    for (const ListenerMetrics& m : listeners_) {
        const std::string label = escape_label_value(m.listener);
        for (const auto& [name, kind] : kErrorKindNames) {
            fmt::format_to(std::back_inserter(out),
                           "{}_errors_total{{listener=\"{}\",kind=\"{}\"}} {}\n", prefix_, label,
                           name, m.error_count(kind));
        }
    }
}

}  // namespace app
