#pragma once
// mio-echo's configuration: the schema of mio-echo.toml, its validation and its TOML form.

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

namespace app {

/// `protocol`: tcp | udp | unix (stream) | unixgram.
enum class EchoProtocol { tcp, udp, unix_stream, unixgram };
/// `mode`: echo | discard | chargen | info (JSON about the peer).
enum class EchoMode { echo, discard, chargen, info };

/// The config names of the protocols: parsing, its error messages and to_string() all use it.
inline constexpr EnumNames<EchoProtocol, 4> kEchoProtocolNames{{
    {"tcp", EchoProtocol::tcp},
    {"udp", EchoProtocol::udp},
    {"unix", EchoProtocol::unix_stream},
    {"unixgram", EchoProtocol::unixgram},
}};
/// The config names of the modes.
inline constexpr EnumNames<EchoMode, 4> kEchoModeNames{{
    {"echo", EchoMode::echo},
    {"discard", EchoMode::discard},
    {"chargen", EchoMode::chargen},
    {"info", EchoMode::info},
}};

/// The largest `max_connections` (runtime and per listener) mio-echo accepts.
inline constexpr std::uint32_t kEchoMaxConnections = 1'000'000;

/// The config name of a protocol ("tcp", "udp", "unix", "unixgram"), from kEchoProtocolNames.
[[nodiscard]] std::string_view to_string(EchoProtocol protocol) noexcept;
/// The config name of a mode ("echo", "discard", "chargen", "info"), from kEchoModeNames.
[[nodiscard]] std::string_view to_string(EchoMode mode) noexcept;
/// Whether the protocol is datagram-based (udp, unixgram).
[[nodiscard]] bool is_datagram(EchoProtocol protocol) noexcept;
/// Whether the protocol binds Unix socket paths (unix, unixgram).
[[nodiscard]] bool is_unix(EchoProtocol protocol) noexcept;

/// `[runtime]`.
struct EchoRuntimeConfig {
    std::uint32_t max_connections = 10000;  ///< 1..1000000, global cap
    std::chrono::milliseconds drain_timeout{10000};

    friend bool operator==(const EchoRuntimeConfig&, const EchoRuntimeConfig&) = default;
};

/// `[admin]` (the same in both daemons).
using EchoAdminConfig = AdminConfig;

/// `[listeners.<name>]`.
struct EchoListenerConfig {
    std::string name;
    std::vector<Endpoint> bind;  ///< at least one; unix: only for unix/unixgram
    EchoProtocol protocol = EchoProtocol::tcp;
    EchoMode mode = EchoMode::echo;
    std::uint32_t max_connections = 1000;  ///< 1..1000000, <= runtime's (default: min(1000, it))
    std::chrono::milliseconds idle_timeout{5 * 60 * 1000};  ///< 0 = off
    std::uint64_t buffer_size = 16 * 1024;                  ///< 1KiB..16MiB
    // Datagram listeners (udp, unixgram) only; the defaults otherwise.
    std::uint32_t max_datagram = 65507;   ///< 1..65507
    std::uint32_t rate_limit_pps = 1000;  ///< per source IP, 0..100000000; 0 = unlimited
    std::vector<std::uint16_t> deny_source_ports{7, 13, 19, 37};

    friend bool operator==(const EchoListenerConfig&, const EchoListenerConfig&) = default;
};

/// The whole mio-echo.toml.
struct EchoConfig {
    EchoRuntimeConfig runtime;
    LogConfig log;
    EchoAdminConfig admin;
    std::vector<EchoListenerConfig> listeners;  ///< in name order; at least one

    friend bool operator==(const EchoConfig&, const EchoConfig&) = default;
};

/// Reads and validates the whole schema, then rejects unknown keys (ConfigReader::finish).
/// Throws ConfigErrors listing, in file order, every wrong type, out-of-range value, bad
/// duration/size/address, missing `bind`, protocol/bind mismatch, datagram-only key on a
/// stream listener, endpoint bound twice, bad listener name, missing listener and unknown key
/// (with the errors recorded in `reader` before the call). Thread safety: none.
[[nodiscard]] EchoConfig parse_echo_config(ConfigReader& reader);

/// The config as TOML with every key filled in; parse_echo_config() of it gives back an equal
/// config. Throws only std::bad_alloc.
[[nodiscard]] toml::table echo_config_to_toml(const EchoConfig& config);

}  // namespace app
