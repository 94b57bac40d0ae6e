// Datagram service (UDP and Unix datagram): one reply per request, guarded against being
// used as a reflector: a source-port deny list (echo/chargen loops), a per-source rate limit,
// and a size cap. A reply that meets WouldBlock is kept and reading stops until it is sent,
// so a full socket buffer slows the service down instead of silently dropping replies.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "echo_server.hpp"

namespace app {
namespace {

constexpr int kDatagramBudget = 64;

std::string peer_text(const std::variant<mio::net::SocketAddr, mio::net::UnixAddr>& peer) {
    return std::visit([](const auto& a) { return a.to_string(); }, peer);
}

}  // namespace

void EchoServer::serve_datagrams(std::uint32_t index) {
    BoundSocket& socket = sockets_[index];
    ListenerState& state = listeners_[socket.listener];
    if (socket.has_pending && !flush_pending(socket, state)) return;
    for (int n = 0; n < kDatagramBudget; ++n) {
        if (lifecycle_.draining() || !socket.socket) return;
        // One byte more than the cap, to tell an oversized datagram from one that fits.
        const std::span<std::byte> buf(datagram_buf_.data(), state.config.max_datagram + 1);
        std::size_t len = 0;
        DatagramPeer peer;
        std::error_code error;
        std::visit(
            [&](auto& s) {
                if constexpr (requires { s.recv_from(buf); }) {
                    auto r = s.recv_from(buf);
                    if (!r) {
                        error = r.error();
                        return;
                    }
                    len = r->first;
                    peer = r->second;
                }
            },
            *socket.socket);
        if (error) {
            if (mio::is_would_block(error)) return;
            state.metrics->add_error(ErrorKind::read);  // e.g. ICMP port unreachable
            continue;
        }
        state.metrics->bytes_in += len;
        if (len > state.config.max_datagram) {
            ++state.metrics->rejected_total;
            continue;
        }
        if (!answer(socket, state, buf.first(len), peer)) return;  // blocked: wait
    }
    if (!socket.ready) {
        socket.ready = true;
        ready_sockets_.push_back(index);
    }
}

// Decides whether and what to answer; false if the reply is pending on WouldBlock.
bool EchoServer::answer(BoundSocket& socket, ListenerState& state,
                        std::span<const std::byte> request, const DatagramPeer& peer) {
    if (const auto* inet = std::get_if<mio::net::SocketAddr>(&peer)) {
        const auto& deny = state.config.deny_source_ports;
        if (std::find(deny.begin(), deny.end(), inet->port()) != deny.end() ||
            !socket.limiter->allow(inet->ip_string(), Clock::now())) {
            ++state.metrics->rejected_total;
            return true;
        }
    } else if (std::get<mio::net::UnixAddr>(peer).is_unnamed()) {
        ++state.metrics->rejected_total;  // nowhere to send a reply to
        return true;
    }
    if (state.config.mode == EchoMode::discard) return true;
    const auto reply = build_reply(state, request, peer);
    auto sent = send_reply(socket, reply, peer);
    if (sent) {
        state.metrics->bytes_out += *sent;
        return true;
    }
    if (mio::is_would_block(sent.error())) {
        socket.pending.assign(reply.begin(), reply.end());
        socket.pending_to = peer;
        socket.has_pending = true;
        return false;
    }
    state.metrics->add_error(ErrorKind::write);
    spdlog::debug("listener '{}': reply to {} failed: {}", state.config.name, peer_text(peer),
                  sent.error().message());
    return true;
}

std::span<const std::byte> EchoServer::build_reply(ListenerState& state,
                                                   std::span<const std::byte> request,
                                                   const DatagramPeer& peer) {
    switch (state.config.mode) {
        case EchoMode::echo:
        case EchoMode::discard:
            return request;
        case EchoMode::chargen: {
            // RFC 864: a datagram of 0..512 characters of the rotating pattern.
            chargen_seed_ = chargen_seed_ * 1103515245u + 12345u;
            const std::size_t n = (chargen_seed_ >> 16) % 513;
            reply_text_.resize(n);
            for (std::size_t i = 0; i < n; ++i) {
                reply_text_[i] = static_cast<char>(' ' + (i / 74 + i % 74) % 95);
            }
            break;
        }
        case EchoMode::info:
            reply_text_ =
                fmt::format("{{\"peer\":{},\"listener\":{},\"protocol\":\"{}\",\"bytes\":{}}}\n",
                            json_quote(peer_text(peer)), json_quote(state.config.name),
                            to_string(state.config.protocol), request.size());
            break;
    }
    return std::as_bytes(std::span(reply_text_));
}

mio::Result<std::size_t> EchoServer::send_reply(BoundSocket& socket,
                                                std::span<const std::byte> reply,
                                                const DatagramPeer& peer) {
    return std::visit(
        [&](auto& s) -> mio::Result<std::size_t> {
            using S = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<S, mio::net::UdpSocket>) {
                return s.send_to(reply, std::get<mio::net::SocketAddr>(peer));
            } else if constexpr (std::is_same_v<S, mio::net::UnixDatagram>) {
                return s.send_to_addr(reply, std::get<mio::net::UnixAddr>(peer));
            } else {
                return mio::fail(std::errc::operation_not_supported);
            }
        },
        *socket.socket);
}

bool EchoServer::flush_pending(BoundSocket& socket, ListenerState& state) {
    auto sent = send_reply(socket, socket.pending, socket.pending_to);
    if (!sent && mio::is_would_block(sent.error())) return false;
    if (sent)
        state.metrics->bytes_out += *sent;
    else
        state.metrics->add_error(ErrorKind::write);
    socket.has_pending = false;
    socket.pending.clear();
    return true;
}

}  // namespace app
