#pragma once
// The PROXY protocol header mio-proxy sends to a server before a client's bytes (HAProxy's
// spec, versions 1 and 2), so that the server learns the real client address and the address
// the client connected to. Version 1 is one text line; version 2 is binary.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <mio/net/socket_addr.hpp>

#include "config/enum_names.hpp"

namespace app {

/// Which header an upstream's servers receive.
enum class ProxyProtocol : std::uint8_t { off, v1, v2 };

inline constexpr EnumNames<ProxyProtocol, 3> kProxyProtocolNames{{
    {"off", ProxyProtocol::off},
    {"v1", ProxyProtocol::v1},
    {"v2", ProxyProtocol::v2},
}};

/// The longest header encode_proxy_header() writes (a v1 TCP6 line is at most 104 bytes; a
/// v2 IPv6 header 52).
inline constexpr std::size_t kMaxProxyHeader = 108;

/// Writes the header of `version` for a TCP connection from `client` to `local` (the address
/// it connected to) into `out` and returns its length (0 for ProxyProtocol::off). Without both
/// addresses of one family (a Unix client), v1 says "PROXY UNKNOWN" and v2 sends a LOCAL
/// header, as the spec asks. Throws only std::bad_alloc (v1 formats text).
[[nodiscard]] std::size_t encode_proxy_header(ProxyProtocol version,
                                              const std::optional<mio::net::SocketAddr>& client,
                                              const std::optional<mio::net::SocketAddr>& local,
                                              std::span<std::byte, kMaxProxyHeader> out);

}  // namespace app
