#include "inet.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>
#include <utility>

#include "socket.hpp"
#include "syscall.hpp"

namespace mio::sys {
namespace {

std::pair<int, int> level_and_name(IntOption option) noexcept {
    switch (option) {
        case IntOption::reuse_address:
            return {SOL_SOCKET, SO_REUSEADDR};
        case IntOption::reuse_port:
            return {SOL_SOCKET, SO_REUSEPORT};
        case IntOption::keepalive:
            return {SOL_SOCKET, SO_KEEPALIVE};
        case IntOption::recv_buffer_size:
            return {SOL_SOCKET, SO_RCVBUF};
        case IntOption::send_buffer_size:
            return {SOL_SOCKET, SO_SNDBUF};
        case IntOption::broadcast:
            return {SOL_SOCKET, SO_BROADCAST};
        case IntOption::tcp_nodelay:
            return {IPPROTO_TCP, TCP_NODELAY};
        case IntOption::keepalive_time:
            return {IPPROTO_TCP, TCP_KEEPIDLE};
        case IntOption::keepalive_interval:
            return {IPPROTO_TCP, TCP_KEEPINTVL};
        case IntOption::keepalive_retries:
            return {IPPROTO_TCP, TCP_KEEPCNT};
        case IntOption::ttl:
            return {IPPROTO_IP, IP_TTL};
        case IntOption::multicast_loop_v4:
            return {IPPROTO_IP, IP_MULTICAST_LOOP};
        case IntOption::multicast_ttl_v4:
            return {IPPROTO_IP, IP_MULTICAST_TTL};
        case IntOption::multicast_loop_v6:
            return {IPPROTO_IPV6, IPV6_MULTICAST_LOOP};
        case IntOption::multicast_hops_v6:
            return {IPPROTO_IPV6, IPV6_MULTICAST_HOPS};
        case IntOption::only_v6:
            break;
    }
    return {IPPROTO_IPV6, IPV6_V6ONLY};
}

int to_domain(net::SocketAddr::Family family) noexcept {
    return family == net::SocketAddr::Family::v4 ? AF_INET : AF_INET6;
}

Result<void> expect_inet_socket(int fd, int type) noexcept {
    if (auto r = expect_socket(fd, type, std::nullopt); !r) return r;
    auto domain = get_option(fd, SOL_SOCKET, SO_DOMAIN);
    if (!domain) return fail(domain.error());
    if (*domain != AF_INET && *domain != AF_INET6) {
        return fail(std::errc::address_family_not_supported);
    }
    return {};
}

}  // namespace

Result<void> set_int_option(int fd, IntOption option, int value) noexcept {
    const auto [level, name] = level_and_name(option);
    return set_option(fd, level, name, value);
}

Result<int> int_option(int fd, IntOption option) noexcept {
    const auto [level, name] = level_and_name(option);
    return get_option(fd, level, name);
}

Result<UniqueFd> new_tcp_socket(net::SocketAddr::Family family) noexcept {
    return new_socket(to_domain(family), SOCK_STREAM);
}

Result<UniqueFd> new_udp_socket(net::SocketAddr::Family family) noexcept {
    return new_socket(to_domain(family), SOCK_DGRAM);
}

Result<void> expect_tcp_socket(int fd) noexcept {
    return expect_inet_socket(fd, SOCK_STREAM);
}
Result<void> expect_udp_socket(int fd) noexcept {
    return expect_inet_socket(fd, SOCK_DGRAM);
}

Result<void> set_linger(int fd, std::optional<std::chrono::seconds> linger) noexcept {
    ::linger value{};
    value.l_onoff = linger ? 1 : 0;
    value.l_linger = linger ? static_cast<int>(linger->count()) : 0;
    return check_void(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &value, sizeof value));
}

Result<std::optional<std::chrono::seconds>> linger(int fd) noexcept {
    ::linger value{};
    socklen_t len = sizeof value;
    if (::getsockopt(fd, SOL_SOCKET, SO_LINGER, &value, &len) < 0) return fail(last_os_error());
    if (value.l_onoff == 0) return std::optional<std::chrono::seconds>{};
    return std::optional<std::chrono::seconds>{std::chrono::seconds(value.l_linger)};
}

Result<void> multicast_membership_v4(int fd, std::array<std::uint8_t, 4> group,
                                     std::array<std::uint8_t, 4> iface, bool join) noexcept {
    ip_mreq request{};
    std::memcpy(&request.imr_multiaddr, group.data(), group.size());
    std::memcpy(&request.imr_interface, iface.data(), iface.size());
    const int name = join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP;
    return check_void(::setsockopt(fd, IPPROTO_IP, name, &request, sizeof request));
}

Result<void> multicast_membership_v6(int fd, const std::array<std::uint8_t, 16>& group,
                                     std::uint32_t ifindex, bool join) noexcept {
    ipv6_mreq request{};
    std::memcpy(&request.ipv6mr_multiaddr, group.data(), group.size());
    request.ipv6mr_interface = ifindex;
    const int name = join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP;
    return check_void(::setsockopt(fd, IPPROTO_IPV6, name, &request, sizeof request));
}

int peek_flag() noexcept {
    return MSG_PEEK;
}

}  // namespace mio::sys
