// parse_proxy_header(): the receiving side of the PROXY protocol. It never reads past the
// bytes it is given, never allocates, and decides as early as the bytes allow: a client that
// sends something else is refused on its first bytes.
#include <algorithm>
#include <cstring>
#include <string_view>

#include "proxy_protocol.hpp"

namespace app {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::size_t kMaxV1Line = 107;  // the spec's bound, CRLF included
constexpr std::size_t kV2Fixed = 16;     // signature, version/command, family, length

ProxyHeader invalid(const char* why) noexcept {
    return ProxyHeader{.state = ProxyHeader::State::invalid, .error = why};
}

ProxyHeader complete(std::size_t size) noexcept {
    return ProxyHeader{.state = ProxyHeader::State::complete, .size = size};
}

// True if `bytes` and `prefix` agree on their common length.
bool agrees(std::span<const std::byte> bytes, std::span<const std::uint8_t> prefix) noexcept {
    const std::size_t n = std::min(bytes.size(), prefix.size());
    return std::memcmp(bytes.data(), prefix.data(), n) == 0;
}

// The next space-separated token of `line`, removed from it.
std::string_view next_token(std::string_view& line) noexcept {
    const std::size_t space = line.find(' ');
    const std::string_view token = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    return token;
}

// "1.2.3.4" (or "::1") and "80" as an address of the family `v6` says; nullopt if either is
// not what the spec's grammar allows (a port is 1 to 5 digits, at most 65535).
std::optional<mio::net::SocketAddr> v1_address(std::string_view ip, std::string_view port,
                                               bool v6) noexcept {
    if (ip.empty() || ip.size() > 45 || port.empty() || port.size() > 5) return std::nullopt;
    if (ip.find_first_of("%[]") != std::string_view::npos) return std::nullopt;
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    char text[64];  // "[" ip "]:" port
    std::size_t n = 0;
    if (v6) text[n++] = '[';
    std::memcpy(text + n, ip.data(), ip.size());
    n += ip.size();
    if (v6) text[n++] = ']';
    text[n++] = ':';
    std::memcpy(text + n, port.data(), port.size());
    n += port.size();
    auto addr = mio::net::SocketAddr::parse(std::string_view(text, n));
    if (!addr || addr->is_ipv6() != v6) return std::nullopt;
    return *addr;
}

ProxyHeader parse_v1(std::span<const std::byte> bytes) noexcept {
    const std::string_view seen(reinterpret_cast<const char*>(bytes.data()),
                                std::min(bytes.size(), kMaxV1Line));
    const std::size_t lf = seen.find('\n');
    if (lf == std::string_view::npos) {
        if (seen.size() >= kMaxV1Line) return invalid("v1 line longer than 107 bytes");
        return ProxyHeader{};
    }
    if (lf == 0 || seen[lf - 1] != '\r') return invalid("v1 line not ended by CRLF");
    std::string_view line = seen.substr(kV1Prefix.size(), lf - 1 - kV1Prefix.size());
    const std::string_view proto = next_token(line);
    if (proto == "UNKNOWN") return complete(lf + 1);  // the rest of the line is ignored
    if (proto != "TCP4" && proto != "TCP6") return invalid("v1 protocol not TCP4, TCP6 or UNKNOWN");
    const bool v6 = proto == "TCP6";
    const std::string_view src = next_token(line), dst = next_token(line);
    const std::string_view sport = next_token(line), dport = next_token(line);
    if (!line.empty()) return invalid("v1 line has too many fields");
    ProxyHeader header = complete(lf + 1);
    header.source = v1_address(src, sport, v6);
    header.destination = v1_address(dst, dport, v6);
    if (!header.source || !header.destination) return invalid("v1 address or port malformed");
    return header;
}

std::uint16_t be16(const std::byte* p) noexcept {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) |
                                      std::to_integer<unsigned>(p[1]));
}

// The addresses of a v2 PROXY command of family `family` (1 IPv4, 2 IPv6) from `a`.
void v2_addresses(ProxyHeader& header, unsigned family, const std::byte* a) noexcept {
    if (family == 1) {
        std::array<std::uint8_t, 4> src, dst;
        std::memcpy(src.data(), a, 4);
        std::memcpy(dst.data(), a + 4, 4);
        header.source = mio::net::SocketAddr::v4(src, be16(a + 8));
        header.destination = mio::net::SocketAddr::v4(dst, be16(a + 10));
    } else {
        std::array<std::uint8_t, 16> src, dst;
        std::memcpy(src.data(), a, 16);
        std::memcpy(dst.data(), a + 16, 16);
        header.source = mio::net::SocketAddr::v6(src, be16(a + 32));
        header.destination = mio::net::SocketAddr::v6(dst, be16(a + 34));
    }
}

ProxyHeader parse_v2(std::span<const std::byte> bytes) noexcept {
    if (bytes.size() < kV2Fixed) return ProxyHeader{};
    const unsigned version_command = std::to_integer<unsigned>(bytes[12]);
    const unsigned family_transport = std::to_integer<unsigned>(bytes[13]);
    if ((version_command >> 4) != 2) return invalid("v2 version is not 2");
    const unsigned command = version_command & 0x0F;
    if (command > 1) return invalid("v2 command not LOCAL or PROXY");
    const unsigned family = family_transport >> 4, transport = family_transport & 0x0F;
    if (family > 3 || transport > 2) return invalid("v2 address family or transport unknown");
    const std::size_t size = kV2Fixed + be16(bytes.data() + 14);
    if (size > kMaxProxyHeaderIn) return invalid("v2 header longer than 1024 bytes");
    // The address block's least length for each family: none, IPv4, IPv6, Unix.
    constexpr std::array<std::size_t, 4> kAddressBytes = {0, 12, 36, 216};
    if (size - kV2Fixed < kAddressBytes[family]) return invalid("v2 address block truncated");
    if (bytes.size() < size) return ProxyHeader{};
    ProxyHeader header = complete(size);
    // LOCAL (the proxy's own connection, e.g. its health check), UNSPEC and Unix addresses
    // leave the connection's own addresses in place.
    if (command == 1 && (family == 1 || family == 2))
        v2_addresses(header, family, bytes.data() + kV2Fixed);
    return header;
}

}  // namespace

ProxyHeader parse_proxy_header(std::span<const std::byte> bytes) noexcept {
    if (bytes.empty()) return ProxyHeader{};
    const auto v1 =
        std::span(reinterpret_cast<const std::uint8_t*>(kV1Prefix.data()), kV1Prefix.size());
    if (agrees(bytes, v1)) return bytes.size() < v1.size() ? ProxyHeader{} : parse_v1(bytes);
    if (agrees(bytes, kProxyV2Signature)) return parse_v2(bytes);
    return invalid("not a PROXY protocol header");
}

}  // namespace app
