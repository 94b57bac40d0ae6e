#pragma once
// Loading the config file and applying `--set key.path=value` overrides.

#include <stdexcept>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace app {

/// A malformed command line (exit code 2), e.g. `--set` without `=`. The message names the
/// offending argument.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Reads and parses the TOML file at `path`; node positions carry `path` as their source.
/// Throws ConfigError naming the path and the OS reason if the file cannot be read, or naming
/// the path, line, column and toml++'s description on a syntax error.
[[nodiscard]] toml::table load_config_file(const std::string& path);

/// Parses `text` as a TOML document named `name` (for tests and in-memory configs).
/// Throws ConfigError on a syntax error, as load_config_file().
[[nodiscard]] toml::table parse_config_text(std::string_view text, const std::string& name);

/// Applies `key.path=value` overrides in order (later ones win). The value is taken as TOML if
/// it parses as a single TOML value (`10`, `true`, `"x"`, `["a","b"]`), else as a bare string
/// (`10s`, `127.0.0.1:7`). Missing intermediate tables are created. Overridden nodes report
/// their source as "--set <argument>" (see ConfigReader::locate).
/// Throws UsageError naming the argument if it has no `=`, an empty or malformed key (segments
/// must be [A-Za-z0-9_-]+), or if a path prefix exists but is not a table.
void apply_overrides(toml::table& config, const std::vector<std::string>& sets);

}  // namespace app
