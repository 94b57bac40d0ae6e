#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <mio/version.hpp>

#include "config/load.hpp"
#include "config/log_config.hpp"

namespace app {
namespace {

// Returns the --health option, whose value may be absent (CLI11 keeps no "given" flag for it).
CLI::Option* add_options(CLI::App& app, CliOptions& options, const CliSpec& spec,
                         std::string& health) {
    app.add_option("-c,--config", options.config_path, "Configuration file (TOML)")
        ->envname(spec.config_env_var)
        ->type_name("PATH")
        ->capture_default_str();
    CLI::Option* check = app.add_flag(
        "-t,--check", options.check,
        "Validate the configuration, print 'configuration OK' and exit; binds nothing");
    app.add_option("--diff", options.diff_path,
                   "With --check: print what a reload from OLD to this configuration would "
                   "change (both validated; --set applies to both)")
        ->type_name("OLD")
        ->needs(check);
    app.add_flag("-T,--print-config", options.print_config,
                 "Print the effective configuration, every default filled in, as TOML and exit");
    app.add_option("--set", options.sets,
                   "Override a config key, e.g. --set listeners.echo.idle_timeout=10s "
                   "(repeatable; wins over the file)")
        ->type_name("KEY=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--log-level", options.log_level, "Log level (overrides [log] level)")
        ->check(CLI::IsMember(all_names(kLogLevelNames)));  // the [log] names, one table
    app.add_option("--log-format", options.log_format, "Log format (overrides [log] format)")
        ->check(CLI::IsMember(all_names(kLogFormatNames)));
    app.set_version_flag("-V,--version", version_line(spec.name, spec.version),
                         "Print the version and exit");
    return app
        .add_option("--health", health,
                    "GET /healthz on ADDR (default: $MIO_HEALTH_ADDR, else the config's [admin] "
                    "listen; 0.0.0.0 and [::] mean loopback) and exit 0 if it answers 200, else 1")
        ->type_name("[ADDR]")
        ->expected(0, 1);
}

}  // namespace

std::string version_line(std::string_view name, std::string_view version) {
    return std::string(name) + " " + std::string(version) + " (libpoll " +
           std::string(mio::version()) + ", backend " + std::string(mio::backend_name()) + ")";
}

CliOutcome parse_cli(int argc, const char* const* argv, const CliSpec& spec) {
    CLI::App app(spec.description, spec.name);
    CliOptions options;
    options.config_path = spec.default_config_path;
    std::string health;
    CLI::Option* health_option = add_options(app, options, spec, health);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return CliOutcome{std::nullopt, code == 0 ? kExitOk : kExitUsage};
    }
    if (health_option->count() > 0) options.health = health;
    return CliOutcome{std::move(options), kExitOk};
}

std::vector<std::string> effective_overrides(const CliOptions& options) {
    std::vector<std::string> sets = options.sets;
    if (!options.log_level.empty()) sets.push_back("log.level=" + options.log_level);
    if (!options.log_format.empty()) sets.push_back("log.format=" + options.log_format);
    return sets;
}

toml::table load_effective_config(const CliOptions& options) {
    toml::table config = load_config_file(options.config_path);
    apply_overrides(config, effective_overrides(options));
    return config;
}

}  // namespace app
