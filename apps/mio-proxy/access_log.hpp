#pragma once
// The access log's records: one JSON line per TCP connection or UDP session when it ends (and
// every [access_log] interval while it lasts), saying who closed it first and why. Pure
// formatting, unit-tested; mio-proxy fills the records and writes the lines through the
// log queue (runtime/logging.hpp: write_access_log).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <mio/net/socket_addr.hpp>

#include "config/enum_names.hpp"

namespace app {

/// Why a connection or session ended (the record's "reason").
enum class CloseCause : std::uint8_t {
    client_fin,      ///< both sides finished; the client sent its FIN first
    server_fin,      ///< both sides finished; the server sent its FIN first
    client_reset,    ///< the client reset, or a write to it failed
    server_reset,    ///< the server reset, or a write to it failed (UDP: ICMP refused)
    connect_failed,  ///< no server could be reached (after the retries)
    idle_timeout,    ///< no traffic for idle_timeout
    fin_timeout,     ///< one side finished and the other did not within fin_timeout
    drain_timeout,   ///< still open when drain_timeout ran out
    drain,           ///< ended by a drain or a stop (UDP sessions at once, tunnels at a stop)
    limit,           ///< a connection limit (listener, per-IP, rate limit) refused it
    acl,             ///< allow/deny refused it
    proxy_header,    ///< its PROXY header was untrusted, malformed or late
    evicted,         ///< a UDP session evicted at max_sessions
    responses,       ///< a UDP session got every expected response
    error,           ///< the proxy could not go on (registration, resources)
};

inline constexpr EnumNames<CloseCause, 15> kCloseCauseNames{{
    {"client_fin", CloseCause::client_fin},
    {"server_fin", CloseCause::server_fin},
    {"client_reset", CloseCause::client_reset},
    {"server_reset", CloseCause::server_reset},
    {"connect_failed", CloseCause::connect_failed},
    {"idle_timeout", CloseCause::idle_timeout},
    {"fin_timeout", CloseCause::fin_timeout},
    {"drain_timeout", CloseCause::drain_timeout},
    {"drain", CloseCause::drain},
    {"limit", CloseCause::limit},
    {"acl", CloseCause::acl},
    {"proxy_header", CloseCause::proxy_header},
    {"evicted", CloseCause::evicted},
    {"responses", CloseCause::responses},
    {"error", CloseCause::error},
}};

/// Who ended it: "client", "server" or "proxy" (timeouts, limits and the proxy's own errors).
[[nodiscard]] std::string_view closed_by(CloseCause cause) noexcept;

/// One record. A record of a connection still open (`ended` false) has no cause.
struct AccessRecord {
    std::chrono::system_clock::time_point time{};
    std::string_view listener{};
    std::string_view protocol{};                         ///< "tcp" or "udp"
    std::optional<mio::net::SocketAddr> client{};        ///< absent for a Unix client
    std::string_view server{};                           ///< "" before one was picked
    std::uint32_t retries = 0;                           ///< servers tried after the first (TCP)
    std::uint64_t bytes_in = 0;                          ///< from the client
    std::uint64_t bytes_out = 0;                         ///< to the client
    std::uint64_t datagrams_in = 0;                      ///< UDP only
    std::uint64_t datagrams_out = 0;                     ///< UDP only
    std::optional<std::chrono::microseconds> connect{};  ///< TCP, once connected
    std::chrono::microseconds duration{0};
    bool ended = true;
    CloseCause cause = CloseCause::error;
};

/// The record as one JSON object without a newline, e.g.
/// {"time":"2026-12-03T14:00:00.123Z","event":"end","listener":"web","protocol":"tcp",
///  "client":"192.0.2.1:5000","server":"10.0.0.2:80","retries":0,"bytes_in":120,
///  "bytes_out":5120,"connect_ms":0.412,"duration_ms":35.210,"closed_by":"client",
///  "reason":"client_fin"}
/// UDP records carry "datagrams_in"/"datagrams_out" instead of "retries" and "connect_ms";
/// absent values are null. Throws only std::bad_alloc.
[[nodiscard]] std::string format_access_record(const AccessRecord& record);

}  // namespace app
