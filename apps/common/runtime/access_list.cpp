#include "runtime/access_list.hpp"

#include <charconv>

namespace app {
namespace {

// ::ffff:a.b.c.d as a.b.c.d; any other address unchanged.
mio::net::SocketAddr unmapped(const mio::net::SocketAddr& addr) noexcept {
    if (!addr.is_ipv6()) return addr;
    const auto& b = addr.octets();
    for (int i = 0; i < 10; ++i) {
        if (b[i] != 0) return addr;
    }
    if (b[10] != 0xff || b[11] != 0xff) return addr;
    return mio::net::SocketAddr::v4({b[12], b[13], b[14], b[15]}, addr.port());
}

bool prefix_matches(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                    unsigned bits) noexcept {
    const unsigned whole = bits / 8, rest = bits % 8;
    for (unsigned i = 0; i < whole; ++i) {
        if (a[i] != b[i]) return false;
    }
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

// The longest prefix among `rules` that contains `addr`, or -1.
int longest_match(const std::vector<Cidr>& rules, const mio::net::SocketAddr& addr) noexcept {
    int best = -1;
    for (const Cidr& rule : rules) {
        if (rule.prefix > best && rule.contains(addr)) best = rule.prefix;
    }
    return best;
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text, std::string* error) {
    const auto slash = text.find('/');
    const std::string_view ip = text.substr(0, slash);
    const bool v6 = ip.find(':') != std::string_view::npos;
    // SocketAddr parses literal addresses with a port: lend it one.
    auto addr =
        mio::net::SocketAddr::parse(v6 ? "[" + std::string(ip) + "]:0" : std::string(ip) + ":0");
    if (!addr || ip.find('%') != std::string_view::npos) {
        *error = "'" + std::string(ip) + "' is not an IP address";
        return std::nullopt;
    }
    const unsigned max = v6 ? 128 : 32;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        const auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() ||
            prefix > max) {
            *error = "prefix '" + std::string(digits) + "' is out of range (0.." +
                     std::to_string(max) + ")";
            return std::nullopt;
        }
    }
    Cidr cidr{addr->octets(), static_cast<std::uint8_t>(prefix), v6};
    std::array<std::uint8_t, 16> network{};
    for (unsigned i = 0; i < prefix; ++i) {
        if (cidr.bytes[i / 8] & (0x80 >> (i % 8)))
            network[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
    }
    if (network != cidr.bytes) {
        cidr.bytes = network;
        *error = "host bits are set: did you mean '" + cidr.to_string() + "'?";
        return std::nullopt;
    }
    return cidr;
}

bool Cidr::contains(const mio::net::SocketAddr& addr) const noexcept {
    const mio::net::SocketAddr ip = unmapped(addr);
    if (ip.is_ipv6() != v6) return false;
    return prefix_matches(bytes, ip.octets(), prefix);
}

std::string Cidr::to_string() const {
    const mio::net::SocketAddr addr =
        v6 ? mio::net::SocketAddr::v6(bytes, 0)
           : mio::net::SocketAddr::v4({bytes[0], bytes[1], bytes[2], bytes[3]}, 0);
    return addr.ip_string() + "/" + std::to_string(prefix);
}

bool AccessList::allows(const mio::net::SocketAddr& addr) const noexcept {
    if (empty()) return true;
    const int allowed = longest_match(allow_, addr);
    const int denied = longest_match(deny_, addr);
    if (denied >= 0 && denied >= allowed) return false;
    return allowed >= 0 || allow_.empty();
}

}  // namespace app
