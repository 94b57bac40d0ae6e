#include "cli/daemon.hpp"

#include <cstdlib>
#include <iostream>
#include <string_view>

#include "config/toml_diff.hpp"

namespace app {

void print_error(const std::exception& error) {
    std::string_view text = error.what();
    // One "error: " per line, so that each error of a ConfigErrors reads (and greps) alone.
    while (true) {
        const std::size_t end = text.find('\n');
        std::cerr << "error: " << text.substr(0, end) << '\n';
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    std::cerr.flush();
}

int print_config(const toml::table& config) {
    std::cout << config << std::endl;
    return kExitOk;
}

int print_config_diff(const toml::table& before, const toml::table& after) {
    const std::vector<std::string> lines = diff_tables(before, after);
    if (lines.empty()) std::cout << "no changes\n";
    for (const std::string& line : lines)
        std::cout << line << '\n';
    std::cout.flush();
    return kExitOk;
}

std::optional<Endpoint> explicit_health_target(const CliOptions& options) {
    std::string text = *options.health;
    if (text.empty()) {
        const char* env = std::getenv("MIO_HEALTH_ADDR");
        if (env == nullptr || *env == '\0') return std::nullopt;
        text = env;
    }
    std::string why;
    const auto endpoint = Endpoint::parse(text, &why);
    if (!endpoint) throw UsageError("--health: " + why);
    return health_target(*endpoint);
}

int print_config_ok() {
    std::cout << "configuration OK" << std::endl;
    return kExitOk;
}

std::string reload_error_text(const std::exception& error) {
    // The reload log line stays one line (the text log escapes newlines, JSON would too).
    if (const auto* all = dynamic_cast<const ConfigErrors*>(&error)) return all->joined("; ");
    return error.what();
}

}  // namespace app
