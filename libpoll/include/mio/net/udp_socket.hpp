#pragma once
// UdpSocket: a non-blocking UDP socket.

#include <array>
#include <cstddef>
#include <cstdint>
#include <mio/export.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include <mio/detail/io_source_owner.hpp>
#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/net/datagram_slot.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio {
class Registry;
}

namespace mio::net {

/// A non-blocking UDP socket (mio's `net::UdpSocket`). Unconnected, it sends with send_to and
/// receives from anyone with recv_from; after connect() it also has send/recv/peek and only
/// receives datagrams from the connected peer.
///
/// Every send, receive and peek goes through the edge re-arming: after a readable event,
/// receive until WouldBlock. A datagram larger than the buffer is truncated silently (Unix).
///
/// Thread safety: const members may be called from several threads at once; each datagram is
/// sent or received whole. Registration calls need exclusive access.
class MIO_API UdpSocket : public detail::IoSourceOwner {
public:
    /// Creates a non-blocking, close-on-exec socket bound to `addr` (no SO_REUSEADDR).
    /// Errors: errc::address_in_use, errc::address_not_available and other OS errors.
    [[nodiscard]] static Result<UdpSocket> bind(const SocketAddr& addr);
    /// Creates a non-blocking, close-on-exec socket of `peer`'s family connected to `peer`, on
    /// an address and ephemeral port the kernel picks: what bind() to the unspecified address
    /// with port 0 followed by connect() gives, with one system call less. A libpoll extension
    /// (a proxy opens one such socket per client session).
    /// Errors: errc::too_many_files_open, errc::network_unreachable and other OS errors.
    [[nodiscard]] static Result<UdpSocket> connected(const SocketAddr& peer);
    /// Adopts an existing UDP socket; O_NONBLOCK is left as it is.
    /// Errors: errc::not_a_socket, errc::bad_file_descriptor, errc::wrong_protocol_type (e.g. a
    /// TCP socket), errc::address_family_not_supported. On error `fd` is closed.
    [[nodiscard]] static Result<UdpSocket> from_fd(UniqueFd fd);

    /// The bound address. Errors: the OS error.
    [[nodiscard]] Result<SocketAddr> local_addr() const;
    /// The connected peer. Errors: errc::not_connected unless connect() was called.
    [[nodiscard]] Result<SocketAddr> peer_addr() const;

    /// Sends one datagram to `target`; returns the bytes sent (all of them, for UDP).
    /// Errors: WouldBlock when the send buffer is full (re-arms); errc::message_size if too
    /// large; errc::connection_refused after an ICMP port-unreachable; other OS errors.
    [[nodiscard]] Result<std::size_t> send_to(std::span<const std::byte> buf,
                                              const SocketAddr& target) const;
    [[nodiscard]] Result<std::size_t> send_to(std::string_view buf, const SocketAddr& target) const;
    /// Receives one datagram (truncated to buf.size()) and its source.
    /// Errors: WouldBlock when none is queued (re-arms); errc::connection_refused after an
    /// ICMP port-unreachable for an earlier send; other OS errors.
    [[nodiscard]] Result<std::pair<std::size_t, SocketAddr>> recv_from(
        std::span<std::byte> buf) const;
    /// Receives up to min(slots.size(), kMaxDatagramBatch) queued datagrams in one call where
    /// the OS can (recvmmsg on Linux; elsewhere recv_from in a loop), each into its slot, in
    /// arrival order, and returns how many arrived. A libpoll extension (mio has no batch
    /// call). A batch shorter than that emptied the queue, just as WouldBlock would show (it
    /// re-arms, like a short read of a stream), so a caller may stop there instead of calling
    /// again to meet WouldBlock.
    /// Errors: WouldBlock when none is queued (re-arms); as recv_from otherwise (an error
    /// after some datagrams arrived is returned by the next call).
    [[nodiscard]] Result<std::size_t> recv_batch(std::span<DatagramSlot> slots) const;
    /// Sends up to min(slots.size(), kMaxDatagramBatch) datagrams in one call where the OS can
    /// (sendmmsg on Linux; elsewhere send_to in a loop): each slot's buffer.first(size) to its
    /// `peer`, in order, and returns how many were sent (at least one). A libpoll extension.
    /// A count short of the slots given means the next one could not be sent now: calling
    /// again from there returns its WouldBlock (the send buffer is full; re-arms) or its error.
    /// Errors: as send_to, for the first slot.
    [[nodiscard]] Result<std::size_t> send_batch(std::span<const DatagramSlot> slots) const;
    /// Like recv_from, but leaves the datagram queued (MSG_PEEK).
    [[nodiscard]] Result<std::pair<std::size_t, SocketAddr>> peek_from(
        std::span<std::byte> buf) const;

    /// Sets the default peer: send/recv/peek then use it, and datagrams from elsewhere are
    /// dropped. May be called again to change the peer.
    /// Errors: the OS error, e.g. errc::network_unreachable.
    [[nodiscard]] Result<void> connect(const SocketAddr& addr) const;
    /// Sends one datagram to the connected peer.
    /// Errors: errc::destination_address_required if not connected; otherwise as send_to.
    [[nodiscard]] Result<std::size_t> send(std::span<const std::byte> buf) const;
    [[nodiscard]] Result<std::size_t> send(std::string_view buf) const;
    /// Receives one datagram from the connected peer. Errors: as recv_from.
    [[nodiscard]] Result<std::size_t> recv(std::span<std::byte> buf) const;
    /// Like recv, but leaves the datagram queued. Errors: as recv_from.
    [[nodiscard]] Result<std::size_t> peek(std::span<std::byte> buf) const;

    /// SO_BROADCAST. Errors: the OS error.
    [[nodiscard]] Result<void> set_broadcast(bool on) const;
    [[nodiscard]] Result<bool> broadcast() const;
    /// IP_MULTICAST_LOOP (IPv4 sockets). Errors: the OS error.
    [[nodiscard]] Result<void> set_multicast_loop_v4(bool on) const;
    [[nodiscard]] Result<bool> multicast_loop_v4() const;
    /// IP_MULTICAST_TTL (IPv4 sockets). Errors: the OS error (errc::invalid_argument if > 255).
    [[nodiscard]] Result<void> set_multicast_ttl_v4(std::uint32_t ttl) const;
    [[nodiscard]] Result<std::uint32_t> multicast_ttl_v4() const;
    /// IPV6_MULTICAST_LOOP (IPv6 sockets). Errors: the OS error.
    [[nodiscard]] Result<void> set_multicast_loop_v6(bool on) const;
    [[nodiscard]] Result<bool> multicast_loop_v6() const;
    /// IPV6_MULTICAST_HOPS (IPv6 sockets). Errors: the OS error.
    [[nodiscard]] Result<void> set_multicast_hops_v6(std::uint32_t hops) const;
    [[nodiscard]] Result<std::uint32_t> multicast_hops_v6() const;
    /// IP_TTL. Errors: the OS error.
    [[nodiscard]] Result<void> set_ttl(std::uint32_t ttl) const;
    [[nodiscard]] Result<std::uint32_t> ttl() const;
    /// IPV6_V6ONLY (IPv6 sockets; set it before bind). Errors: the OS error.
    [[nodiscard]] Result<void> set_only_v6(bool on) const;
    [[nodiscard]] Result<bool> only_v6() const;

    /// Joins / leaves IPv4 multicast `group` on the interface with address `iface`
    /// (0.0.0.0: let the kernel choose).
    /// Errors: errc::no_such_device when no interface routes the group; errc::invalid_argument
    /// for a non-multicast group; other OS errors.
    [[nodiscard]] Result<void> join_multicast_v4(std::array<std::uint8_t, 4> group,
                                                 std::array<std::uint8_t, 4> iface) const;
    [[nodiscard]] Result<void> leave_multicast_v4(std::array<std::uint8_t, 4> group,
                                                  std::array<std::uint8_t, 4> iface) const;
    /// Joins / leaves IPv6 multicast `group` on interface index `ifindex` (0: default).
    /// Errors: as join_multicast_v4.
    [[nodiscard]] Result<void> join_multicast_v6(const std::array<std::uint8_t, 16>& group,
                                                 std::uint32_t ifindex) const;
    [[nodiscard]] Result<void> leave_multicast_v6(const std::array<std::uint8_t, 16>& group,
                                                  std::uint32_t ifindex) const;

    /// Reads and clears SO_ERROR; std::nullopt if none. Errors: the OS error of getsockopt.
    [[nodiscard]] Result<std::optional<std::error_code>> take_error() const;

private:
    explicit UdpSocket(UniqueFd fd) noexcept : IoSourceOwner(std::move(fd)) {}
};

}  // namespace mio::net
