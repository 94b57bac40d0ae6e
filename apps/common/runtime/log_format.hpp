#pragma once
// The line formats of the daemons' logs: text and JSON, RFC 3339 UTC timestamps, and the
// connection context that app::log_conn() embeds in a message. Used by logging.cpp; public so
// that tests (and an access log) can reuse the pieces.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <spdlog/formatter.h>

#include "config/enum_names.hpp"

namespace app {

enum class LogFormat { text, json };

/// The names of the formats: `[log] format`, --log-format and --print-config read this table.
inline constexpr EnumNames<LogFormat, 2> kLogFormatNames{{
    {"text", LogFormat::text},
    {"json", LogFormat::json},
}};

/// The names of the levels, as log lines print them and `[log] level` and --log-level accept
/// them (spdlog's own names differ: "warning", "err").
inline constexpr EnumNames<spdlog::level::level_enum, 7> kLogLevelNames{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
}};

/// A message split into its connection context (if log_conn() wrote one) and its text.
struct LogPayload {
    bool has_context = false;
    std::string_view listener;
    std::uint64_t conn = 0;
    std::string_view upstream;  ///< empty when not given
    std::string_view message;
};

namespace detail {
// A context-carrying payload is: RS listener US conn US upstream RS message. RS/US are ASCII
// record/unit separators, which never occur in names (they are replaced when encoding).
inline constexpr char kContextMark = '\x1e';
inline constexpr char kFieldMark = '\x1f';
}  // namespace detail

/// Splits a payload written by log_conn(); a payload without a well-formed context comes back
/// with has_context == false and the whole text as the message.
[[nodiscard]] LogPayload parse_payload(std::string_view payload) noexcept;

/// Appends `text` as a JSON string literal (with quotes): `"` `\` and control characters are
/// escaped, invalid UTF-8 bytes become U+FFFD.
void append_json_string(spdlog::memory_buf_t& out, std::string_view text);

/// Appends `text` for a one-line text log: control characters become \n, \r, \t or \xNN, so a
/// message can never forge a second line.
void append_text_escaped(spdlog::memory_buf_t& out, std::string_view text);

/// Appends an RFC 3339 UTC timestamp with milliseconds, e.g. 2026-11-26T15:04:05.123Z.
void append_rfc3339_utc(spdlog::memory_buf_t& out, std::chrono::system_clock::time_point t);

/// The name of a level in kLogLevelNames ("trace", ..., "off"), as both formats print it.
[[nodiscard]] std::string_view level_name(spdlog::level::level_enum level) noexcept;

/// spdlog formatter producing one line per message in the chosen format:
///   text: `2026-11-26T15:04:05.123Z info [listener=echo conn=42] message`
///   json:
///   `{"ts":"2026-11-26T15:04:05.123Z","level":"info","msg":"message","listener":"echo","conn":42}`
/// It runs on the logging thread, never on the event loop.
class LineFormatter final : public spdlog::formatter {
public:
    explicit LineFormatter(LogFormat format) noexcept : format_(format) {}
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;

private:
    void format_text(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) const;
    void format_json(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) const;

    LogFormat format_;
};

}  // namespace app
