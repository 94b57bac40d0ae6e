#include "udp_reply_batch.hpp"

#include <cstring>

namespace app {

UdpReplyBatch::UdpReplyBatch() : arena_(std::make_unique_for_overwrite<std::byte[]>(kArenaBytes)) {}

bool UdpReplyBatch::fits_with(std::uint32_t binding, std::size_t size) const noexcept {
    if (count_ == 0) return true;
    return binding == binding_ && count_ < kMaxReplies && used_ + size <= kArenaBytes;
}

void UdpReplyBatch::add(std::uint32_t binding, std::uint32_t listener,
                        std::span<const std::byte> data, const mio::net::SocketAddr& to) noexcept {
    if (count_ == 0) {  // flush() and discard() left used_ at 0
        binding_ = binding;
        listener_ = listener;
    }
    std::byte* at = arena_.get() + used_;
    if (!data.empty()) std::memcpy(at, data.data(), data.size());
    used_ += data.size();
    mio::net::DatagramSlot& slot = slots_[count_++];
    slot.buffer = {at, data.size()};
    slot.size = data.size();
    slot.peer = to;
}

UdpReplyBatch::Outcome UdpReplyBatch::flush(const mio::net::UdpSocket& socket) noexcept {
    Outcome out;
    std::size_t next = 0;
    while (next < count_) {
        auto sent = socket.send_batch(std::span(slots_).subspan(next, count_ - next));
        if (!sent && mio::is_would_block(sent.error())) {
            out.busy += count_ - next;  // the send buffer is full: the rest would block too
            break;
        }
        if (!sent) {  // this reply's error (its address, say): the next ones may still go
            ++out.failed;
            ++next;
            continue;
        }
        for (std::size_t i = next; i < next + *sent; ++i)
            out.sent_bytes += slots_[i].size;
        out.sent += *sent;
        next += *sent;
    }
    count_ = 0;
    used_ = 0;
    return out;
}

std::size_t UdpReplyBatch::discard() noexcept {
    const std::size_t dropped = count_;
    count_ = 0;
    used_ = 0;
    return dropped;
}

}  // namespace app
