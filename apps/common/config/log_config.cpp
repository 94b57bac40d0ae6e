#include "config/log_config.hpp"

#include <utility>
#include <vector>

namespace app {
namespace {

const std::vector<std::pair<std::string, spdlog::level::level_enum>>& level_names() {
    static const std::vector<std::pair<std::string, spdlog::level::level_enum>> names{
        {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
        {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
        {"error", spdlog::level::err},   {"off", spdlog::level::off},
    };
    return names;
}

const std::vector<std::pair<std::string, LogFormat>>& format_names() {
    static const std::vector<std::pair<std::string, LogFormat>> names{
        {"text", LogFormat::text},
        {"json", LogFormat::json},
    };
    return names;
}

}  // namespace

LogConfig parse_log_config(Section& log) {
    LogConfig config;
    config.level = log.choice("level", config.level, level_names());
    config.format = log.choice("format", config.format, format_names());
    config.target = log.get<std::string>("target", config.target);
    if (config.target.empty()) {
        log.fail("target", "must be \"stderr\", \"stdout\" or a file path, not empty");
    }
    return config;
}

std::string log_level_name(spdlog::level::level_enum level) {
    for (const auto& [name, value] : level_names()) {
        if (value == level) return name;
    }
    return "critical";
}

toml::table log_config_to_toml(const LogConfig& config) {
    toml::table table;
    table.insert("level", log_level_name(config.level));
    table.insert("format", config.format == LogFormat::json ? "json" : "text");
    table.insert("target", config.target);
    return table;
}

}  // namespace app
