#pragma once
// SocketAddr: an IPv4 or IPv6 socket address (IP + port), a platform-neutral value.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mio/export.hpp>
#include <string>
#include <string_view>

#include <mio/error.hpp>

struct sockaddr;
struct sockaddr_storage;

namespace mio::net {

/// An Internet socket address: IPv4 `a.b.c.d:port` or IPv6 `[addr%scope]:port`.
/// Comparable (IPv4 orders before IPv6), hashable, and convertible to and from the OS's
/// sockaddr_storage. Thread safety: a plain value.
class MIO_API SocketAddr {
public:
    enum class Family : std::uint8_t { v4, v6 };

    /// 0.0.0.0:0.
    constexpr SocketAddr() noexcept = default;

    /// An IPv4 address from its four octets, e.g. v4({127, 0, 0, 1}, 8080).
    [[nodiscard]] static SocketAddr v4(std::array<std::uint8_t, 4> octets,
                                       std::uint16_t port) noexcept;
    /// An IPv6 address from its sixteen octets (network order).
    [[nodiscard]] static SocketAddr v6(const std::array<std::uint8_t, 16>& octets,
                                       std::uint16_t port, std::uint32_t flowinfo = 0,
                                       std::uint32_t scope_id = 0) noexcept;

    /// Parses "127.0.0.1:80", "[::1]:80" or "[fe80::1%eth0]:80" (numeric or named scope).
    /// Host names are not resolved: this is for literal addresses only.
    /// Errors: Errc::invalid_address (== errc::invalid_argument) for anything else: a missing
    /// or out-of-range port, an IPv6 address without brackets, trailing text.
    [[nodiscard]] static Result<SocketAddr> parse(std::string_view text);

    /// Reads an AF_INET or AF_INET6 sockaddr of `len` bytes.
    /// Errors: errc::address_family_not_supported for other families; invalid_argument if
    /// `len` is too short.
    [[nodiscard]] static Result<SocketAddr> from_sockaddr(const sockaddr* addr,
                                                          std::size_t len) noexcept;
    /// Writes this address into `out`; returns the length to pass to bind/connect/sendto.
    std::size_t to_sockaddr(sockaddr_storage& out) const noexcept;

    [[nodiscard]] Family family() const noexcept { return family_; }
    [[nodiscard]] bool is_ipv4() const noexcept { return family_ == Family::v4; }
    [[nodiscard]] bool is_ipv6() const noexcept { return family_ == Family::v6; }
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    void set_port(std::uint16_t port) noexcept { port_ = port; }
    /// The address bytes: the first 4 for IPv4, all 16 for IPv6 (network order).
    [[nodiscard]] const std::array<std::uint8_t, 16>& octets() const noexcept { return ip_; }
    [[nodiscard]] std::uint32_t flowinfo() const noexcept { return flowinfo_; }
    [[nodiscard]] std::uint32_t scope_id() const noexcept { return scope_id_; }
    /// 127.0.0.0/8 or ::1.
    [[nodiscard]] bool is_loopback() const noexcept;
    /// 0.0.0.0 or ::.
    [[nodiscard]] bool is_unspecified() const noexcept;

    /// Only the IP part: "127.0.0.1", "::1", "fe80::1%3".
    [[nodiscard]] std::string ip_string() const;
    /// "127.0.0.1:80" or "[::1]:80"; parse(to_string()) gives back an equal address.
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const SocketAddr&, const SocketAddr&) noexcept = default;
    friend auto operator<=>(const SocketAddr&, const SocketAddr&) noexcept = default;

private:
    Family family_ = Family::v4;
    std::array<std::uint8_t, 16> ip_{};
    std::uint16_t port_ = 0;
    std::uint32_t flowinfo_ = 0;
    std::uint32_t scope_id_ = 0;
};

}  // namespace mio::net

template <>
struct std::hash<mio::net::SocketAddr> {
    std::size_t operator()(const mio::net::SocketAddr& a) const noexcept;
};
