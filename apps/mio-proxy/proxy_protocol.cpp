#include "proxy_protocol.hpp"

#include <cstring>
#include <string>

#include <fmt/format.h>

namespace app {
namespace {

bool same_family(const std::optional<mio::net::SocketAddr>& a,
                 const std::optional<mio::net::SocketAddr>& b) {
    return a && b && a->is_ipv6() == b->is_ipv6();
}

std::size_t encode_v1(const std::optional<mio::net::SocketAddr>& client,
                      const std::optional<mio::net::SocketAddr>& local,
                      std::span<std::byte, kMaxProxyHeader> out) {
    std::string line = "PROXY UNKNOWN\r\n";
    if (same_family(client, local)) {
        const std::string src = client->ip_string(), dst = local->ip_string();
        // An IPv6 scope ("%eth0") has no place in the spec's grammar: such a client is UNKNOWN.
        if (src.find('%') == std::string::npos && dst.find('%') == std::string::npos) {
            line = fmt::format("PROXY {} {} {} {} {}\r\n", client->is_ipv6() ? "TCP6" : "TCP4", src,
                               dst, client->port(), local->port());
        }
    }
    std::memcpy(out.data(), line.data(), line.size());
    return line.size();
}

std::size_t encode_v2(ProxyTransport transport, const std::optional<mio::net::SocketAddr>& client,
                      const std::optional<mio::net::SocketAddr>& local,
                      std::span<std::byte, kMaxProxyHeader> out) noexcept {
    auto* p = reinterpret_cast<std::uint8_t*>(out.data());
    std::memcpy(p, kProxyV2Signature.data(), kProxyV2Signature.size());
    if (!same_family(client, local)) {
        p[12] = 0x20;  // version 2, LOCAL: the server uses the connection's own addresses
        p[13] = 0x00;  // UNSPEC
        p[14] = p[15] = 0;
        return 16;
    }
    const bool v6 = client->is_ipv6();
    const std::size_t ip = v6 ? 16 : 4;
    const std::size_t len = 2 * ip + 4;
    p[12] = 0x21;  // version 2, PROXY
    // The family in the high nibble (1 IPv4, 2 IPv6), the transport in the low (1 TCP, 2 UDP).
    const std::uint8_t proto = transport == ProxyTransport::stream ? 0x01 : 0x02;
    p[13] = static_cast<std::uint8_t>((v6 ? 0x20 : 0x10) | proto);
    p[14] = static_cast<std::uint8_t>(len >> 8);
    p[15] = static_cast<std::uint8_t>(len);
    std::uint8_t* a = p + 16;
    std::memcpy(a, client->octets().data(), ip);
    std::memcpy(a + ip, local->octets().data(), ip);
    a[2 * ip] = static_cast<std::uint8_t>(client->port() >> 8);
    a[2 * ip + 1] = static_cast<std::uint8_t>(client->port());
    a[2 * ip + 2] = static_cast<std::uint8_t>(local->port() >> 8);
    a[2 * ip + 3] = static_cast<std::uint8_t>(local->port());
    return 16 + len;
}

}  // namespace

std::size_t encode_proxy_header(ProxyProtocol version, ProxyTransport transport,
                                const std::optional<mio::net::SocketAddr>& client,
                                const std::optional<mio::net::SocketAddr>& local,
                                std::span<std::byte, kMaxProxyHeader> out) {
    switch (version) {
        case ProxyProtocol::off:
            return 0;
        case ProxyProtocol::v1:
            return encode_v1(client, local, out);
        case ProxyProtocol::v2:
            return encode_v2(transport, client, local, out);
    }
    return 0;
}

}  // namespace app
