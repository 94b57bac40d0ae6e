// Datagram service (UDP and Unix datagram): one reply per request, guarded against being
// used as a reflector: a source-port deny list (echo/chargen loops), a per-source rate limit,
// and a size cap. A reply that meets WouldBlock is held by the binding and reading stops until
// it is sent, so a full socket buffer slows the service down instead of dropping replies.
#include <algorithm>

#include "echo_server.hpp"

namespace app {
namespace {

constexpr int kDatagramBudget = 64;

// Whether a request from `peer` is refused before any work: a source port on the deny list
// (another echo or chargen service: a reply would start a loop), over the rate limit, or an
// unnamed Unix socket (nowhere to send a reply to).
bool refused(const EchoListener& listener, const mio::net::SocketAddr& peer) {
    const auto& deny = listener.config.deny_source_ports;
    if (std::find(deny.begin(), deny.end(), peer.port()) != deny.end()) return true;
    return !listener.limiter->allow(peer, SourceRateLimiter::Clock::now());  // allocates nothing
}

bool refused(const EchoListener&, const mio::net::UnixAddr& peer) {
    return peer.is_unnamed();
}

}  // namespace

template <class Binding>
bool EchoServer::serve_datagrams(Binding& binding) {
    EchoListener& listener = listeners_[binding.info.owner.id];
    ListenerMetrics& metrics = *listener.metrics;
    if (binding.has_pending) {
        std::size_t sent = 0;
        bool failed = false;
        if (!binding.flush_pending(&sent, &failed)) return false;  // still blocked: wait
        metrics.bytes_out += sent;
        if (failed) metrics.add_error(ErrorKind::write);
    }
    for (int n = 0; n < kDatagramBudget; ++n) {
        if (loop_.draining() || !binding.socket) return false;
        // One byte more than the cap, to tell an oversized datagram from one that fits.
        const std::span<std::byte> buf(scratch_.data(), listener.config.max_datagram + 1);
        auto r = binding.socket->recv_from(buf);
        if (!r) {
            if (mio::is_would_block(r.error())) return false;
            metrics.add_error(ErrorKind::read);  // e.g. ICMP port unreachable
            continue;
        }
        const auto& [len, peer] = *r;
        metrics.bytes_in += len;
        if (len > listener.config.max_datagram || refused(listener, peer)) {
            ++metrics.rejected_total;
            continue;
        }
        if (!answer(binding, listener, buf.first(len), peer)) return false;  // blocked: wait
    }
    return true;  // budget spent: run again after the other events
}

// Sends the reply; false if it is held on WouldBlock.
template <class Binding>
bool EchoServer::answer(Binding& binding, EchoListener& listener,
                        std::span<const std::byte> request, const typename Binding::Addr& peer) {
    if (listener.config.mode == EchoMode::discard) return true;
    const std::string peer_text =
        listener.config.mode == EchoMode::info ? peer.to_string() : std::string();
    const auto reply = build_reply(listener, request, peer_text);
    auto sent = send_datagram(*binding.socket, reply, peer);
    if (sent) {
        listener.metrics->bytes_out += *sent;
        return true;
    }
    if (mio::is_would_block(sent.error())) {
        binding.hold(reply, peer);
        return false;
    }
    listener.metrics->add_error(ErrorKind::write);
    spdlog::debug("listener '{}': reply to {} failed: {}", listener.config.name, peer.to_string(),
                  sent.error().message());
    return true;
}

template bool EchoServer::serve_datagrams(UdpBinding&);
template bool EchoServer::serve_datagrams(UnixDatagramBinding&);

std::span<const std::byte> EchoServer::build_reply(const EchoListener& listener,
                                                   std::span<const std::byte> request,
                                                   const std::string& peer) {
    switch (listener.config.mode) {
        case EchoMode::echo:
        case EchoMode::discard:
            return request;
        case EchoMode::chargen: {
            // RFC 864: a datagram of 0..512 characters of the rotating pattern.
            chargen_seed_ = chargen_seed_ * 1103515245u + 12345u;
            const std::size_t n = (chargen_seed_ >> 16) % 513;
            reply_text_.resize(n);
            for (std::size_t i = 0; i < n; ++i)
                reply_text_[i] = static_cast<char>(' ' + (i / 74 + i % 74) % 95);
            break;
        }
        case EchoMode::info:
            reply_text_ =
                fmt::format("{{\"peer\":{},\"listener\":{},\"protocol\":\"{}\",\"bytes\":{}}}\n",
                            json_quote(peer), json_quote(listener.config.name),
                            to_string(listener.config.protocol), request.size());
            break;
    }
    return std::as_bytes(std::span(reply_text_));
}

}  // namespace app
