// mio-proxy's config as TOML (for --print-config): every key filled in, in the forms
// parse_proxy_config() reads back to an equal ProxyConfig.

#include "config/toml_write.hpp"
#include "proxy_config.hpp"

namespace app {
namespace {

std::int64_t int64(std::uint64_t value) {
    return static_cast<std::int64_t>(value);
}

toml::table runtime_to_toml(const ProxyRuntimeConfig& runtime) {
    toml::table table;
    table.insert("max_connections", int64(runtime.max_connections));
    put_size(table, "buffer_size", runtime.buffer_size);
    put_size(table, "memory_limit", runtime.memory_limit);
    put_duration(table, "drain_timeout", runtime.drain_timeout);
    table.insert("splice", std::string(to_string(runtime.splice)));
    return table;
}

toml::array cidrs_to_toml(const std::vector<Cidr>& rules) {
    toml::array list;
    for (const Cidr& rule : rules)
        list.push_back(rule.to_string());
    return list;
}

toml::table udp_to_toml(const UdpSessionConfig& udp) {
    toml::table table;
    table.insert("session_key",
                 std::string(find_name(kSessionKeyNames, udp.session_key).value_or("?")));
    put_duration(table, "idle_timeout", udp.idle_timeout);
    table.insert("max_sessions", int64(udp.max_sessions));
    table.insert("expected_responses", int64(udp.expected_responses));
    table.insert("requests_per_session", int64(udp.requests_per_session));
    table.insert("max_datagram", int64(udp.max_datagram));
    return table;
}

toml::table listener_to_toml(const ProxyListenerConfig& listener) {
    toml::table table;
    put_endpoints(table, "bind", listener.bind);
    table.insert("protocol", std::string(to_string(listener.protocol)));
    if (listener.protocol == Protocol::udp) table.insert("udp", udp_to_toml(listener.udp));
    table.insert("upstream", listener.upstream);
    table.insert("max_connections", int64(listener.max_connections));
    table.insert("max_connections_per_ip", int64(listener.max_connections_per_ip));
    table.insert("rate_limit_per_ip", int64(listener.rate_limit_per_ip));
    put_duration(table, "rate_limit_window", listener.rate_limit_window);
    table.insert("allow", cidrs_to_toml(listener.allow));
    table.insert("deny", cidrs_to_toml(listener.deny));
    table.insert("accept_proxy_protocol", listener.accept_proxy_protocol);
    table.insert("trusted_proxies", cidrs_to_toml(listener.trusted_proxies));
    put_duration(table, "proxy_protocol_timeout", listener.proxy_protocol_timeout);
    table.insert("tcp_nodelay", listener.tcp_nodelay);
    table.insert("reuseport", listener.reuseport);
    return table;
}

toml::table passive_to_toml(const PassiveHealthConfig& passive) {
    toml::table table;
    table.insert("max_fails", int64(passive.max_fails));
    put_duration(table, "fail_window", passive.fail_window);
    put_duration(table, "eject_for", passive.eject_for);
    return table;
}

toml::table health_to_toml(const ActiveHealthConfig& health) {
    toml::table table;
    put_duration(table, "interval", health.interval);
    put_duration(table, "timeout", health.timeout);
    table.insert("rise", int64(health.rise));
    table.insert("fall", int64(health.fall));
    table.insert("send", health.send);
    table.insert("expect", health.expect);
    return table;
}

toml::table server_to_toml(const ServerConfig& server) {
    toml::table table;
    table.insert("address", server.address.to_string());
    table.insert("weight", int64(server.weight));
    table.insert("max_connections", int64(server.max_connections));
    table.insert("backup", server.backup);
    if (server.proxy_protocol) {
        table.insert(
            "proxy_protocol",
            std::string(find_name(kProxyProtocolNames, *server.proxy_protocol).value_or("?")));
    }
    return table;
}

toml::table upstream_to_toml(const UpstreamConfig& upstream) {
    toml::table table;
    table.insert("balance", std::string(to_string(upstream.balance)));
    put_duration(table, "connect_timeout", upstream.connect_timeout);
    put_duration(table, "idle_timeout", upstream.idle_timeout);
    table.insert("half_close", upstream.half_close);
    put_duration(table, "fin_timeout", upstream.fin_timeout);
    table.insert("retries", int64(upstream.retries));
    table.insert(
        "proxy_protocol",
        std::string(find_name(kProxyProtocolNames, upstream.proxy_protocol).value_or("?")));
    table.insert("passive", passive_to_toml(upstream.passive));
    if (upstream.health) table.insert("health", health_to_toml(*upstream.health));
    toml::array servers;
    for (const ServerConfig& server : upstream.servers)
        servers.push_back(server_to_toml(server));
    table.insert("servers", std::move(servers));
    return table;
}

}  // namespace

toml::table proxy_config_to_toml(const ProxyConfig& config) {
    toml::table listeners;
    for (const ProxyListenerConfig& listener : config.listeners) {
        listeners.insert(listener.name, listener_to_toml(listener));
    }
    toml::table upstreams;
    for (const UpstreamConfig& upstream : config.upstreams) {
        upstreams.insert(upstream.name, upstream_to_toml(upstream));
    }
    toml::table root;
    root.insert("runtime", runtime_to_toml(config.runtime));
    root.insert("log", log_config_to_toml(config.log));
    toml::table access_log;
    access_log.insert("target", config.access_log.target);
    put_duration(access_log, "interval", config.access_log.interval);
    root.insert("access_log", std::move(access_log));
    root.insert("admin", admin_to_toml(config.admin));
    root.insert("listeners", std::move(listeners));
    root.insert("upstreams", std::move(upstreams));
    return root;
}

}  // namespace app
