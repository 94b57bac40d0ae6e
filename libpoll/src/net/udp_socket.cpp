#include <mio/net/udp_socket.hpp>

#include <algorithm>

#include "sys/unix/inet.hpp"
#include "sys/unix/socket.hpp"

namespace mio::net {
namespace {

using sys::IntOption;

std::span<const std::byte> bytes_of(std::string_view text) noexcept {
    return std::as_bytes(std::span(text.data(), text.size()));
}

Result<std::pair<std::size_t, SocketAddr>> with_source(Result<std::size_t> n,
                                                       const sys::RawAddr& from) {
    if (!n) return fail(n.error());
    auto addr = SocketAddr::from_sockaddr(from.get(), from.len);
    if (!addr) return fail(addr.error());
    return std::pair{*n, *addr};
}

}  // namespace

Result<UdpSocket> UdpSocket::bind(const SocketAddr& addr) {
    auto fd = sys::new_udp_socket(addr.family());
    if (!fd) return fail(fd.error());
    if (auto r = sys::bind(fd->get(), addr); !r) return fail(r.error());
    return UdpSocket(std::move(*fd));
}

Result<UdpSocket> UdpSocket::connected(const SocketAddr& peer) {
    auto fd = sys::new_udp_socket(peer.family());
    if (!fd) return fail(fd.error());
    if (auto r = sys::connect(fd->get(), peer); !r) return fail(r.error());
    return UdpSocket(std::move(*fd));
}

Result<UdpSocket> UdpSocket::from_fd(UniqueFd fd) {
    if (auto r = sys::expect_udp_socket(fd.get()); !r) return fail(r.error());
    return UdpSocket(std::move(fd));
}

Result<SocketAddr> UdpSocket::local_addr() const {
    return sys::local_addr(io_.fd());
}
Result<SocketAddr> UdpSocket::peer_addr() const {
    return sys::peer_addr(io_.fd());
}

Result<std::size_t> UdpSocket::send_to(std::span<const std::byte> buf,
                                       const SocketAddr& target) const {
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(target.to_sockaddr(storage));
    const auto* to = reinterpret_cast<const sockaddr*>(&storage);
    return io_.do_io([&](int fd) { return sys::send_to(fd, buf, to, len); });
}

Result<std::size_t> UdpSocket::send_to(std::string_view buf, const SocketAddr& target) const {
    return send_to(bytes_of(buf), target);
}

Result<std::pair<std::size_t, SocketAddr>> UdpSocket::recv_from(std::span<std::byte> buf) const {
    sys::RawAddr from;
    auto n = io_.do_io([&](int fd) { return sys::recv_from(fd, buf, 0, from); });
    return with_source(n, from);
}

Result<std::size_t> UdpSocket::recv_batch(std::span<DatagramSlot> slots) const {
    const auto used = slots.first(std::min(slots.size(), kMaxDatagramBatch));
    if (used.empty()) return std::size_t{0};
    return io_.do_transfer(used.size(), [&](int fd) { return sys::recv_batch(fd, used); });
}

Result<std::size_t> UdpSocket::send_batch(std::span<const DatagramSlot> slots) const {
    const auto used = slots.first(std::min(slots.size(), kMaxDatagramBatch));
    if (used.empty()) return std::size_t{0};
    // A short batch re-arms the writable edge, as a short write of a stream does.
    return io_.do_transfer(used.size(), [&](int fd) { return sys::send_batch(fd, used); });
}

Result<std::pair<std::size_t, SocketAddr>> UdpSocket::peek_from(std::span<std::byte> buf) const {
    sys::RawAddr from;
    auto n = io_.do_io([&](int fd) { return sys::recv_from(fd, buf, sys::peek_flag(), from); });
    return with_source(n, from);
}

Result<void> UdpSocket::connect(const SocketAddr& addr) const {
    return sys::connect(io_.fd(), addr);
}

Result<std::size_t> UdpSocket::send(std::span<const std::byte> buf) const {
    return io_.do_io([buf](int fd) { return sys::send(fd, buf, 0); });
}

Result<std::size_t> UdpSocket::send(std::string_view buf) const {
    return send(bytes_of(buf));
}

Result<std::size_t> UdpSocket::recv(std::span<std::byte> buf) const {
    return io_.do_io([buf](int fd) { return sys::recv(fd, buf, 0); });
}

Result<std::size_t> UdpSocket::peek(std::span<std::byte> buf) const {
    return io_.do_io([buf](int fd) { return sys::recv(fd, buf, sys::peek_flag()); });
}

Result<void> UdpSocket::set_broadcast(bool on) const {
    return sys::set_bool_option(io_.fd(), IntOption::broadcast, on);
}
Result<bool> UdpSocket::broadcast() const {
    return sys::bool_option(io_.fd(), IntOption::broadcast);
}

Result<void> UdpSocket::set_multicast_loop_v4(bool on) const {
    return sys::set_bool_option(io_.fd(), IntOption::multicast_loop_v4, on);
}
Result<bool> UdpSocket::multicast_loop_v4() const {
    return sys::bool_option(io_.fd(), IntOption::multicast_loop_v4);
}

Result<void> UdpSocket::set_multicast_ttl_v4(std::uint32_t ttl) const {
    return sys::set_u32_option(io_.fd(), IntOption::multicast_ttl_v4, ttl);
}
Result<std::uint32_t> UdpSocket::multicast_ttl_v4() const {
    return sys::u32_option(io_.fd(), IntOption::multicast_ttl_v4);
}

Result<void> UdpSocket::set_multicast_loop_v6(bool on) const {
    return sys::set_bool_option(io_.fd(), IntOption::multicast_loop_v6, on);
}
Result<bool> UdpSocket::multicast_loop_v6() const {
    return sys::bool_option(io_.fd(), IntOption::multicast_loop_v6);
}

Result<void> UdpSocket::set_multicast_hops_v6(std::uint32_t hops) const {
    return sys::set_u32_option(io_.fd(), IntOption::multicast_hops_v6, hops);
}
Result<std::uint32_t> UdpSocket::multicast_hops_v6() const {
    return sys::u32_option(io_.fd(), IntOption::multicast_hops_v6);
}

Result<void> UdpSocket::set_ttl(std::uint32_t ttl) const {
    return sys::set_u32_option(io_.fd(), IntOption::ttl, ttl);
}
Result<std::uint32_t> UdpSocket::ttl() const {
    return sys::u32_option(io_.fd(), IntOption::ttl);
}

Result<void> UdpSocket::set_only_v6(bool on) const {
    return sys::set_bool_option(io_.fd(), IntOption::only_v6, on);
}
Result<bool> UdpSocket::only_v6() const {
    return sys::bool_option(io_.fd(), IntOption::only_v6);
}

Result<void> UdpSocket::join_multicast_v4(std::array<std::uint8_t, 4> group,
                                          std::array<std::uint8_t, 4> iface) const {
    return sys::multicast_membership_v4(io_.fd(), group, iface, true);
}
Result<void> UdpSocket::leave_multicast_v4(std::array<std::uint8_t, 4> group,
                                           std::array<std::uint8_t, 4> iface) const {
    return sys::multicast_membership_v4(io_.fd(), group, iface, false);
}

Result<void> UdpSocket::join_multicast_v6(const std::array<std::uint8_t, 16>& group,
                                          std::uint32_t ifindex) const {
    return sys::multicast_membership_v6(io_.fd(), group, ifindex, true);
}
Result<void> UdpSocket::leave_multicast_v6(const std::array<std::uint8_t, 16>& group,
                                           std::uint32_t ifindex) const {
    return sys::multicast_membership_v6(io_.fd(), group, ifindex, false);
}

Result<std::optional<std::error_code>> UdpSocket::take_error() const {
    return sys::take_error(io_.fd());
}

}  // namespace mio::net
