#pragma once
// DatagramSlot: one datagram of a batch received with UdpSocket::recv_batch or sent with
// UdpSocket::send_batch.

#include <cstddef>
#include <mio/export.hpp>
#include <span>

#include <mio/net/socket_addr.hpp>

namespace mio::net {

/// The most datagrams one UdpSocket::recv_batch() or send_batch() call moves; further slots
/// are left for the next call.
inline constexpr std::size_t kMaxDatagramBatch = 64;

/// Where one datagram of a batch goes, and what arrived there. For recv_batch() the caller
/// sets `buffer` and the call fills the other fields of each slot it uses; for send_batch()
/// the caller sets all three: `buffer.first(size)` is sent to `peer`.
/// Thread safety: a plain value.
struct MIO_API DatagramSlot {
    std::span<std::byte> buffer;  ///< room for the datagram (set by the caller)
    /// The datagram's length. With `truncated`, it was longer than `buffer`: `size` is its
    /// full length and only buffer.size() bytes of it were kept.
    std::size_t size = 0;
    bool truncated = false;
    SocketAddr peer;  ///< who sent it
};

}  // namespace mio::net
