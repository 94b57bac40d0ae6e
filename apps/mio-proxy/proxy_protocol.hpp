#pragma once
// The PROXY protocol (HAProxy's spec, versions 1 and 2): the header a proxy puts before a
// client's bytes so that the next hop learns the real client address and the address the
// client connected to. Version 1 is one text line (TCP only); version 2 is binary and also
// carries UDP, where it goes in front of every datagram. mio-proxy sends it to servers
// (encode_proxy_header) and accepts it from trusted proxies in front of it
// (parse_proxy_header).

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

/// The 12 bytes a v2 header starts with: \r\n\r\n\0\r\nQUIT\n.
inline constexpr std::array<std::uint8_t, 12> kProxyV2Signature = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

/// What the header describes: a stream (TCP) or a datagram (UDP) connection. Version 1 has
/// no way to say "UDP": a datagram header is always version 2.
enum class ProxyTransport : std::uint8_t { stream, datagram };

/// The longest header encode_proxy_header() writes (a v1 TCP6 line is at most 104 bytes; a
/// v2 IPv6 header 52).
inline constexpr std::size_t kMaxProxyHeader = 108;

/// Writes the header of `version` for a `transport` connection from `client` to `local` (the
/// address it connected to) into `out` and returns its length (0 for ProxyProtocol::off).
/// Without both addresses of one family (a Unix client), v1 says "PROXY UNKNOWN" and v2 sends
/// a LOCAL header, as the spec asks. Precondition: v1 only with ProxyTransport::stream (the
/// config refuses v1 for UDP). Throws only std::bad_alloc (v1 formats text).
[[nodiscard]] std::size_t encode_proxy_header(ProxyProtocol version, ProxyTransport transport,
                                              const std::optional<mio::net::SocketAddr>& client,
                                              const std::optional<mio::net::SocketAddr>& local,
                                              std::span<std::byte, kMaxProxyHeader> out);

/// The longest header parse_proxy_header() accepts: a v1 line is at most 107 bytes; a v2
/// header may carry TLVs, and one longer than this is refused rather than buffered.
inline constexpr std::size_t kMaxProxyHeaderIn = 1024;

/// What parse_proxy_header() found at the start of a connection's bytes.
struct ProxyHeader {
    enum class State : std::uint8_t {
        incomplete,  ///< a valid prefix so far: read more (within the read timeout)
        complete,    ///< a whole, valid header of `size` bytes
        invalid,     ///< not a PROXY header, malformed, or too long: `error` says which
    };
    State state = State::incomplete;
    std::size_t size = 0;  ///< bytes the header takes (complete only); the client's follow
    /// The real client and the address it connected to. Absent for a LOCAL command (a health
    /// check of the proxy in front), UNKNOWN/UNSPEC, and Unix addresses: the connection's own
    /// addresses stand.
    std::optional<mio::net::SocketAddr> source{};
    std::optional<mio::net::SocketAddr> destination{};
    const char* error = "";  ///< a static string (invalid only)
};

/// Parses a v1 or v2 PROXY header at the start of `bytes` (what has arrived so far). A prefix
/// that cannot begin a header is refused at once, so a client that sends none is not kept
/// waiting for the timeout. v2 TLVs are skipped; v2 UDP and TCP are both accepted.
/// Errors: State::invalid with the reason. Thread safety: a pure function.
[[nodiscard]] ProxyHeader parse_proxy_header(std::span<const std::byte> bytes) noexcept;

}  // namespace app
