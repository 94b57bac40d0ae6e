#pragma once
// Helpers of the mio-proxy config tests: parse a config text, expect its ConfigError, and check
// that --print-config's TOML parses back to the same config.

#include <catch2/catch.hpp>

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/load.hpp"
#include "proxy_config.hpp"

namespace proxy_config_test {

/// Parses `text` as proxy.toml, after the --set overrides `sets`; throws its ConfigError.
inline app::ProxyConfig parse_proxy(std::string_view text,
                                    const std::vector<std::string>& sets = {}) {
    toml::table table = app::parse_config_text(text, "proxy.toml");
    app::apply_overrides(table, sets);
    app::ConfigReader reader(table, "proxy.toml");
    return app::parse_proxy_config(reader);
}

/// The ConfigError `text` gives; FAILs if it parses.
inline app::ConfigError proxy_error(std::string_view text) {
    try {
        (void)parse_proxy(text);
    } catch (const app::ConfigError& error) {
        return error;
    }
    FAIL("expected a ConfigError");
    throw std::logic_error("unreachable");
}

/// to_toml, printed and parsed again, must give back `config`.
inline void check_round_trip(const app::ProxyConfig& config) {
    std::ostringstream text;
    text << app::proxy_config_to_toml(config);
    INFO(text.str());
    CHECK(parse_proxy(text.str()) == config);
}

}  // namespace proxy_config_test
