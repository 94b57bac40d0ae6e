#include "runtime/log_format.hpp"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

namespace app {
namespace {

void append(spdlog::memory_buf_t& out, std::string_view s) {
    out.append(s.data(), s.data() + s.size());
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (RFC 3629:
// no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        len = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        len = 3;
        if (lead == 0xe0) lo = 0xa0;
        if (lead == 0xed) hi = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        len = 4;
        if (lead == 0xf0) lo = 0x90;
        if (lead == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < len; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
    }
    return len;
}

void append_json_ascii(spdlog::memory_buf_t& out, char c) {
    switch (c) {
        case '"':
            append(out, "\\\"");
            return;
        case '\\':
            append(out, "\\\\");
            return;
        case '\n':
            append(out, "\\n");
            return;
        case '\r':
            append(out, "\\r");
            return;
        case '\t':
            append(out, "\\t");
            return;
        case '\b':
            append(out, "\\b");
            return;
        case '\f':
            append(out, "\\f");
            return;
        default:
            break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
        fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
    } else {
        out.push_back(c);
    }
}

// Replaces the context separators in a name, so a listener name cannot break the framing.
void append_context_field(fmt::memory_buffer& out, std::string_view field) {
    for (const char c : field) {
        out.push_back(c == detail::kContextMark || c == detail::kFieldMark ? '?' : c);
    }
}

}  // namespace

LogPayload parse_payload(std::string_view payload) noexcept {
    LogPayload plain;
    plain.message = payload;
    if (payload.empty() || payload.front() != detail::kContextMark) return plain;
    const std::size_t end = payload.find(detail::kContextMark, 1);
    if (end == std::string_view::npos) return plain;
    const std::string_view ctx = payload.substr(1, end - 1);
    const std::size_t f1 = ctx.find(detail::kFieldMark);
    const std::size_t f2 = f1 == std::string_view::npos ? f1 : ctx.find(detail::kFieldMark, f1 + 1);
    if (f2 == std::string_view::npos) return plain;
    LogPayload out;
    const std::string_view conn = ctx.substr(f1 + 1, f2 - f1 - 1);
    const auto [ptr, ec] = std::from_chars(conn.data(), conn.data() + conn.size(), out.conn);
    if (ec != std::errc{} || ptr != conn.data() + conn.size()) return plain;
    out.has_context = true;
    out.listener = ctx.substr(0, f1);
    out.upstream = ctx.substr(f2 + 1);
    out.message = payload.substr(end + 1);
    return out;
}

void append_json_string(spdlog::memory_buf_t& out, std::string_view text) {
    out.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            append_json_ascii(out, text[i]);
            ++i;
            continue;
        }
        const std::size_t len = utf8_sequence_length(text, i);
        if (len == 0) {
            append(out, "\\ufffd");
            ++i;
        } else {
            append(out, text.substr(i, len));
            i += len;
        }
    }
    out.push_back('"');
}

void append_text_escaped(spdlog::memory_buf_t& out, std::string_view text) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\n') {
            append(out, "\\n");
        } else if (c == '\r') {
            append(out, "\\r");
        } else if (c == '\t') {
            append(out, "\\t");
        } else if (u < 0x20 || u == 0x7f) {
            fmt::format_to(std::back_inserter(out), "\\x{:02x}", u);
        } else {
            out.push_back(c);
        }
    }
}

void append_rfc3339_utc(spdlog::memory_buf_t& out, std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto ms = floor<milliseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    const auto millis = static_cast<int>(ms - static_cast<std::int64_t>(secs) * 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   millis);
}

std::string_view level_name(spdlog::level::level_enum level) noexcept {
    return find_name(kLogLevelNames, level).value_or("off");  // every level is in the table
}

void LineFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    if (format_ == LogFormat::json) {
        format_json(msg, dest);
    } else {
        format_text(msg, dest);
    }
}

std::unique_ptr<spdlog::formatter> LineFormatter::clone() const {
    return std::make_unique<LineFormatter>(format_);
}

void LineFormatter::format_text(const spdlog::details::log_msg& msg,
                                spdlog::memory_buf_t& dest) const {
    const LogPayload p = parse_payload(std::string_view(msg.payload.data(), msg.payload.size()));
    append_rfc3339_utc(dest, msg.time);
    dest.push_back(' ');
    append(dest, level_name(msg.level));
    dest.push_back(' ');
    if (p.has_context) {
        append(dest, "[listener=");
        append_text_escaped(dest, p.listener);
        fmt::format_to(std::back_inserter(dest), " conn={}", p.conn);
        if (!p.upstream.empty()) {
            append(dest, " upstream=");
            append_text_escaped(dest, p.upstream);
        }
        append(dest, "] ");
    }
    append_text_escaped(dest, p.message);
    dest.push_back('\n');
}

void LineFormatter::format_json(const spdlog::details::log_msg& msg,
                                spdlog::memory_buf_t& dest) const {
    const LogPayload p = parse_payload(std::string_view(msg.payload.data(), msg.payload.size()));
    append(dest, "{\"ts\":\"");
    append_rfc3339_utc(dest, msg.time);
    append(dest, "\",\"level\":\"");
    append(dest, level_name(msg.level));
    append(dest, "\",\"msg\":");
    append_json_string(dest, p.message);
    if (p.has_context) {
        append(dest, ",\"listener\":");
        append_json_string(dest, p.listener);
        fmt::format_to(std::back_inserter(dest), ",\"conn\":{}", p.conn);
        if (!p.upstream.empty()) {
            append(dest, ",\"upstream\":");
            append_json_string(dest, p.upstream);
        }
    }
    append(dest, "}\n");
}

namespace detail {

void append_conn_context(fmt::memory_buffer& out, std::string_view listener, std::uint64_t conn,
                         std::string_view upstream) {
    out.push_back(kContextMark);
    append_context_field(out, listener);
    out.push_back(kFieldMark);
    fmt::format_to(std::back_inserter(out), "{}", conn);
    out.push_back(kFieldMark);
    append_context_field(out, upstream);
    out.push_back(kContextMark);
}

}  // namespace detail
}  // namespace app
