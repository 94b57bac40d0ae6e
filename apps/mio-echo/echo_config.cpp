// mio-echo's config schema: reading and validating mio-echo.toml, and the way back to TOML.
// Every check records its error and parsing goes on, so one run reports every mistake.

#include "echo_config.hpp"

#include <algorithm>
#include <utility>

#include "config/bind_claims.hpp"
#include "config/toml_write.hpp"

namespace app {
namespace {

const std::vector<std::string> kDatagramKeys{"max_datagram", "rate_limit_pps", "deny_source_ports"};

EchoRuntimeConfig parse_runtime(Section runtime) {
    EchoRuntimeConfig config;
    config.max_connections = runtime.integer<std::uint32_t>(
        "max_connections", config.max_connections, 1, kEchoMaxConnections);
    config.drain_timeout = runtime.duration("drain_timeout", config.drain_timeout);
    return config;
}

/// `protocol_known`: false when `protocol` itself is invalid, so its default (tcp) must not be
/// held against the addresses.
void parse_bind(EchoListenerConfig& listener, Section& section, bool protocol_known) {
    if (!section.expect_key("bind")) return;
    listener.bind = section.endpoints("bind");
    if (listener.bind.empty() && !section.failed("bind")) {
        section.error("bind", "must name at least one address");
    }
    if (!protocol_known) return;
    const bool want_unix = is_unix(listener.protocol);
    for (const Endpoint& endpoint : listener.bind) {
        if (endpoint.is_unix() == want_unix) continue;
        const std::string protocol(to_string(listener.protocol));
        section.error("bind", "'" + endpoint.to_string() + "' does not match protocol '" +
                                  protocol + "': " +
                                  (want_unix ? "unix and unixgram listeners bind unix:/path"
                                             : "tcp and udp listeners bind host:port"));
    }
}

void parse_datagram_keys(EchoListenerConfig& listener, Section& section, bool protocol_known) {
    if (protocol_known && !is_datagram(listener.protocol)) {
        for (const std::string& key : kDatagramKeys) {
            if (section.has(key)) {
                section.error(key, "only valid for protocol udp or unixgram (this listener is '" +
                                       std::string(to_string(listener.protocol)) + "')");
            }
        }
        return;
    }
    // A datagram listener, or an unknown protocol: the values are still checked.
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
    listener.protocol = section.choice("protocol", listener.protocol, kEchoProtocolNames);
    const bool protocol_known = !section.failed("protocol");
    parse_bind(listener, section, protocol_known);
    listener.mode = section.choice("mode", listener.mode, kEchoModeNames);
    listener.max_connections = listener_max_connections(
        section, listener.max_connections, runtime.max_connections, kEchoMaxConnections);
    listener.idle_timeout = section.duration("idle_timeout", listener.idle_timeout);
    listener.buffer_size =
        section.size("buffer_size", listener.buffer_size, kMinBufferSize, kMaxBufferSize);
    parse_datagram_keys(listener, section, protocol_known);
    return listener;
}

void parse_listeners(EchoConfig& config, Section& root, BindClaims& bound) {
    for (auto& [name, section] : listener_sections(root)) {
        // A listener that cannot be read any further is abandoned alone; the others still are.
        (void)section.attempt([&, &name = name, &section = section] {
            EchoListenerConfig listener = parse_listener(name, section, config.runtime);
            for (const Endpoint& endpoint : listener.bind) {
                bound.claim(endpoint, !is_datagram(listener.protocol), "listener '" + name + "'",
                            section, "bind");
            }
            config.listeners.push_back(std::move(listener));
        });
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
    return find_name(kEchoProtocolNames, protocol).value_or("?");
}

std::string_view to_string(EchoMode mode) noexcept {
    return find_name(kEchoModeNames, mode).value_or("?");
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
    config.admin = parse_admin(root, bound);
    parse_listeners(config, root, bound);
    reader.finish();
    return config;
}

toml::table echo_config_to_toml(const EchoConfig& config) {
    toml::table runtime;
    runtime.insert("max_connections", static_cast<std::int64_t>(config.runtime.max_connections));
    put_duration(runtime, "drain_timeout", config.runtime.drain_timeout);
    toml::table listeners;
    for (const EchoListenerConfig& listener : config.listeners) {
        listeners.insert(listener.name, listener_to_toml(listener));
    }
    toml::table root;
    root.insert("runtime", std::move(runtime));
    root.insert("log", log_config_to_toml(config.log));
    root.insert("admin", admin_to_toml(config.admin));
    root.insert("listeners", std::move(listeners));
    return root;
}

}  // namespace app
