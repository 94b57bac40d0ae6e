#include "access_log.hpp"

#include <fmt/format.h>

#include "runtime/log_format.hpp"

namespace app {

std::string_view closed_by(CloseCause cause) noexcept {
    switch (cause) {
        case CloseCause::client_fin:
        case CloseCause::client_reset:
            return "client";
        case CloseCause::server_fin:
        case CloseCause::server_reset:
            return "server";
        default:
            return "proxy";
    }
}

namespace {

void append_key(spdlog::memory_buf_t& out, std::string_view key) {
    out.push_back(',');
    append_json_string(out, key);
    out.push_back(':');
}

void append_string_or_null(spdlog::memory_buf_t& out, std::string_view key,
                           std::string_view value) {
    append_key(out, key);
    if (value.empty()) {
        fmt::format_to(std::back_inserter(out), "null");
    } else {
        append_json_string(out, value);
    }
}

void append_ms(spdlog::memory_buf_t& out, std::string_view key,
               std::optional<std::chrono::microseconds> value) {
    append_key(out, key);
    if (!value) {
        fmt::format_to(std::back_inserter(out), "null");
    } else {
        fmt::format_to(std::back_inserter(out), "{:.3f}",
                       static_cast<double>(value->count()) / 1e3);
    }
}

}  // namespace

std::string format_access_record(const AccessRecord& r) {
    spdlog::memory_buf_t out;
    fmt::format_to(std::back_inserter(out), "{{\"time\":\"");
    append_rfc3339_utc(out, r.time);
    fmt::format_to(std::back_inserter(out), "\",\"event\":\"{}\"", r.ended ? "end" : "interval");
    append_string_or_null(out, "listener", r.listener);
    append_string_or_null(out, "protocol", r.protocol);
    append_string_or_null(out, "client", r.client ? r.client->to_string() : std::string());
    append_string_or_null(out, "server", r.server);
    const bool udp = r.protocol == "udp";
    if (!udp) fmt::format_to(std::back_inserter(out), ",\"retries\":{}", r.retries);
    fmt::format_to(std::back_inserter(out), ",\"bytes_in\":{},\"bytes_out\":{}", r.bytes_in,
                   r.bytes_out);
    if (udp) {
        fmt::format_to(std::back_inserter(out), ",\"datagrams_in\":{},\"datagrams_out\":{}",
                       r.datagrams_in, r.datagrams_out);
    } else {
        append_ms(out, "connect_ms", r.connect);
    }
    append_ms(out, "duration_ms", r.duration);
    if (r.ended) {
        append_string_or_null(out, "closed_by", closed_by(r.cause));
        append_string_or_null(out, "reason", find_name(kCloseCauseNames, r.cause).value_or("?"));
    }
    out.push_back('}');
    return fmt::to_string(out);
}

}  // namespace app
