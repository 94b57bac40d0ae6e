#pragma once
// run_daemon: the main() shared by both daemons (CLI -> config -> check/print/serve).

#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <toml++/toml.h>

#include "cli/cli.hpp"
#include "cli/health_probe.hpp"
#include "config/config_error.hpp"
#include "config/config_reader.hpp"
#include "config/load.hpp"

namespace app {

/// Re-reads and re-validates the same file with the same overrides (for SIGHUP / POST
/// /reload). Returns the new config, or nullopt with the reason in *error (if not null); never
/// throws.
template <class Config>
using ReloadFn = std::function<std::optional<Config>(std::string* error)>;

/// What a daemon plugs into run_daemon().
template <class Config>
struct DaemonSpec {
    std::string name;                 ///< "mio-echo"
    std::string version;              ///< the daemon's version
    std::string description;          ///< one line for --help
    std::string default_config_path;  ///< "/etc/mio-echo/mio-echo.toml"
    std::string config_env_var;       ///< "MIO_ECHO_CONFIG"
    /// Reads and validates the schema, recording errors in the reader (see Section); may throw
    /// ConfigError for a failure it cannot go on from. Unknown keys and every recorded error
    /// are reported after it returns (it may also call reader.finish() itself).
    std::function<Config(ConfigReader&)> parse;
    /// The config with every default filled in (for --print-config); must parse back equal.
    std::function<toml::table(const Config&)> to_toml;
    /// Runs the daemon until shutdown and returns its exit code (kExitOk / kExitFailure). An
    /// exception escaping it is reported on stderr and gives kExitFailure.
    std::function<int(Config, const CliOptions&, ReloadFn<Config>)> serve;

    /// The CLI part of this spec.
    [[nodiscard]] CliSpec cli() const {
        return CliSpec{name, version, description, default_config_path, config_env_var};
    }
};

/// Prints "error: <line>" on stderr for every line of error.what() (a ConfigErrors has one
/// line per error). Thread safety: as std::cerr.
void print_error(const std::exception& error);
/// Prints `config` as TOML on stdout; returns kExitOk.
int print_config(const toml::table& config);
/// Prints "configuration OK" on stdout; returns kExitOk.
int print_config_ok();
/// Prints diff_tables(before, after) on stdout, one line each, or "no changes"; returns
/// kExitOk.
int print_config_diff(const toml::table& before, const toml::table& after);
/// The text of a failed reload for one log line: a ConfigErrors' errors joined by "; ", else
/// what(). Throws only std::bad_alloc.
[[nodiscard]] std::string reload_error_text(const std::exception& error);

/// Loads the file named by `options`, applies the overrides, parses it with `parse`, and
/// rejects unknown keys. Throws ConfigErrors (a ConfigError) carrying every error of the
/// config in file order, ConfigError for an unreadable file or a syntax error, or UsageError
/// (malformed --set).
template <class Config>
[[nodiscard]] Config load_daemon_config(const CliOptions& options,
                                        const std::function<Config(ConfigReader&)>& parse) {
    const toml::table table = load_effective_config(options);
    ConfigReader reader(table, options.config_path);
    std::optional<Config> config;
    // A ConfigError escaping `parse` joins the errors recorded before it.
    (void)reader.attempt([&] { config.emplace(parse(reader)); });
    reader.finish();
    return std::move(*config);
}

/// A ReloadFn for `options`: load_daemon_config() with every exception turned into *error
/// (every config error, on one line: see reload_error_text).
template <class Config>
[[nodiscard]] ReloadFn<Config> make_reload(const CliOptions& options,
                                           std::function<Config(ConfigReader&)> parse) {
    return [options, parse = std::move(parse)](std::string* error) -> std::optional<Config> {
        try {
            return load_daemon_config<Config>(options, parse);
        } catch (const std::exception& e) {
            if (error != nullptr) *error = reload_error_text(e);
            return std::nullopt;
        }
    };
}

/// --check --diff OLD: validates OLD (with the same overrides) and prints what changes from it
/// to `config`. OLD's errors are reported like the file's own: kExitConfig, or kExitUsage for
/// a malformed --set.
template <class Config>
[[nodiscard]] int check_diff(const CliOptions& options, const DaemonSpec<Config>& spec,
                             const Config& config) {
    CliOptions old_options = options;
    old_options.config_path = options.diff_path;
    try {
        const Config old = load_daemon_config<Config>(old_options, spec.parse);
        return print_config_diff(spec.to_toml(old), spec.to_toml(config));
    } catch (const UsageError& e) {
        print_error(e);
        return kExitUsage;
    } catch (const ConfigError& e) {
        print_error(e);
        return kExitConfig;
    }
}

/// How long --health waits for the whole exchange: below a container engine's default
/// health-check timeout, and far above what a live loop on loopback needs.
inline constexpr std::chrono::milliseconds kHealthTimeout{2000};

/// The address --health probes when the command line and $MIO_HEALTH_ADDR name none: the
/// config's admin endpoint (`config.admin.listen`, where the Config has one). Throws
/// ConfigError if it has none.
template <class Config>
[[nodiscard]] Endpoint admin_health_target(const Config& config, const std::string& path) {
    if constexpr (requires { config.admin.listen; }) {
        if (config.admin.listen) return health_target(*config.admin.listen);
    }
    throw ConfigError(path, 0, 0, "admin.listen",
                      "not set: --health needs an admin endpoint (or give --health ADDR)");
}

/// --health given with an address (or $MIO_HEALTH_ADDR set): the endpoint, without reading the
/// config; nullopt if neither names one. Throws UsageError for a malformed address.
[[nodiscard]] std::optional<Endpoint> explicit_health_target(const CliOptions& options);

/// The whole main(): parse the CLI (help/version: 0, bad flag: kExitUsage), load the file and
/// the overrides and validate (invalid: one "error: <file:line:col: key: msg>" line per error
/// on stderr, in file order, at most ConfigErrors::kMaxListed then "... and N more errors",
/// and kExitConfig; malformed --set: kExitUsage), then --print-config (TOML on stdout, 0),
/// --check ("configuration OK" on stdout, 0), --health (see CliOptions::health: 0 healthy, 1
/// not; the config is read only when no address is given), else spec.serve(). Never throws.
template <class Config>
[[nodiscard]] int run_daemon(int argc, const char* const* argv, const DaemonSpec<Config>& spec) {
    const CliOutcome cli = parse_cli(argc, argv, spec.cli());
    if (!cli.options) return cli.exit_code;
    const CliOptions& options = *cli.options;
    std::optional<Config> config;
    try {
        if (options.health) {
            if (auto target = explicit_health_target(options))
                return run_health_probe(*target, kHealthTimeout);
        }
        config.emplace(load_daemon_config<Config>(options, spec.parse));
        if (options.health)
            return run_health_probe(admin_health_target(*config, options.config_path),
                                    kHealthTimeout);
    } catch (const UsageError& e) {
        print_error(e);
        return kExitUsage;
    } catch (const ConfigError& e) {
        print_error(e);
        return kExitConfig;
    } catch (const std::exception& e) {
        print_error(e);
        return kExitFailure;
    }
    try {
        if (options.print_config) return print_config(spec.to_toml(*config));
        if (!options.diff_path.empty()) return check_diff(options, spec, *config);
        if (options.check) return print_config_ok();
        return spec.serve(std::move(*config), options, make_reload<Config>(options, spec.parse));
    } catch (const std::exception& e) {
        print_error(e);
        return kExitFailure;
    }
}

}  // namespace app
