#include "echo_config.hpp"

#include "config/bind_claims.hpp"

#include <algorithm>
#include <utility>

#include "config/toml_write.hpp"

namespace app {
namespace {

constexpr std::uint32_t kMaxConnectionsLimit = 1'000'000;
constexpr std::uint64_t kKiB = 1024;
const std::vector<std::string> kDatagramKeys{"max_datagram", "rate_limit_pps", "deny_source_ports"};

const std::vector<std::pair<std::string, EchoProtocol>>& protocol_names() {
    static const std::vector<std::pair<std::string, EchoProtocol>> names{
        {"tcp", EchoProtocol::tcp},
        {"udp", EchoProtocol::udp},
        {"unix", EchoProtocol::unix_stream},
        {"unixgram", EchoProtocol::unixgram},
    };
    return names;
}

const std::vector<std::pair<std::string, EchoMode>>& mode_names() {
    static const std::vector<std::pair<std::string, EchoMode>> names{
        {"echo", EchoMode::echo},
        {"discard", EchoMode::discard},
        {"chargen", EchoMode::chargen},
        {"info", EchoMode::info},
    };
    return names;
}

EchoRuntimeConfig parse_runtime(Section runtime) {
    EchoRuntimeConfig config;
    config.max_connections = runtime.integer<std::uint32_t>(
        "max_connections", config.max_connections, 1, kMaxConnectionsLimit);
    config.drain_timeout = runtime.duration("drain_timeout", config.drain_timeout);
    return config;
}

void parse_bind(EchoListenerConfig& listener, Section& section) {
    if (!section.has("bind")) section.missing("bind");
    listener.bind = section.endpoints("bind");
    if (listener.bind.empty()) section.fail("bind", "must name at least one address");
    const bool want_unix = is_unix(listener.protocol);
    for (const Endpoint& endpoint : listener.bind) {
        if (endpoint.is_unix() == want_unix) continue;
        const std::string protocol(to_string(listener.protocol));
        section.fail("bind", "'" + endpoint.to_string() + "' does not match protocol '" + protocol +
                                 "': " +
                                 (want_unix ? "unix and unixgram listeners bind unix:/path"
                                            : "tcp and udp listeners bind host:port"));
    }
}

void parse_datagram_keys(EchoListenerConfig& listener, Section& section) {
    if (!is_datagram(listener.protocol)) {
        for (const std::string& key : kDatagramKeys) {
            if (section.has(key)) {
                section.fail(key, "only valid for protocol udp or unixgram (this listener is '" +
                                      std::string(to_string(listener.protocol)) + "')");
            }
        }
        return;
    }
    listener.max_datagram =
        section.integer<std::uint32_t>("max_datagram", listener.max_datagram, 1, 65507);
    listener.rate_limit_pps =
        section.integer<std::uint32_t>("rate_limit_pps", listener.rate_limit_pps, 0, 100'000'000);
    listener.deny_source_ports = section.integer_list<std::uint16_t>(
        "deny_source_ports", listener.deny_source_ports, 0, 65535);
}

EchoListenerConfig parse_listener(std::string name, Section& section,
                                  const EchoRuntimeConfig& runtime) {
    EchoListenerConfig listener;
    listener.name = std::move(name);
    listener.protocol = section.choice("protocol", listener.protocol, protocol_names());
    parse_bind(listener, section);
    listener.mode = section.choice("mode", listener.mode, mode_names());
    // Unset: 1000, lowered to the global cap if that is smaller. Set: must fit under it.
    listener.max_connections = section.integer<std::uint32_t>(
        "max_connections", std::min(listener.max_connections, runtime.max_connections), 1,
        kMaxConnectionsLimit);
    if (listener.max_connections > runtime.max_connections) {
        section.fail("max_connections", "must not exceed runtime.max_connections (" +
                                            std::to_string(runtime.max_connections) + ")");
    }
    listener.idle_timeout = section.duration("idle_timeout", listener.idle_timeout);
    listener.buffer_size =
        section.size("buffer_size", listener.buffer_size, kKiB, 16 * kKiB * kKiB);
    parse_datagram_keys(listener, section);
    return listener;
}

void parse_listeners(EchoConfig& config, Section& root, BindClaims& bound) {
    auto sections = root.sections("listeners");
    if (sections.empty()) {
        root.fail("listeners", "at least one [listeners.<name>] table is required");
    }
    for (auto& [name, section] : sections) {
        EchoListenerConfig listener = parse_listener(name, section, config.runtime);
        for (const Endpoint& endpoint : listener.bind) {
            bound.claim(endpoint, !is_datagram(listener.protocol), "listener '" + name + "'",
                        section, "bind");
        }
        config.listeners.push_back(std::move(listener));
    }
}

toml::table listener_to_toml(const EchoListenerConfig& listener) {
    toml::table table;
    put_endpoints(table, "bind", listener.bind);
    table.insert("protocol", std::string(to_string(listener.protocol)));
    table.insert("mode", std::string(to_string(listener.mode)));
    table.insert("max_connections", static_cast<std::int64_t>(listener.max_connections));
    put_duration(table, "idle_timeout", listener.idle_timeout);
    put_size(table, "buffer_size", listener.buffer_size);
    if (is_datagram(listener.protocol)) {
        table.insert("max_datagram", static_cast<std::int64_t>(listener.max_datagram));
        table.insert("rate_limit_pps", static_cast<std::int64_t>(listener.rate_limit_pps));
        toml::array ports;
        for (const std::uint16_t port : listener.deny_source_ports) {
            ports.push_back(static_cast<std::int64_t>(port));
        }
        table.insert("deny_source_ports", std::move(ports));
    }
    return table;
}

}  // namespace

std::string_view to_string(EchoProtocol protocol) noexcept {
    switch (protocol) {
        case EchoProtocol::tcp:
            return "tcp";
        case EchoProtocol::udp:
            return "udp";
        case EchoProtocol::unix_stream:
            return "unix";
        case EchoProtocol::unixgram:
            return "unixgram";
    }
    return "?";
}

std::string_view to_string(EchoMode mode) noexcept {
    switch (mode) {
        case EchoMode::echo:
            return "echo";
        case EchoMode::discard:
            return "discard";
        case EchoMode::chargen:
            return "chargen";
        case EchoMode::info:
            return "info";
    }
    return "?";
}

bool is_datagram(EchoProtocol protocol) noexcept {
    return protocol == EchoProtocol::udp || protocol == EchoProtocol::unixgram;
}

bool is_unix(EchoProtocol protocol) noexcept {
    return protocol == EchoProtocol::unix_stream || protocol == EchoProtocol::unixgram;
}

EchoConfig parse_echo_config(ConfigReader& reader) {
    EchoConfig config;
    Section root = reader.root();
    config.runtime = parse_runtime(root.section_or_empty("runtime"));
    Section log = root.section_or_empty("log");
    config.log = parse_log_config(log);
    BindClaims bound;
    Section admin = root.section_or_empty("admin");
    config.admin.listen = admin.endpoint("listen");
    if (config.admin.listen) bound.claim(*config.admin.listen, true, "[admin]", admin, "listen");
    parse_listeners(config, root, bound);
    reader.reject_unknown_keys();
    return config;
}

toml::table echo_config_to_toml(const EchoConfig& config) {
    toml::table runtime;
    runtime.insert("max_connections", static_cast<std::int64_t>(config.runtime.max_connections));
    put_duration(runtime, "drain_timeout", config.runtime.drain_timeout);
    toml::table admin;
    if (config.admin.listen) admin.insert("listen", config.admin.listen->to_string());
    toml::table listeners;
    for (const EchoListenerConfig& listener : config.listeners) {
        listeners.insert(listener.name, listener_to_toml(listener));
    }
    toml::table root;
    root.insert("runtime", std::move(runtime));
    root.insert("log", log_config_to_toml(config.log));
    root.insert("admin", std::move(admin));
    root.insert("listeners", std::move(listeners));
    return root;
}

}  // namespace app
