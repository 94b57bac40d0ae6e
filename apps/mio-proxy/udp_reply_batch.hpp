#pragma once
// UdpReplyBatch: the replies to UDP clients that one loop turn produces, gathered and sent
// with one UdpSocket::send_batch (sendmmsg on Linux) per listening socket instead of one
// send_to each. With many sessions answering in the same turn, this is most of the system
// calls on the way back to the clients.
//
// A batch holds the replies of one binding (one listening socket) at a time: a reply for
// another binding, a full batch or a reply that does not fit the arena sends what is held
// first (the caller does that, through fits_with() and flush()). The bytes are copied into an
// arena owned by the batch, allocated once, so the receive buffers can take the next datagrams.
//
// Thread safety: none (the daemon's loop thread only).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include <mio/net/datagram_slot.hpp>
#include <mio/net/udp_socket.hpp>

namespace app {

class UdpReplyBatch {
public:
    /// The arena: room for the largest datagram several times over.
    static constexpr std::size_t kArenaBytes = 256 * 1024;
    static constexpr std::size_t kMaxReplies = mio::net::kMaxDatagramBatch;

    /// What one flush() did, for the listener's counters.
    struct Outcome {
        std::size_t sent = 0;        ///< datagrams the socket took
        std::size_t sent_bytes = 0;  ///< their bytes
        std::size_t busy = 0;        ///< dropped: the send buffer was full (WouldBlock)
        std::size_t failed = 0;      ///< dropped: another error
    };

    UdpReplyBatch();

    [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
    /// The binding (listening socket index) and listener the held replies belong to; only
    /// meaningful while not empty().
    [[nodiscard]] std::uint32_t binding() const noexcept { return binding_; }
    [[nodiscard]] std::uint32_t listener() const noexcept { return listener_; }
    /// True if a reply of `size` bytes for `binding` can join the batch as it is: it is empty,
    /// or holds `binding`'s replies and has a slot and arena room left.
    [[nodiscard]] bool fits_with(std::uint32_t binding, std::size_t size) const noexcept;

    /// Copies `data` in, to be sent to `to`. Precondition: fits_with(binding, data.size()) and
    /// data.size() <= kArenaBytes.
    void add(std::uint32_t binding, std::uint32_t listener, std::span<const std::byte> data,
             const mio::net::SocketAddr& to) noexcept;

    /// Sends every held reply from `socket`, in order, and empties the batch. A reply the
    /// socket refuses is dropped (UDP's contract: the proxy never buffers behind a slow
    /// client) and counted in the outcome: on WouldBlock, it and the rest; on another error,
    /// that one only, and the rest are still tried.
    Outcome flush(const mio::net::UdpSocket& socket) noexcept;
    /// Empties the batch without sending (the listening socket is gone); returns how many
    /// replies were dropped.
    std::size_t discard() noexcept;

private:
    std::unique_ptr<std::byte[]> arena_;
    std::size_t used_ = 0;  ///< arena bytes taken
    std::array<mio::net::DatagramSlot, kMaxReplies> slots_{};
    std::size_t count_ = 0;
    std::uint32_t binding_ = 0;
    std::uint32_t listener_ = 0;
};

}  // namespace app
