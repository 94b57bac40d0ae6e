#pragma once
// Thin, errno-free wrappers over the BSD socket calls, shared by every net type. Every
// descriptor they create is non-blocking and close-on-exec from birth (SOCK_NONBLOCK |
// SOCK_CLOEXEC, accept4), and every send uses MSG_NOSIGNAL so a closed peer is an EPIPE
// error, never a SIGPIPE.

#include <sys/socket.h>

#include <cstddef>
#include <optional>
#include <span>
#include <system_error>
#include <utility>

#include <mio/error.hpp>
#include <mio/io_slice.hpp>
#include <mio/net/datagram_slot.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/unique_fd.hpp>

namespace mio::sys {

/// A raw address as the kernel returned it (any family).
struct RawAddr {
    sockaddr_storage storage{};
    socklen_t len = sizeof(sockaddr_storage);
    [[nodiscard]] const sockaddr* get() const noexcept {
        return reinterpret_cast<const sockaddr*>(&storage);
    }
    [[nodiscard]] sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
};

[[nodiscard]] int family_of(const net::SocketAddr& addr) noexcept;

/// socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0).
[[nodiscard]] Result<UniqueFd> new_socket(int domain, int type) noexcept;
/// socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC).
[[nodiscard]] Result<std::pair<UniqueFd, UniqueFd>> new_socket_pair(int type) noexcept;
/// Fails with errc::not_a_socket unless `fd` is a socket of `type` (SOCK_STREAM/DGRAM);
/// errc::wrong_protocol_type if it is a socket of another type, errc::bad_file_descriptor
/// if it is not open. For adopting foreign descriptors.
[[nodiscard]] Result<void> expect_socket(int fd, int type, std::optional<int> domain) noexcept;

[[nodiscard]] Result<void> bind(int fd, const sockaddr* addr, socklen_t len) noexcept;
[[nodiscard]] Result<void> bind(int fd, const net::SocketAddr& addr) noexcept;
/// Non-blocking connect: EINPROGRESS counts as success (the outcome arrives as an event).
[[nodiscard]] Result<void> connect(int fd, const sockaddr* addr, socklen_t len) noexcept;
[[nodiscard]] Result<void> connect(int fd, const net::SocketAddr& addr) noexcept;
[[nodiscard]] Result<void> listen(int fd, int backlog) noexcept;
/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC; the peer's raw address in `peer`.
[[nodiscard]] Result<UniqueFd> accept(int fd, RawAddr& peer) noexcept;

[[nodiscard]] Result<RawAddr> local_raw_addr(int fd) noexcept;
[[nodiscard]] Result<RawAddr> peer_raw_addr(int fd) noexcept;
[[nodiscard]] Result<net::SocketAddr> local_addr(int fd) noexcept;
[[nodiscard]] Result<net::SocketAddr> peer_addr(int fd) noexcept;

[[nodiscard]] Result<void> set_option(int fd, int level, int name, int value) noexcept;
[[nodiscard]] Result<int> get_option(int fd, int level, int name) noexcept;
/// Reads and clears SO_ERROR: std::nullopt if no error is pending.
[[nodiscard]] Result<std::optional<std::error_code>> take_error(int fd) noexcept;
/// shutdown(2); `how` is SHUT_RD, SHUT_WR or SHUT_RDWR.
[[nodiscard]] Result<void> shutdown(int fd, int how) noexcept;

[[nodiscard]] Result<std::size_t> recv(int fd, std::span<std::byte> buf, int flags) noexcept;
[[nodiscard]] Result<std::size_t> send(int fd, std::span<const std::byte> buf, int flags) noexcept;
[[nodiscard]] Result<std::size_t> recv_from(int fd, std::span<std::byte> buf, int flags,
                                            RawAddr& from) noexcept;
[[nodiscard]] Result<std::size_t> send_to(int fd, std::span<const std::byte> buf,
                                          const sockaddr* to, socklen_t len) noexcept;
/// Datagrams into `slots` (at most net::kMaxDatagramBatch): recvmmsg(2) where it exists, else
/// recvfrom(2) until WouldBlock. The number received, or the first call's error.
[[nodiscard]] Result<std::size_t> recv_batch(int fd, std::span<net::DatagramSlot> slots) noexcept;
/// Each slot's buffer.first(size) to its peer (at most net::kMaxDatagramBatch): sendmmsg(2)
/// where it exists, else sendto(2) until one cannot be sent. The number sent, or the first
/// datagram's error.
[[nodiscard]] Result<std::size_t> send_batch(int fd,
                                             std::span<const net::DatagramSlot> slots) noexcept;
/// readv(2) / sendmsg(2) with MSG_NOSIGNAL; at most IOV_MAX slices are used.
[[nodiscard]] Result<std::size_t> read_vectored(int fd, std::span<IoSliceMut> bufs) noexcept;
[[nodiscard]] Result<std::size_t> write_vectored(int fd, std::span<const IoSlice> bufs) noexcept;
/// read(2) / write(2), for pipes.
[[nodiscard]] Result<std::size_t> read(int fd, std::span<std::byte> buf) noexcept;
[[nodiscard]] Result<std::size_t> write(int fd, std::span<const std::byte> buf) noexcept;
/// Sets or clears O_NONBLOCK.
[[nodiscard]] Result<void> set_nonblocking(int fd, bool on) noexcept;

}  // namespace mio::sys
