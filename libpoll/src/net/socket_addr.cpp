#include <mio/net/socket_addr.hpp>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <string_view>

namespace mio::net {
namespace {

Result<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value > 65535) {
        return fail(Errc::invalid_address);
    }
    return static_cast<std::uint16_t>(value);
}

Result<std::uint32_t> parse_scope(std::string_view scope) {
    if (scope.empty()) return fail(Errc::invalid_address);
    std::uint32_t value = 0;
    const char* end = scope.data() + scope.size();
    if (auto [ptr, ec] = std::from_chars(scope.data(), end, value);
        ec == std::errc{} && ptr == end) {
        return value;
    }
    const std::string name(scope);
    const unsigned index = ::if_nametoindex(name.c_str());
    if (index == 0) return fail(Errc::invalid_address);
    return index;
}

Result<SocketAddr> parse_v6(std::string_view host, std::uint16_t port) {
    std::uint32_t scope = 0;
    if (const auto pct = host.find('%'); pct != std::string_view::npos) {
        auto s = parse_scope(host.substr(pct + 1));
        if (!s) return fail(s.error());
        scope = *s;
        host = host.substr(0, pct);
    }
    const std::string text(host);
    std::array<std::uint8_t, 16> octets{};
    if (::inet_pton(AF_INET6, text.c_str(), octets.data()) != 1) return fail(Errc::invalid_address);
    return SocketAddr::v6(octets, port, 0, scope);
}

}  // namespace

SocketAddr SocketAddr::v4(std::array<std::uint8_t, 4> octets, std::uint16_t port) noexcept {
    SocketAddr a;
    a.family_ = Family::v4;
    std::memcpy(a.ip_.data(), octets.data(), 4);
    a.port_ = port;
    return a;
}

SocketAddr SocketAddr::v6(const std::array<std::uint8_t, 16>& octets, std::uint16_t port,
                          std::uint32_t flowinfo, std::uint32_t scope_id) noexcept {
    SocketAddr a;
    a.family_ = Family::v6;
    a.ip_ = octets;
    a.port_ = port;
    a.flowinfo_ = flowinfo;
    a.scope_id_ = scope_id;
    return a;
}

Result<SocketAddr> SocketAddr::parse(std::string_view text) {
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return fail(Errc::invalid_address);
        }
        auto port = parse_port(text.substr(close + 2));
        if (!port) return fail(port.error());
        return parse_v6(text.substr(1, close - 1), *port);
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
        return fail(Errc::invalid_address);  // no port, or an IPv6 address without brackets
    }
    auto port = parse_port(text.substr(colon + 1));
    if (!port) return fail(port.error());
    const std::string host(text.substr(0, colon));
    std::array<std::uint8_t, 4> octets{};
    if (::inet_pton(AF_INET, host.c_str(), octets.data()) != 1) return fail(Errc::invalid_address);
    return v4(octets, *port);
}

Result<SocketAddr> SocketAddr::from_sockaddr(const sockaddr* addr, std::size_t len) noexcept {
    if (addr == nullptr || len < sizeof(sa_family_t)) return fail(std::errc::invalid_argument);
    if (addr->sa_family == AF_INET) {
        if (len < sizeof(sockaddr_in)) return fail(std::errc::invalid_argument);
        sockaddr_in in;
        std::memcpy(&in, addr, sizeof in);
        std::array<std::uint8_t, 4> octets;
        std::memcpy(octets.data(), &in.sin_addr, 4);
        return v4(octets, ntohs(in.sin_port));
    }
    if (addr->sa_family == AF_INET6) {
        if (len < sizeof(sockaddr_in6)) return fail(std::errc::invalid_argument);
        sockaddr_in6 in6;
        std::memcpy(&in6, addr, sizeof in6);
        std::array<std::uint8_t, 16> octets;
        std::memcpy(octets.data(), &in6.sin6_addr, 16);
        return v6(octets, ntohs(in6.sin6_port), ntohl(in6.sin6_flowinfo), in6.sin6_scope_id);
    }
    return fail(std::errc::address_family_not_supported);
}

std::size_t SocketAddr::to_sockaddr(sockaddr_storage& out) const noexcept {
    std::memset(&out, 0, sizeof out);
    if (is_ipv4()) {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = htons(port_);
        std::memcpy(&in.sin_addr, ip_.data(), 4);
        std::memcpy(&out, &in, sizeof in);
        return sizeof in;
    }
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port_);
    in6.sin6_flowinfo = htonl(flowinfo_);
    in6.sin6_scope_id = scope_id_;
    std::memcpy(&in6.sin6_addr, ip_.data(), 16);
    std::memcpy(&out, &in6, sizeof in6);
    return sizeof in6;
}

bool SocketAddr::is_loopback() const noexcept {
    if (is_ipv4()) return ip_[0] == 127;
    static constexpr std::array<std::uint8_t, 16> kLoopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                            0, 0, 0, 0, 0, 0, 0, 1};
    return ip_ == kLoopback;
}

bool SocketAddr::is_unspecified() const noexcept {
    const std::size_t n = is_ipv4() ? 4 : 16;
    for (std::size_t i = 0; i < n; ++i) {
        if (ip_[i] != 0) return false;
    }
    return true;
}

std::string SocketAddr::ip_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(is_ipv4() ? AF_INET : AF_INET6, ip_.data(), buf, sizeof buf);
    std::string out(buf);
    if (is_ipv6() && scope_id_ != 0) {
        out += '%';
        out += std::to_string(scope_id_);
    }
    return out;
}

// Built with append rather than operator+ chains: GCC 12 at -O2/-O3 reports a false
// -Wrestrict inside `"[" + std::string(...)` (GCC bug 105329).
std::string SocketAddr::to_string() const {
    std::string out;
    out.reserve(INET6_ADDRSTRLEN + 8);
    if (is_ipv6()) out += '[';
    out += ip_string();
    if (is_ipv6()) out += ']';
    out += ':';
    out += std::to_string(port_);
    return out;
}

}  // namespace mio::net

std::size_t std::hash<mio::net::SocketAddr>::operator()(
    const mio::net::SocketAddr& a) const noexcept {
    std::size_t h = static_cast<std::size_t>(a.family()) * 1000003u + a.port();
    for (std::uint8_t b : a.octets())
        h = h * 131u + b;
    return h ^ (static_cast<std::size_t>(a.scope_id()) << 17) ^ a.flowinfo();
}
