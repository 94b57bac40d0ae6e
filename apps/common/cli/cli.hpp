#pragma once
// The command line shared by mio-echo and mio-proxy, and their exit codes.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace app {

/// Exit codes: scripts and systemd rely on them (78 is sysexits.h EX_CONFIG, which systemd
/// units can treat as "do not restart").
inline constexpr int kExitOk = 0;       ///< clean shutdown, --check OK, --help, --version
inline constexpr int kExitFailure = 1;  ///< runtime failure (e.g. bind failed)
inline constexpr int kExitUsage = 2;    ///< bad command line
inline constexpr int kExitConfig = 78;  ///< invalid configuration (EX_CONFIG)

/// What the command line asked for.
struct CliOptions {
    std::string config_path;        ///< -c/--config, else the env var, else the default
    bool check = false;             ///< -t/--check
    bool print_config = false;      ///< -T/--print-config
    std::string diff_path;          ///< --diff OLD (with --check), "" if not given
    std::vector<std::string> sets;  ///< --set key.path=value, in order
    std::string log_level;          ///< --log-level, "" if not given
    std::string log_format;         ///< --log-format, "" if not given
    /// --health[=ADDR]: probe an admin endpoint's /healthz and exit; nullopt if not given, ""
    /// if given without an address (then $MIO_HEALTH_ADDR, else the config's [admin] listen).
    std::optional<std::string> health;
};

/// The per-daemon parts of the command line.
struct CliSpec {
    std::string name;                 ///< "mio-echo"
    std::string version;              ///< the daemon's version, e.g. "0.1.0"
    std::string description;          ///< one line for --help
    std::string default_config_path;  ///< "/etc/mio-echo/mio-echo.toml"
    std::string config_env_var;       ///< "MIO_ECHO_CONFIG"
};

/// Either options to run with, or an exit code to return at once (help, version, bad flag).
struct CliOutcome {
    std::optional<CliOptions> options;
    int exit_code = kExitOk;
};

/// "<name> <version> (libpoll <mio::version()>, backend <mio::backend_name()>)".
[[nodiscard]] std::string version_line(std::string_view name, std::string_view version);

/// Parses argv with CLI11. --help and --version print to stdout and give exit code 0; every
/// other CLI11 parse error prints to stderr and gives kExitUsage. Never throws CLI11 errors.
[[nodiscard]] CliOutcome parse_cli(int argc, const char* const* argv, const CliSpec& spec);

/// The overrides to apply, in order: every --set, then --log-level and --log-format (as
/// log.level=... and log.format=..., so the dedicated flags win).
[[nodiscard]] std::vector<std::string> effective_overrides(const CliOptions& options);

/// Loads options.config_path and applies effective_overrides(). Throws ConfigError (unreadable
/// file, syntax error) or UsageError (malformed --set).
[[nodiscard]] toml::table load_effective_config(const CliOptions& options);

}  // namespace app
