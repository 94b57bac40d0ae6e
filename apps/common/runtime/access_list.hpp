#pragma once
// Cidr and AccessList: which client addresses a listener serves. Rules are CIDR blocks
// ("10.0.0.0/8", "2001:db8::/32", or a bare address for a single host). The most specific
// matching rule wins, a deny beating an allow of the same length; an address no rule matches
// is allowed unless the list has allow rules (then only what they allow is served). An
// IPv4-mapped IPv6 client (::ffff:a.b.c.d, from a dual-stack socket) is matched as IPv4.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mio/net/socket_addr.hpp>

namespace app {

/// An IPv4 or IPv6 address block.
struct Cidr {
    std::array<std::uint8_t, 16> bytes{};  ///< network order; IPv4 uses the first 4
    std::uint8_t prefix = 0;               ///< bits that must match (0..32 or 0..128)
    bool v6 = false;

    /// Parses "a.b.c.d/n", "x:y::/n" or a bare address (a host: /32 or /128). Bits beyond the
    /// prefix must be zero ("10.0.0.1/8" is refused: it is almost always a typo).
    /// Errors: a message naming the problem ("prefix 33 is out of range (0..32)", ...).
    [[nodiscard]] static std::optional<Cidr> parse(std::string_view text, std::string* error);
    /// True if `addr` (its IP; the port is ignored) lies in this block.
    [[nodiscard]] bool contains(const mio::net::SocketAddr& addr) const noexcept;
    /// "10.0.0.0/8" or "2001:db8::/32": parse(to_string()) gives back an equal block.
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const Cidr&, const Cidr&) = default;
};

/// Thread safety: none needed (read-only once built).
class AccessList {
public:
    AccessList() = default;
    AccessList(std::vector<Cidr> allow, std::vector<Cidr> deny)
        : allow_(std::move(allow)), deny_(std::move(deny)) {}

    /// Whether a client at `addr` is served (see above). An empty list allows everyone.
    [[nodiscard]] bool allows(const mio::net::SocketAddr& addr) const noexcept;
    [[nodiscard]] bool empty() const noexcept { return allow_.empty() && deny_.empty(); }

private:
    std::vector<Cidr> allow_;
    std::vector<Cidr> deny_;
};

}  // namespace app
