#pragma once
// The [log] section shared by both daemons.

#include <string>

#include <spdlog/common.h>
#include <toml++/toml.h>

#include "config/config_reader.hpp"
#include "config/enum_names.hpp"
#include "runtime/log_format.hpp"

namespace app {

/// `[log]`: level and format (the names of kLogLevelNames and kLogFormatNames,
/// runtime/log_format.hpp), target (stderr, stdout, or a file path).
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

}  // namespace app
