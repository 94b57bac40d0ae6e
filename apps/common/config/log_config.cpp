#include "config/log_config.hpp"

namespace app {

LogConfig parse_log_config(Section& log) {
    LogConfig config;
    config.level = log.choice("level", config.level, kLogLevelNames);
    config.format = log.choice("format", config.format, kLogFormatNames);
    config.target = log.get<std::string>("target", config.target);
    if (config.target.empty()) {
        log.error("target", "must be \"stderr\", \"stdout\" or a file path, not empty");
        config.target = "stderr";
    }
    return config;
}

toml::table log_config_to_toml(const LogConfig& config) {
    toml::table table;
    table.insert("level", std::string(level_name(config.level)));
    table.insert("format", std::string(find_name(kLogFormatNames, config.format).value_or("?")));
    table.insert("target", config.target);
    return table;
}

}  // namespace app
