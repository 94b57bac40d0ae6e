#pragma once
// mio-proxy's configuration: parsed once from TOML into these validated structs.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/config_reader.hpp"
#include "config/daemon_schema.hpp"
#include "config/endpoint.hpp"
#include "config/enum_names.hpp"
#include "config/log_config.hpp"
#include "proxy_protocol.hpp"
#include "runtime/access_list.hpp"
#include "runtime/stream_relay.hpp"

namespace app {

/// How an upstream spreads connections over its servers. Weights are honoured by all.
enum class Balance { round_robin, least_conn, p2c, random, hash, first };

/// The config names of the algorithms: parsing, its error messages and to_string() all use it.
inline constexpr EnumNames<Balance, 6> kBalanceNames{{
    {"round_robin", Balance::round_robin},
    {"least_conn", Balance::least_conn},
    {"p2c", Balance::p2c},
    {"random", Balance::random},
    {"hash", Balance::hash},
    {"first", Balance::first},
}};

/// The config name of an algorithm ("round_robin", ...), from kBalanceNames.
[[nodiscard]] std::string_view to_string(Balance balance) noexcept;

/// The config names of the splice modes (runtime/stream_relay.hpp): "auto" is
/// SpliceMode::automatic.
inline constexpr EnumNames<SpliceMode, 3> kSpliceModeNames{{
    {"off", SpliceMode::off},
    {"auto", SpliceMode::automatic},
    {"always", SpliceMode::always},
}};

/// The config name of a splice mode ("off", "auto", "always"), from kSpliceModeNames.
[[nodiscard]] std::string_view to_string(SpliceMode mode) noexcept;

/// What a listener proxies.
enum class Protocol : std::uint8_t { tcp, udp };

inline constexpr EnumNames<Protocol, 2> kProtocolNames{{
    {"tcp", Protocol::tcp},
    {"udp", Protocol::udp},
}};

/// The config name of a protocol ("tcp", "udp"), from kProtocolNames.
[[nodiscard]] std::string_view to_string(Protocol protocol) noexcept;

/// What makes two datagrams one UDP session.
///   src_addr  the client's address and port (one session per client socket)
///   src_ip    the client's IP alone (every port of a host shares a session)
///   none      nothing: every datagram is a session of its own (one request, its replies)
enum class SessionKeyMode : std::uint8_t { src_addr, src_ip, none };

inline constexpr EnumNames<SessionKeyMode, 3> kSessionKeyNames{{
    {"src_addr", SessionKeyMode::src_addr},
    {"src_ip", SessionKeyMode::src_ip},
    {"none", SessionKeyMode::none},
}};

/// The largest UDP payload over IPv4 (65,535 - 8 UDP - 20 IP header bytes).
inline constexpr std::uint32_t kMaxUdpPayload = 65'507;

/// `[listeners.<name>.udp]`: the session table of a UDP listener.
struct UdpSessionConfig {
    SessionKeyMode session_key = SessionKeyMode::src_addr;
    std::chrono::milliseconds idle_timeout{30000};  ///< a session without traffic ends
    std::uint32_t max_sessions = 10000;  ///< per listener; the least recently used is evicted
    /// Replies per request: once every request of a session has them, it ends (0 = never).
    std::uint32_t expected_responses = 0;
    std::uint32_t requests_per_session = 0;       ///< datagrams a session takes (0 = unlimited)
    std::uint32_t max_datagram = kMaxUdpPayload;  ///< larger datagrams are dropped

    friend bool operator==(const UdpSessionConfig&, const UdpSessionConfig&) = default;
};

/// The largest `max_connections` (runtime, per listener, per IP, per server) mio-proxy
/// accepts, as config/mio-proxy.toml documents it.
inline constexpr std::uint32_t kProxyMaxConnections = 10'000'000;

struct ProxyRuntimeConfig {
    std::uint32_t max_connections = 20000;      ///< client connections, all listeners (1..10^7)
    std::uint64_t buffer_size = 16 * 1024;      ///< per direction per connection (1KiB..16MiB)
    std::uint64_t memory_limit = 512ull << 20;  ///< buffer pool budget; reaching it pauses accepts
    std::chrono::milliseconds drain_timeout{25000};
    SpliceMode splice = SpliceMode::automatic;  ///< Linux splice(2) zero-copy relay

    friend bool operator==(const ProxyRuntimeConfig&, const ProxyRuntimeConfig&) = default;
};

/// `[admin]` (the same in both daemons).
using ProxyAdminConfig = AdminConfig;

struct ProxyListenerConfig {
    std::string name;
    std::vector<Endpoint> bind;  ///< host:port or unix:/path, at least one
    std::string upstream;        ///< name of an [upstreams.<name>]
    Protocol protocol = Protocol::tcp;
    UdpSessionConfig udp;     ///< protocol = udp only
    std::vector<Cidr> allow;  ///< clients served (empty: all but `deny`); runtime/access_list
    std::vector<Cidr> deny;   ///< clients refused (the most specific rule wins)
    std::uint32_t rate_limit_per_ip = 0;  ///< new connections (UDP: sessions) per window; 0 = off
    std::chrono::milliseconds rate_limit_window{1000};
    std::uint32_t max_connections = 10000;     ///< <= runtime.max_connections (default: min)
    std::uint32_t max_connections_per_ip = 0;  ///< 0 = unlimited
    /// Clients are proxies that send a PROXY header (v1 or v2) first; the address in it is
    /// the client for ACLs, limits, balancing, logs and headers sent on. TCP only.
    bool accept_proxy_protocol = false;
    std::vector<Cidr> trusted_proxies;  ///< who may send one (required with it)
    std::chrono::milliseconds proxy_protocol_timeout{5000};  ///< to receive the whole header
    bool tcp_nodelay = true;
    bool reuseport = false;

    friend bool operator==(const ProxyListenerConfig&, const ProxyListenerConfig&) = default;
};

struct ServerConfig {
    Endpoint address;                   ///< host:port or unix:/path
    std::uint32_t weight = 1;           ///< 1..1000
    std::uint32_t max_connections = 0;  ///< 0 = unlimited
    bool backup = false;                ///< used only when no primary server is eligible
    std::optional<ProxyProtocol> proxy_protocol{};  ///< absent: the upstream's

    friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

struct PassiveHealthConfig {
    std::uint32_t max_fails = 3;  ///< connect failures within fail_window that eject; 0 = off
    std::chrono::milliseconds fail_window{10000};
    std::chrono::milliseconds eject_for{30000};

    friend bool operator==(const PassiveHealthConfig&, const PassiveHealthConfig&) = default;
};

struct ActiveHealthConfig {
    std::chrono::milliseconds interval{2000};
    std::chrono::milliseconds timeout{1000};
    std::uint32_t rise = 2;  ///< consecutive successes to mark a down server up
    std::uint32_t fall = 3;  ///< consecutive failures to mark an up server down
    std::string send;        ///< bytes sent after connecting ("" = connect-only check)
    std::string expect;      ///< bytes the reply must start with ("" = any reply, or none)

    friend bool operator==(const ActiveHealthConfig&, const ActiveHealthConfig&) = default;
};

struct UpstreamConfig {
    std::string name;
    Balance balance = Balance::round_robin;
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds idle_timeout{15 * 60 * 1000};  ///< 0 = off
    bool half_close = true;  ///< forward a FIN as shutdown(SHUT_WR) and keep the other way open
    std::chrono::milliseconds fin_timeout{30000};  ///< after a half-close; 0 = off
    std::uint32_t retries = 2;  ///< further servers tried after a connect failure (0..16)
    ProxyProtocol proxy_protocol = ProxyProtocol::off;  ///< header sent to servers
    PassiveHealthConfig passive;
    std::optional<ActiveHealthConfig> health;  ///< absent: no active checks
    std::vector<ServerConfig> servers;         ///< at least one

    friend bool operator==(const UpstreamConfig&, const UpstreamConfig&) = default;
};

/// `[access_log]`: one JSON line per TCP connection or UDP session (access_log.hpp).
struct AccessLogConfig {
    std::string target = "off";  ///< off, stdout, stderr or a file path (appended to)
    /// A line for each connection still open every `interval` (0 = only when they end).
    std::chrono::milliseconds interval{0};

    friend bool operator==(const AccessLogConfig&, const AccessLogConfig&) = default;
};

struct ProxyConfig {
    ProxyRuntimeConfig runtime;
    LogConfig log;
    AccessLogConfig access_log;
    ProxyAdminConfig admin;
    std::vector<ProxyListenerConfig> listeners;  ///< in name order; at least one
    std::vector<UpstreamConfig> upstreams;       ///< in name order; may include unused ones

    /// The upstream named `name`, or nullptr.
    [[nodiscard]] const UpstreamConfig* upstream(std::string_view name) const noexcept;
    friend bool operator==(const ProxyConfig&, const ProxyConfig&) = default;
};

/// Reads and validates a whole mio-proxy configuration, then rejects unknown keys
/// (ConfigReader::finish). Throws ConfigErrors listing every problem in file order, each
/// naming file, line, column and key (see config/mio-proxy.toml for every key and its
/// default). Thread safety: none.
[[nodiscard]] ProxyConfig parse_proxy_config(ConfigReader& reader);

/// The configuration as TOML with every default filled in (for --print-config); parsing it
/// back gives an equal ProxyConfig. Throws only std::bad_alloc.
[[nodiscard]] toml::table proxy_config_to_toml(const ProxyConfig& config);

}  // namespace app
