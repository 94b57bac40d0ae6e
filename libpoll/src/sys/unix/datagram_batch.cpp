// recv_batch() and send_batch(): several datagrams per system call where the OS has
// recvmmsg(2)/sendmmsg(2) (Linux), so a busy UDP socket costs one call per batch instead of
// one per datagram, and a short receive batch tells the caller the queue is empty without a
// further call that meets EAGAIN.
#include <sys/socket.h>

#include <algorithm>
#include <array>

#include "socket.hpp"
#include "syscall.hpp"

namespace mio::sys {
namespace {

// One slot's result from the address and lengths the kernel reported.
void fill(net::DatagramSlot& slot, const sockaddr_storage& from, socklen_t from_len,
          std::size_t len, bool truncated) noexcept {
    slot.size = len;
    slot.truncated = truncated || len > slot.buffer.size();
    // A UDP socket's peers are Internet addresses; anything else leaves the slot's default.
    if (auto addr =
            net::SocketAddr::from_sockaddr(reinterpret_cast<const sockaddr*>(&from), from_len)) {
        slot.peer = *addr;
    }
}

// A slot's destination as the kernel takes it: the address written to `to`, and its length.
socklen_t raw_peer(const net::DatagramSlot& slot, sockaddr_storage& to) noexcept {
    return static_cast<socklen_t>(slot.peer.to_sockaddr(to));
}

#if defined(__linux__)

Result<std::size_t> send_mmsg(int fd, std::span<const net::DatagramSlot> slots) noexcept {
    constexpr std::size_t kMax = net::kMaxDatagramBatch;
    const std::size_t n = std::min(slots.size(), kMax);
    // Only the n entries used are set (not the whole arrays: most calls move one datagram).
    std::array<mmsghdr, kMax> msgs;
    std::array<iovec, kMax> iov;
    std::array<sockaddr_storage, kMax> to;
    for (std::size_t i = 0; i < n; ++i) {
        msgs[i] = {};
        iov[i] = {slots[i].buffer.data(), std::min(slots[i].size, slots[i].buffer.size())};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &to[i];
        msgs[i].msg_hdr.msg_namelen = raw_peer(slots[i], to[i]);
    }
    return retry_io([&] {
        return static_cast<ssize_t>(
            ::sendmmsg(fd, msgs.data(), static_cast<unsigned>(n), MSG_NOSIGNAL));
    });
}

Result<std::size_t> recv_mmsg(int fd, std::span<net::DatagramSlot> slots) noexcept {
    constexpr std::size_t kMax = net::kMaxDatagramBatch;
    const std::size_t n = std::min(slots.size(), kMax);
    std::array<mmsghdr, kMax> msgs;  // only the n entries used are set, as in send_mmsg
    std::array<iovec, kMax> iov;
    std::array<sockaddr_storage, kMax> from;
    for (std::size_t i = 0; i < n; ++i) {
        msgs[i] = {};
        iov[i] = {slots[i].buffer.data(), slots[i].buffer.size()};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    // MSG_TRUNC: each msg_len is the datagram's real length, so truncation is reported.
    auto got = retry_io([&] {
        return static_cast<ssize_t>(
            ::recvmmsg(fd, msgs.data(), static_cast<unsigned>(n), MSG_TRUNC, nullptr));
    });
    if (!got) return got;
    for (std::size_t i = 0; i < *got; ++i) {
        const msghdr& h = msgs[i].msg_hdr;
        fill(slots[i], from[i], h.msg_namelen, msgs[i].msg_len, (h.msg_flags & MSG_TRUNC) != 0);
    }
    return got;
}

#endif

// Without recvmmsg: recvmsg(2) until the slots are full or the queue is empty. Compiled on
// every platform (so Linux builds check it too), used where recvmmsg is missing. There a
// truncated datagram's `size` is the bytes kept, not its full length.
[[maybe_unused]] Result<std::size_t> recv_loop(int fd,
                                               std::span<net::DatagramSlot> slots) noexcept {
    std::size_t got = 0;
    for (; got < std::min(slots.size(), net::kMaxDatagramBatch); ++got) {
        net::DatagramSlot& slot = slots[got];
        sockaddr_storage from{};
        iovec iov{slot.buffer.data(), slot.buffer.size()};
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        auto n = retry_io([&] { return ::recvmsg(fd, &msg, 0); });
        if (!n) {
            if (got == 0) return fail(n.error());
            break;  // WouldBlock (the queue is empty) or an error the next call will return
        }
        fill(slot, from, msg.msg_namelen, *n, (msg.msg_flags & MSG_TRUNC) != 0);
    }
    return got;
}

// Without sendmmsg: sendto(2) until the slots are sent or one cannot be. Compiled everywhere,
// used where sendmmsg is missing.
[[maybe_unused]] Result<std::size_t> send_loop(int fd,
                                               std::span<const net::DatagramSlot> slots) noexcept {
    std::size_t sent = 0;
    for (; sent < std::min(slots.size(), net::kMaxDatagramBatch); ++sent) {
        const net::DatagramSlot& slot = slots[sent];
        sockaddr_storage to;
        const socklen_t len = raw_peer(slot, to);
        auto n = retry_io([&] {
            return ::sendto(fd, slot.buffer.data(), std::min(slot.size, slot.buffer.size()),
                            MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to), len);
        });
        if (!n) {
            if (sent == 0) return fail(n.error());
            break;  // the next call returns this one's WouldBlock or error
        }
    }
    return sent;
}

}  // namespace

Result<std::size_t> send_batch(int fd, std::span<const net::DatagramSlot> slots) noexcept {
    if (slots.empty()) return std::size_t{0};
#if defined(__linux__)
    return send_mmsg(fd, slots);
#else
    return send_loop(fd, slots);
#endif
}

Result<std::size_t> recv_batch(int fd, std::span<net::DatagramSlot> slots) noexcept {
    if (slots.empty()) return std::size_t{0};
#if defined(__linux__)
    return recv_mmsg(fd, slots);
#else
    return recv_loop(fd, slots);
#endif
}

}  // namespace mio::sys
