#pragma once
// The [log] section shared by both daemons.

#include <string>

#include <spdlog/common.h>
#include <toml++/toml.h>

#include "config/config_reader.hpp"
#include "runtime/log_format.hpp"

namespace app {

/// `[log]`: level (trace|debug|info|warn|error|off), format (text|json), target (stderr,
/// stdout, or a file path).
struct LogConfig {
    spdlog::level::level_enum level = spdlog::level::info;
    LogFormat format = LogFormat::text;
    std::string target = "stderr";

    friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

/// Reads `[log]` (every key optional). Throws ConfigError for a bad level, format or an empty
/// target.
[[nodiscard]] LogConfig parse_log_config(Section& log);

/// The `[log]` table with every key filled in.
[[nodiscard]] toml::table log_config_to_toml(const LogConfig& config);

/// The config name of a level: "trace", "debug", "info", "warn", "error" or "off"; "critical"
/// (which the config cannot select) for spdlog::level::critical.
[[nodiscard]] std::string log_level_name(spdlog::level::level_enum level);

}  // namespace app
