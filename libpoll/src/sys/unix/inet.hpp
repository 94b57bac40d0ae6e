#pragma once
// Internet (TCP/UDP) socket helpers on top of socket.hpp: socket creation per address family,
// adoption checks, and typed socket options, so that net/*.cpp names no OS constant that
// differs between Unixes (keepalive, SO_DOMAIN, ...).

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include <mio/error.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/unique_fd.hpp>

namespace mio::sys {

/// The integer-valued socket options the net types expose.
enum class IntOption {
    reuse_address,       // SOL_SOCKET SO_REUSEADDR
    reuse_port,          // SOL_SOCKET SO_REUSEPORT
    keepalive,           // SOL_SOCKET SO_KEEPALIVE
    recv_buffer_size,    // SOL_SOCKET SO_RCVBUF
    send_buffer_size,    // SOL_SOCKET SO_SNDBUF
    broadcast,           // SOL_SOCKET SO_BROADCAST
    tcp_nodelay,         // IPPROTO_TCP TCP_NODELAY
    keepalive_time,      // IPPROTO_TCP TCP_KEEPIDLE (seconds)
    keepalive_interval,  // IPPROTO_TCP TCP_KEEPINTVL (seconds)
    keepalive_retries,   // IPPROTO_TCP TCP_KEEPCNT
    ttl,                 // IPPROTO_IP IP_TTL
    multicast_loop_v4,   // IPPROTO_IP IP_MULTICAST_LOOP
    multicast_ttl_v4,    // IPPROTO_IP IP_MULTICAST_TTL
    multicast_loop_v6,   // IPPROTO_IPV6 IPV6_MULTICAST_LOOP
    multicast_hops_v6,   // IPPROTO_IPV6 IPV6_MULTICAST_HOPS
    only_v6,             // IPPROTO_IPV6 IPV6_V6ONLY
};

/// setsockopt / getsockopt of one IntOption.
[[nodiscard]] Result<void> set_int_option(int fd, IntOption option, int value) noexcept;
[[nodiscard]] Result<int> int_option(int fd, IntOption option) noexcept;

/// Boolean and unsigned views of set_int_option / int_option.
[[nodiscard]] inline Result<void> set_bool_option(int fd, IntOption option, bool on) noexcept {
    return set_int_option(fd, option, on ? 1 : 0);
}
[[nodiscard]] inline Result<bool> bool_option(int fd, IntOption option) noexcept {
    auto value = int_option(fd, option);
    if (!value) return fail(value.error());
    return *value != 0;
}
/// Values above INT_MAX are passed on as INT_MAX (the kernel rejects them anyway).
[[nodiscard]] inline Result<void> set_u32_option(int fd, IntOption option,
                                                 std::uint32_t value) noexcept {
    constexpr std::uint32_t kMax = 0x7fffffff;
    return set_int_option(fd, option, static_cast<int>(value > kMax ? kMax : value));
}
[[nodiscard]] inline Result<std::uint32_t> u32_option(int fd, IntOption option) noexcept {
    auto value = int_option(fd, option);
    if (!value) return fail(value.error());
    return static_cast<std::uint32_t>(*value);
}

/// A non-blocking, close-on-exec TCP (stream) or UDP (datagram) socket for `family`.
[[nodiscard]] Result<UniqueFd> new_tcp_socket(net::SocketAddr::Family family) noexcept;
[[nodiscard]] Result<UniqueFd> new_udp_socket(net::SocketAddr::Family family) noexcept;

/// Succeeds if `fd` is an AF_INET or AF_INET6 socket of the given kind. Errors: ENOTSOCK
/// (errc::not_a_socket) for a non-socket, EBADF for a closed fd, errc::wrong_protocol_type
/// for a socket of the other type, errc::address_family_not_supported for e.g. AF_UNIX.
[[nodiscard]] Result<void> expect_tcp_socket(int fd) noexcept;
[[nodiscard]] Result<void> expect_udp_socket(int fd) noexcept;

/// SO_LINGER: std::nullopt disables lingering; a duration enables it (zero: RST on close).
[[nodiscard]] Result<void> set_linger(int fd, std::optional<std::chrono::seconds> linger) noexcept;
[[nodiscard]] Result<std::optional<std::chrono::seconds>> linger(int fd) noexcept;

/// IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP.
[[nodiscard]] Result<void> multicast_membership_v4(int fd, std::array<std::uint8_t, 4> group,
                                                   std::array<std::uint8_t, 4> iface,
                                                   bool join) noexcept;
/// IPV6_ADD_MEMBERSHIP / IPV6_DROP_MEMBERSHIP.
[[nodiscard]] Result<void> multicast_membership_v6(int fd,
                                                   const std::array<std::uint8_t, 16>& group,
                                                   std::uint32_t ifindex, bool join) noexcept;

/// Flags for recv: MSG_PEEK.
[[nodiscard]] int peek_flag() noexcept;

}  // namespace mio::sys
