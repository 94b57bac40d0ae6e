// mio-proxy's config schema: reading and validating mio-proxy.toml (see proxy_config_write.cpp
// for the way back to TOML).

#include "proxy_config.hpp"

#include "config/bind_claims.hpp"

#include <algorithm>
#include <utility>

#include "config/suggest.hpp"
#include "config/units.hpp"

namespace app {
namespace {

constexpr std::uint32_t kMaxConnectionsLimit = 10'000'000;
constexpr std::uint32_t kDefaultListenerConnections = 10000;
constexpr std::uint64_t kKiB = 1024;

const std::vector<std::pair<std::string, Balance>>& balance_names() {
    static const std::vector<std::pair<std::string, Balance>> names{
        {"round_robin", Balance::round_robin},
        {"least_conn", Balance::least_conn},
        {"p2c", Balance::p2c},
        {"random", Balance::random},
        {"hash", Balance::hash},
        {"first", Balance::first},
    };
    return names;
}

const std::vector<std::pair<std::string, SpliceMode>>& splice_names() {
    static const std::vector<std::pair<std::string, SpliceMode>> names{
        {"off", SpliceMode::off},
        {"auto", SpliceMode::auto_},
        {"always", SpliceMode::always},
    };
    return names;
}

/// A duration that must not be zero ("off" is rejected too).
std::chrono::milliseconds positive_duration(Section& section, std::string_view key,
                                            std::chrono::milliseconds default_value) {
    const auto value = section.duration(key, default_value);
    if (value.count() <= 0) section.fail(key, "must be greater than 0 (\"off\" is not allowed)");
    return value;
}

ProxyRuntimeConfig parse_runtime(Section runtime) {
    ProxyRuntimeConfig config;
    config.max_connections = runtime.integer<std::uint32_t>(
        "max_connections", config.max_connections, 1, kMaxConnectionsLimit);
    config.buffer_size = runtime.size("buffer_size", config.buffer_size, kKiB, 16 * kKiB * kKiB);
    config.memory_limit = runtime.size("memory_limit", config.memory_limit);
    if (config.memory_limit < 2 * config.buffer_size) {
        runtime.fail("memory_limit", "must be at least 2 x buffer_size (" +
                                         format_size(2 * config.buffer_size) + ")");
    }
    config.drain_timeout = runtime.duration("drain_timeout", config.drain_timeout);
    config.splice = runtime.choice("splice", config.splice, splice_names());
    return config;
}

PassiveHealthConfig parse_passive(Section passive) {
    PassiveHealthConfig config;
    config.max_fails = passive.integer<std::uint32_t>("max_fails", config.max_fails, 0, 1000);
    config.fail_window = positive_duration(passive, "fail_window", config.fail_window);
    config.eject_for = positive_duration(passive, "eject_for", config.eject_for);
    return config;
}

ActiveHealthConfig parse_health(Section health) {
    ActiveHealthConfig config;
    config.interval = positive_duration(health, "interval", config.interval);
    config.timeout = positive_duration(health, "timeout", config.timeout);
    if (config.timeout >= config.interval) {
        health.fail("timeout",
                    "must be shorter than interval (" + format_duration(config.interval) + ")");
    }
    config.rise = health.integer<std::uint32_t>("rise", config.rise, 1, 100);
    config.fall = health.integer<std::uint32_t>("fall", config.fall, 1, 100);
    config.send = health.get<std::string>("send", config.send);
    config.expect = health.get<std::string>("expect", config.expect);
    return config;
}

ServerConfig parse_server(Section& section) {
    auto address = section.endpoint("address");
    if (!address) section.missing("address");
    ServerConfig server{.address = std::move(*address)};
    server.weight = section.integer<std::uint32_t>("weight", server.weight, 1, 1000);
    server.max_connections = section.integer<std::uint32_t>(
        "max_connections", server.max_connections, 0, kMaxConnectionsLimit);
    server.backup = section.get<bool>("backup", server.backup);
    return server;
}

std::vector<ServerConfig> parse_servers(Section& upstream) {
    const std::string table = "[[" + upstream.key_path("servers") + "]]";
    std::vector<Section> sections = upstream.table_array("servers");
    if (sections.empty()) {
        upstream.fail("servers",
                      "at least one server is required: add a " + table + " table with an address");
    }
    std::vector<ServerConfig> servers;
    for (std::size_t i = 0; i < sections.size(); ++i) {
        ServerConfig server = parse_server(sections[i]);
        for (std::size_t j = 0; j < servers.size(); ++j) {
            if (servers[j].address != server.address) continue;
            sections[i].fail("address", "'" + server.address.to_string() +
                                            "' is already listed (servers[" + std::to_string(j) +
                                            "])");
        }
        servers.push_back(std::move(server));
    }
    const bool any_primary =
        std::any_of(servers.begin(), servers.end(), [](const auto& s) { return !s.backup; });
    if (!any_primary) upstream.fail("servers", "at least one server must not be a backup");
    return servers;
}

UpstreamConfig parse_upstream(std::string name, Section& section) {
    UpstreamConfig upstream;
    upstream.name = std::move(name);
    upstream.balance = section.choice("balance", upstream.balance, balance_names());
    upstream.connect_timeout =
        positive_duration(section, "connect_timeout", upstream.connect_timeout);
    upstream.idle_timeout = section.duration("idle_timeout", upstream.idle_timeout);
    upstream.half_close = section.get<bool>("half_close", upstream.half_close);
    upstream.fin_timeout = section.duration("fin_timeout", upstream.fin_timeout);
    upstream.retries = section.integer<std::uint32_t>("retries", upstream.retries, 0, 16);
    upstream.passive = parse_passive(section.section_or_empty("passive"));
    if (auto health = section.section("health")) upstream.health = parse_health(*health);
    upstream.servers = parse_servers(section);
    return upstream;
}

void parse_protocol(Section& section) {
    if (section.optional<std::string>("protocol") == "udp") {
        section.fail("protocol", "UDP proxying is not supported yet (only \"tcp\")");
    }
    (void)section.one_of("protocol", "tcp", {"tcp"});
}

std::string parse_upstream_ref(Section& section, const std::vector<UpstreamConfig>& upstreams) {
    std::string name = section.require<std::string>("upstream");
    std::vector<std::string> names;
    for (const UpstreamConfig& upstream : upstreams) {
        if (upstream.name == name) return name;
        names.push_back(upstream.name);
    }
    const std::string hint = did_you_mean(name, names);
    if (!hint.empty()) section.fail("upstream", "no upstream named '" + name + "'" + hint);
    section.fail("upstream",
                 "no upstream named '" + name + "': define it in [upstreams." + name + "]");
}

ProxyListenerConfig parse_listener(std::string name, Section& section, const ProxyConfig& config) {
    ProxyListenerConfig listener;
    listener.name = std::move(name);
    if (!section.has("bind")) section.missing("bind");
    listener.bind = section.endpoints("bind");
    if (listener.bind.empty()) section.fail("bind", "must name at least one address");
    parse_protocol(section);
    listener.upstream = parse_upstream_ref(section, config.upstreams);
    // Unset: 10000, lowered to the global cap if that is smaller. Set: must fit under it.
    const std::uint32_t cap = config.runtime.max_connections;
    listener.max_connections = section.integer<std::uint32_t>(
        "max_connections", std::min(kDefaultListenerConnections, cap), 1, kMaxConnectionsLimit);
    if (listener.max_connections > cap) {
        section.fail("max_connections",
                     "must not exceed runtime.max_connections (" + std::to_string(cap) + ")");
    }
    listener.max_connections_per_ip = section.integer<std::uint32_t>(
        "max_connections_per_ip", listener.max_connections_per_ip, 0, kMaxConnectionsLimit);
    listener.tcp_nodelay = section.get<bool>("tcp_nodelay", listener.tcp_nodelay);
    listener.reuseport = section.get<bool>("reuseport", listener.reuseport);
    return listener;
}

void parse_listeners(ProxyConfig& config, Section& root, BindClaims& bound) {
    auto sections = root.sections("listeners");
    if (sections.empty()) {
        root.fail("listeners", "at least one [listeners.<name>] table is required");
    }
    for (auto& [name, section] : sections) {
        ProxyListenerConfig listener = parse_listener(name, section, config);
        for (const Endpoint& endpoint : listener.bind) {
            bound.claim(endpoint, true, "listener '" + name + "'", section, "bind");  // TCP
        }
        config.listeners.push_back(std::move(listener));
    }
}

}  // namespace

std::string_view to_string(SpliceMode mode) noexcept {
    for (const auto& [name, value] : splice_names()) {
        if (value == mode) return name;
    }
    return "?";
}

std::string_view to_string(Balance balance) noexcept {
    switch (balance) {
        case Balance::round_robin:
            return "round_robin";
        case Balance::least_conn:
            return "least_conn";
        case Balance::p2c:
            return "p2c";
        case Balance::random:
            return "random";
        case Balance::hash:
            return "hash";
        case Balance::first:
            return "first";
    }
    return "?";
}

const UpstreamConfig* ProxyConfig::upstream(std::string_view name) const noexcept {
    for (const UpstreamConfig& candidate : upstreams) {
        if (candidate.name == name) return &candidate;
    }
    return nullptr;
}

ProxyConfig parse_proxy_config(ConfigReader& reader) {
    ProxyConfig config;
    Section root = reader.root();
    config.runtime = parse_runtime(root.section_or_empty("runtime"));
    Section log = root.section_or_empty("log");
    config.log = parse_log_config(log);
    BindClaims bound;
    Section admin = root.section_or_empty("admin");
    config.admin.listen = admin.endpoint("listen");
    if (config.admin.listen) bound.claim(*config.admin.listen, true, "[admin]", admin, "listen");
    for (auto& [name, section] : root.sections("upstreams")) {
        config.upstreams.push_back(parse_upstream(name, section));
    }
    parse_listeners(config, root, bound);
    reader.reject_unknown_keys();
    return config;
}

}  // namespace app
