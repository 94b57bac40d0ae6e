#include "config/daemon_schema.hpp"

#include <algorithm>

namespace app {

AdminConfig parse_admin(Section& root, BindClaims& bound) {
    Section admin = root.section_or_empty("admin");
    AdminConfig config;
    config.listen = admin.endpoint("listen");
    if (config.listen) bound.claim(*config.listen, true, "[admin]", admin, "listen");
    return config;
}

toml::table admin_to_toml(const AdminConfig& admin) {
    toml::table table;
    if (admin.listen) table.insert("listen", admin.listen->to_string());
    return table;
}

std::vector<std::pair<std::string, Section>> listener_sections(Section& root) {
    auto sections = root.sections("listeners");
    // Only when nothing was written at all: members with bad names are reported already.
    if (sections.empty() && !root.failed("listeners")) {
        root.error("listeners", "at least one [listeners.<name>] table is required");
    }
    return sections;
}

std::uint32_t listener_max_connections(Section& listener, std::uint32_t default_value,
                                       std::uint32_t runtime_cap, std::uint32_t limit) {
    const std::uint32_t value = listener.integer<std::uint32_t>(
        "max_connections", std::min(default_value, runtime_cap), 1, limit);
    const bool cap_known = !listener.reader().has_error("runtime.max_connections");
    if (value > runtime_cap && cap_known) {
        listener.error("max_connections", "must not exceed runtime.max_connections (" +
                                              std::to_string(runtime_cap) + ")");
    }
    return value;
}

}  // namespace app
