#pragma once
// The [log] section shared by both daemons.

#include <string>

#include <spdlog/common.h>
#include <toml++/toml.h>

#include "config/config_reader.hpp"
#include "config/enum_names.hpp"
#include "runtime/log_format.hpp"

namespace app {

/// `[log] level`: the names the config accepts (spdlog's "critical" is not one of them).
inline constexpr EnumNames<spdlog::level::level_enum, 6> kLogLevelNames{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"off", spdlog::level::off},
}};

/// `[log] format`.
inline constexpr EnumNames<LogFormat, 2> kLogFormatNames{{
    {"text", LogFormat::text},
    {"json", LogFormat::json},
}};

/// `[log]`: level (trace|debug|info|warn|error|off), format (text|json), target (stderr,
/// stdout, or a file path).
struct LogConfig {
    spdlog::level::level_enum level = spdlog::level::info;
    LogFormat format = LogFormat::text;
    std::string target = "stderr";

    friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

/// Reads `[log]` (every key optional). Records (see Section) a bad level or format, or an
/// empty target, and keeps the default for it. Throws only std::bad_alloc.
[[nodiscard]] LogConfig parse_log_config(Section& log);

/// The `[log]` table with every key filled in. Throws only std::bad_alloc.
[[nodiscard]] toml::table log_config_to_toml(const LogConfig& config);

/// The config name of a level: "trace", "debug", "info", "warn", "error" or "off"; "critical"
/// (which the config cannot select) for spdlog::level::critical. Throws only std::bad_alloc.
[[nodiscard]] std::string log_level_name(spdlog::level::level_enum level);

}  // namespace app
