// mio-proxy's config schema: reading and validating mio-proxy.toml (see proxy_config_write.cpp
// for the way back to TOML). Every check records its error and parsing goes on, so one run
// reports every mistake; a check built on a value that is itself in error stays quiet.

#include "proxy_config.hpp"

#include <algorithm>
#include <utility>

#include "config/bind_claims.hpp"
#include "config/suggest.hpp"
#include "config/units.hpp"

namespace app {
namespace {

/// The upstream names a listener may refer to. `complete` is false when some member of
/// [upstreams] has an invalid name (already reported): a reference to it cannot be checked.
struct UpstreamNames {
    std::vector<std::string> names;
    bool complete = true;
};

/// A duration that must not be zero ("off" is rejected too).
std::chrono::milliseconds positive_duration(Section& section, std::string_view key,
                                            std::chrono::milliseconds default_value) {
    const auto value = section.duration(key, default_value);
    if (value.count() <= 0) section.error(key, "must be greater than 0 (\"off\" is not allowed)");
    return value;
}

ProxyRuntimeConfig parse_runtime(Section runtime) {
    ProxyRuntimeConfig config;
    config.max_connections = runtime.integer<std::uint32_t>(
        "max_connections", config.max_connections, 1, kProxyMaxConnections);
    config.buffer_size =
        runtime.size("buffer_size", config.buffer_size, kMinBufferSize, kMaxBufferSize);
    config.memory_limit = runtime.size("memory_limit", config.memory_limit);
    const bool sizes_valid = !runtime.failed("buffer_size") && !runtime.failed("memory_limit");
    if (sizes_valid && config.memory_limit < 2 * config.buffer_size) {
        runtime.error("memory_limit", "must be at least 2 x buffer_size (" +
                                          format_size(2 * config.buffer_size) + ")");
    }
    config.drain_timeout = runtime.duration("drain_timeout", config.drain_timeout);
    config.splice = runtime.choice("splice", config.splice, kSpliceModeNames);
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
    const bool times_valid = !health.failed("interval") && !health.failed("timeout");
    if (times_valid && config.timeout >= config.interval) {
        health.error("timeout",
                     "must be shorter than interval (" + format_duration(config.interval) + ")");
    }
    config.rise = health.integer<std::uint32_t>("rise", config.rise, 1, 100);
    config.fall = health.integer<std::uint32_t>("fall", config.fall, 1, 100);
    config.send = health.get<std::string>("send", config.send);
    config.expect = health.get<std::string>("expect", config.expect);
    return config;
}

/// nullopt when the address is missing or invalid (recorded): the server is left out, but its
/// other keys are still checked.
std::optional<ServerConfig> parse_server(Section& section) {
    const bool present = section.expect_key("address");
    auto address = section.endpoint("address");
    ServerConfig server{.address = address.value_or(Endpoint(mio::net::SocketAddr{}))};
    server.weight = section.integer<std::uint32_t>("weight", server.weight, 1, 1000);
    server.max_connections = section.integer<std::uint32_t>(
        "max_connections", server.max_connections, 0, kProxyMaxConnections);
    server.backup = section.get<bool>("backup", server.backup);
    if (section.has("proxy_protocol")) {
        server.proxy_protocol =
            section.choice("proxy_protocol", ProxyProtocol::off, kProxyProtocolNames);
    }
    if (!present || !address) return std::nullopt;
    return server;
}

void check_servers(Section& upstream, const std::vector<ServerConfig>& servers, bool complete) {
    const bool any_primary =
        std::any_of(servers.begin(), servers.end(), [](const auto& s) { return !s.backup; });
    // With servers left out (in error), "only backups" may not be true of the file.
    if (!any_primary && complete && !servers.empty()) {
        upstream.error("servers", "at least one server must not be a backup");
    }
}

std::vector<ServerConfig> parse_servers(Section& upstream) {
    const std::string table = "[[" + upstream.key_path("servers") + "]]";
    std::vector<Section> sections = upstream.table_array("servers");
    if (sections.empty() && !upstream.failed("servers")) {
        upstream.error("servers", "at least one server is required: add a " + table +
                                      " table with an address");
    }
    std::vector<ServerConfig> servers;
    std::vector<std::size_t> index;  // servers[k] is servers[index[k]] of the file
    for (std::size_t i = 0; i < sections.size(); ++i) {
        std::optional<ServerConfig> server = parse_server(sections[i]);
        if (!server) continue;
        for (std::size_t k = 0; k < servers.size(); ++k) {
            if (servers[k].address != server->address) continue;
            sections[i].error("address", "'" + server->address.to_string() +
                                             "' is already listed (servers[" +
                                             std::to_string(index[k]) + "])");
        }
        servers.push_back(std::move(*server));
        index.push_back(i);
    }
    check_servers(upstream, servers, servers.size() == sections.size());
    return servers;
}

UpstreamConfig parse_upstream(std::string name, Section& section) {
    UpstreamConfig upstream;
    upstream.name = std::move(name);
    upstream.balance = section.choice("balance", upstream.balance, kBalanceNames);
    upstream.connect_timeout =
        positive_duration(section, "connect_timeout", upstream.connect_timeout);
    upstream.idle_timeout = section.duration("idle_timeout", upstream.idle_timeout);
    upstream.half_close = section.get<bool>("half_close", upstream.half_close);
    upstream.fin_timeout = section.duration("fin_timeout", upstream.fin_timeout);
    upstream.retries = section.integer<std::uint32_t>("retries", upstream.retries, 0, 16);
    upstream.proxy_protocol =
        section.choice("proxy_protocol", upstream.proxy_protocol, kProxyProtocolNames);
    upstream.passive = parse_passive(section.section_or_empty("passive"));
    if (auto health = section.section("health")) upstream.health = parse_health(*health);
    upstream.servers = parse_servers(section);
    return upstream;
}

std::vector<Cidr> parse_cidrs(Section& section, std::string_view key) {
    std::vector<Cidr> out;
    for (const std::string& text : section.string_or_list(key)) {
        std::string why;
        if (auto cidr = Cidr::parse(text, &why)) {
            out.push_back(*cidr);
        } else {
            section.error(key, "'" + text + "': " + why);
        }
    }
    return out;
}

UdpSessionConfig parse_udp(Section udp) {
    UdpSessionConfig config;
    config.session_key = udp.choice("session_key", config.session_key, kSessionKeyNames);
    config.idle_timeout = positive_duration(udp, "idle_timeout", config.idle_timeout);
    config.max_sessions =
        udp.integer<std::uint32_t>("max_sessions", config.max_sessions, 1, kProxyMaxConnections);
    config.expected_responses =
        udp.integer<std::uint32_t>("expected_responses", config.expected_responses, 0, 1'000'000);
    config.requests_per_session = udp.integer<std::uint32_t>(
        "requests_per_session", config.requests_per_session, 0, 1'000'000);
    config.max_datagram =
        udp.integer<std::uint32_t>("max_datagram", config.max_datagram, 1, kMaxUdpPayload);
    return config;
}

void parse_accept_proxy_protocol(Section& section, ProxyListenerConfig& listener) {
    listener.accept_proxy_protocol =
        section.get<bool>("accept_proxy_protocol", listener.accept_proxy_protocol);
    listener.trusted_proxies = parse_cidrs(section, "trusted_proxies");
    listener.proxy_protocol_timeout =
        positive_duration(section, "proxy_protocol_timeout", listener.proxy_protocol_timeout);
    if (!listener.accept_proxy_protocol) return;
    if (listener.protocol == Protocol::udp) {
        section.error("accept_proxy_protocol", "is for TCP listeners only");
    } else if (listener.trusted_proxies.empty() && !section.failed("trusted_proxies")) {
        section.error("trusted_proxies",
                      "accept_proxy_protocol needs the CIDRs of the proxies allowed to send a "
                      "PROXY header (e.g. [\"10.0.0.0/8\"])");
    }
}

// A UDP listener proxies to host:port servers only, and binds host:port itself.
void check_udp_listener(Section& section, const ProxyListenerConfig& listener,
                        const ProxyConfig& config) {
    for (const Endpoint& endpoint : listener.bind) {
        if (endpoint.is_unix()) {
            section.error("bind", "'" + endpoint.to_string() +
                                      "': a UDP listener binds host:port (unixgram is not "
                                      "supported for proxying)");
        }
    }
    const UpstreamConfig* upstream = config.upstream(listener.upstream);
    if (upstream == nullptr) return;  // unknown (reported) or in error
    for (const ServerConfig& server : upstream->servers) {
        if (server.proxy_protocol.value_or(upstream->proxy_protocol) == ProxyProtocol::v1) {
            section.error("upstream", "upstream '" + upstream->name + "' sends PROXY v1 to '" +
                                          server.address.to_string() +
                                          "', which cannot carry UDP: use proxy_protocol = \"v2\"");
            return;
        }
        if (!server.address.is_unix()) continue;
        section.error("upstream", "upstream '" + upstream->name + "' has the Unix server '" +
                                      server.address.to_string() +
                                      "': a UDP listener needs host:port servers");
        return;
    }
}

std::string parse_upstream_ref(Section& section, const UpstreamNames& upstreams) {
    if (!section.expect_key("upstream")) return {};
    std::optional<std::string> name = section.optional<std::string>("upstream");
    if (!name) return {};  // not a string (recorded)
    const auto& names = upstreams.names;
    if (!upstreams.complete || std::find(names.begin(), names.end(), *name) != names.end()) {
        return *name;
    }
    const std::string hint = did_you_mean(*name, names);
    section.error("upstream",
                  "no upstream named '" + *name + "'" +
                      (hint.empty() ? ": define it in [upstreams." + *name + "]" : hint));
    return *name;
}

ProxyListenerConfig parse_listener(std::string name, Section& section, const ProxyConfig& config,
                                   const UpstreamNames& upstreams) {
    ProxyListenerConfig listener;
    listener.name = std::move(name);
    if (section.expect_key("bind")) {
        listener.bind = section.endpoints("bind");
        if (listener.bind.empty() && !section.failed("bind")) {
            section.error("bind", "must name at least one address");
        }
    }
    listener.protocol = section.choice("protocol", listener.protocol, kProtocolNames);
    listener.upstream = parse_upstream_ref(section, upstreams);
    if (listener.protocol == Protocol::udp) {
        listener.udp = parse_udp(section.section_or_empty("udp"));
        check_udp_listener(section, listener, config);
    } else if (section.section("udp")) {
        section.error("udp", "[" + section.key_path("udp") + "] is for protocol = \"udp\" only");
    }
    listener.max_connections = listener_max_connections(
        section, listener.max_connections, config.runtime.max_connections, kProxyMaxConnections);
    listener.max_connections_per_ip = section.integer<std::uint32_t>(
        "max_connections_per_ip", listener.max_connections_per_ip, 0, kProxyMaxConnections);
    listener.rate_limit_per_ip = section.integer<std::uint32_t>(
        "rate_limit_per_ip", listener.rate_limit_per_ip, 0, 1'000'000);
    listener.rate_limit_window =
        positive_duration(section, "rate_limit_window", listener.rate_limit_window);
    listener.allow = parse_cidrs(section, "allow");
    listener.deny = parse_cidrs(section, "deny");
    parse_accept_proxy_protocol(section, listener);
    listener.tcp_nodelay = section.get<bool>("tcp_nodelay", listener.tcp_nodelay);
    listener.reuseport = section.get<bool>("reuseport", listener.reuseport);
    return listener;
}

AccessLogConfig parse_access_log(Section section) {
    AccessLogConfig config;
    config.target = section.get<std::string>("target", config.target);
    if (config.target.empty()) {
        section.error("target", "must be off, stdout, stderr or a file path");
    }
    config.interval = section.duration("interval", config.interval);
    return config;
}

UpstreamNames parse_upstreams(ProxyConfig& config, Section& root) {
    UpstreamNames known;
    auto sections = root.sections("upstreams");
    known.complete = sections.size() == root.member_count("upstreams");
    for (auto& [name, section] : sections) {
        // Named even if abandoned: its own errors are reported, not every reference to it.
        known.names.push_back(name);
        (void)section.attempt([&, &name = name, &section = section] {
            config.upstreams.push_back(parse_upstream(name, section));
        });
    }
    return known;
}

void parse_listeners(ProxyConfig& config, Section& root, BindClaims& bound,
                     const UpstreamNames& upstreams) {
    for (auto& [name, section] : listener_sections(root)) {
        (void)section.attempt([&, &name = name, &section = section] {
            ProxyListenerConfig listener = parse_listener(name, section, config, upstreams);
            const bool stream = listener.protocol == Protocol::tcp;
            for (const Endpoint& endpoint : listener.bind) {
                bound.claim(endpoint, stream, "listener '" + name + "'", section, "bind");
            }
            config.listeners.push_back(std::move(listener));
        });
    }
}

}  // namespace

std::string_view to_string(SpliceMode mode) noexcept {
    return find_name(kSpliceModeNames, mode).value_or("?");
}

std::string_view to_string(Protocol protocol) noexcept {
    return find_name(kProtocolNames, protocol).value_or("?");
}

std::string_view to_string(Balance balance) noexcept {
    return find_name(kBalanceNames, balance).value_or("?");
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
    config.access_log = parse_access_log(root.section_or_empty("access_log"));
    BindClaims bound;
    config.admin = parse_admin(root, bound);
    const UpstreamNames upstreams = parse_upstreams(config, root);
    parse_listeners(config, root, bound, upstreams);
    reader.finish();
    return config;
}

}  // namespace app
