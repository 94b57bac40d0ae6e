#include "runtime/listener_set.hpp"

#include <unistd.h>

#include <stdexcept>
#include <type_traits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "runtime/daemon_support.hpp"
#include "runtime/inherited_sockets.hpp"

namespace app {
namespace {

template <class Socket>
mio::Result<Socket> bind_datagram(const Endpoint& endpoint);
template <>
mio::Result<mio::net::UdpSocket> bind_datagram(const Endpoint& endpoint) {
    return mio::net::UdpSocket::bind(endpoint.inet());
}
template <>
mio::Result<mio::net::UnixDatagram> bind_datagram(const Endpoint& endpoint) {
    return mio::net::UnixDatagram::bind_addr(endpoint.unix_addr());
}

[[noreturn]] void bind_failed(const BindingOwner& owner, const Endpoint& endpoint,
                              const std::error_code& ec) {
    throw std::runtime_error(fmt::format("listener '{}': cannot bind {}: {}", owner.name,
                                         endpoint.to_string(), ec.message()));
}

BindingInfo info_for(const BindingOwner& owner, const Endpoint& endpoint) {
    return BindingInfo{owner, endpoint.to_string(), endpoint.is_unix() ? endpoint.unix_path() : "",
                       false};
}

// An inherited socket's binding: its Unix path (if any) belongs to the service manager and is
// never unlinked.
BindingInfo inherited_info(const BindingOwner& owner) {
    return BindingInfo{owner, "inherited socket '" + owner.name + "'", "", false};
}

// Deregisters and closes one binding's socket, and removes its Unix path.
template <class Socket>
void close_binding(const mio::Registry& registry, std::optional<Socket>& socket,
                   const BindingInfo& info) {
    if (!socket) return;
    // Deregistering can only fail for a socket that is not registered: closing it next
    // removes it from the poll set either way.
    (void)registry.deregister_source(*socket);
    socket.reset();
    if (!info.unix_path.empty()) ::unlink(info.unix_path.c_str());
}

template <class Socket>
void open_datagrams(const mio::Registry& registry, const ListenerSet::Spec& spec,
                    std::vector<DatagramBinding<Socket>>& out, TokenKind kind,
                    std::vector<std::string>& actual) {
    std::vector<DatagramBinding<Socket>> bound;
    // Sockets passed by the service manager under the listener's name replace its addresses.
    constexpr InheritedKind inherited_kind =
        std::is_same_v<Socket, mio::net::UdpSocket> ? InheritedKind::udp : InheritedKind::unixgram;
    for (mio::UniqueFd& fd : InheritedSockets::process().copies(spec.owner.name)) {
        auto& b = bound.emplace_back();
        b.socket.emplace(adopt_inherited<Socket>(std::move(fd), inherited_kind, spec.owner.name));
        b.info = inherited_info(spec.owner);
    }
    for (const Endpoint& endpoint : bound.empty() ? spec.bind : std::span<const Endpoint>()) {
        auto socket = bind_datagram<Socket>(endpoint);
        if (!socket) bind_failed(spec.owner, endpoint, socket.error());
        auto& b = bound.emplace_back();
        b.socket.emplace(std::move(*socket));
        b.info = info_for(spec.owner, endpoint);
    }
    for (auto& b : bound) {
        // Writable too: a reply held on WouldBlock is sent on the next writable edge.
        b.info.index = static_cast<std::uint32_t>(out.size());
        unwrap_or_throw(registry.register_source(*b.socket, token_of(kind, out.size()),
                                                 mio::Interest::readable | mio::Interest::writable),
                        "registering " + b.info.endpoint);
        auto local = b.socket->local_addr();
        actual.push_back(local ? local->to_string() : b.info.endpoint);
        out.push_back(std::move(b));
    }
}

}  // namespace

mio::Result<std::size_t> send_datagram(const mio::net::UdpSocket& socket,
                                       std::span<const std::byte> data,
                                       const mio::net::SocketAddr& to) {
    return socket.send_to(data, to);
}

mio::Result<std::size_t> send_datagram(const mio::net::UnixDatagram& socket,
                                       std::span<const std::byte> data,
                                       const mio::net::UnixAddr& to) {
    return socket.send_to_addr(data, to);
}

ListenerSet::ListenerSet(const mio::Registry& registry, ListenerHandlers handlers)
    : registry_(registry), handlers_(std::move(handlers)) {}

ListenerSet::~ListenerSet() {
    close_all();
}

std::vector<std::string> ListenerSet::open(const Spec& spec) {
    std::vector<std::string> actual;
    if (spec.transport == Transport::stream) {
        open_stream(spec, actual);
    } else {
        open_datagram(spec, actual);
    }
    return actual;
}

void ListenerSet::open_stream(const Spec& spec, std::vector<std::string>& actual) {
    std::vector<StreamBinding> bound;
    // Sockets passed by the service manager under the listener's name replace its addresses.
    const bool unix_paths = !spec.bind.empty() && spec.bind.front().is_unix();
    for (mio::UniqueFd& fd : InheritedSockets::process().copies(spec.owner.name)) {
        auto& b = bound.emplace_back();
        if (unix_paths) {
            b.listener.emplace(adopt_inherited<mio::net::UnixListener>(
                std::move(fd), InheritedKind::unix_listener, spec.owner.name));
        } else {
            b.listener.emplace(adopt_inherited<mio::net::TcpListener>(
                std::move(fd), InheritedKind::tcp_listener, spec.owner.name));
        }
        b.info = inherited_info(spec.owner);
    }
    for (const Endpoint& endpoint : bound.empty() ? spec.bind : std::span<const Endpoint>()) {
        auto listener = StreamListener::bind(endpoint, spec.reuseport);
        if (!listener) bind_failed(spec.owner, endpoint, listener.error());
        auto& b = bound.emplace_back();
        b.listener.emplace(std::move(*listener));
        b.info = info_for(spec.owner, endpoint);
    }
    for (auto& b : bound) {
        b.info.index = static_cast<std::uint32_t>(streams_.size());
        const mio::Token token = token_of(TokenKind::stream_listener, streams_.size());
        unwrap_or_throw(registry_.register_source(*b.listener, token, mio::Interest::readable),
                        "registering " + b.info.endpoint);
        actual.push_back(b.listener->local_text());
        streams_.push_back(std::move(b));
    }
}

void ListenerSet::open_datagram(const Spec& spec, std::vector<std::string>& actual) {
    // One listener binds one family: the config checks that its endpoints agree.
    const bool unix_paths = !spec.bind.empty() && spec.bind.front().is_unix();
    if (unix_paths) {
        open_datagrams(registry_, spec, unix_datagram_, TokenKind::unix_datagram_socket, actual);
    } else {
        open_datagrams(registry_, spec, udp_, TokenKind::udp_socket, actual);
    }
}

void ListenerSet::close_owner(std::uint32_t owner_id) {
    for (auto& b : streams_) {
        if (b.info.owner.id == owner_id) close_binding(registry_, b.listener, b.info);
    }
    for (auto& b : udp_) {
        if (b.info.owner.id == owner_id) close_binding(registry_, b.socket, b.info);
    }
    for (auto& b : unix_datagram_) {
        if (b.info.owner.id == owner_id) close_binding(registry_, b.socket, b.info);
    }
}

void ListenerSet::close_all() {
    for (auto& b : streams_)
        close_binding(registry_, b.listener, b.info);
    for (auto& b : udp_)
        close_binding(registry_, b.socket, b.info);
    for (auto& b : unix_datagram_)
        close_binding(registry_, b.socket, b.info);
}

std::size_t ListenerSet::open_count() const noexcept {
    std::size_t n = 0;
    for (const auto& b : streams_)
        n += b.listener ? 1 : 0;
    for (const auto& b : udp_)
        n += b.socket ? 1 : 0;
    for (const auto& b : unix_datagram_)
        n += b.socket ? 1 : 0;
    return n;
}

void ListenerSet::handle(TokenId id) {
    const std::uint64_t index = id.value();
    switch (id.kind()) {
        case TokenKind::stream_listener:
            if (index < streams_.size()) accept_batch(static_cast<std::uint32_t>(index));
            break;
        case TokenKind::udp_socket:
            if (index < udp_.size()) {
                serve_datagram(udp_, id.kind(), static_cast<std::uint32_t>(index),
                               handlers_.on_udp);
            }
            break;
        case TokenKind::unix_datagram_socket:
            if (index < unix_datagram_.size()) {
                serve_datagram(unix_datagram_, id.kind(), static_cast<std::uint32_t>(index),
                               handlers_.on_unix_datagram);
            }
            break;
        default:
            break;  // not one of ours
    }
}

template <class Binding, class Handler>
void ListenerSet::serve_datagram(std::vector<Binding>& bindings, TokenKind kind,
                                 std::uint32_t index, const Handler& handler) {
    Binding& b = bindings[index];
    if (!b.socket || !handler) return;
    if (handler(b) && b.socket) queue(kind, index, bindings[index].info);
}

BindingInfo* ListenerSet::info_of(TokenId id) noexcept {
    const std::uint64_t index = id.value();
    switch (id.kind()) {
        case TokenKind::stream_listener:
            return index < streams_.size() ? &streams_[index].info : nullptr;
        case TokenKind::udp_socket:
            return index < udp_.size() ? &udp_[index].info : nullptr;
        case TokenKind::unix_datagram_socket:
            return index < unix_datagram_.size() ? &unix_datagram_[index].info : nullptr;
        default:
            return nullptr;
    }
}

void ListenerSet::queue(TokenKind kind, std::uint32_t index, BindingInfo& info) {
    if (info.ready) return;
    info.ready = true;
    ready_.push_back(TokenId(kind, index));
}

void ListenerSet::run_ready() {
    ready_swap_.swap(ready_);
    for (TokenId id : ready_swap_) {
        if (BindingInfo* info = info_of(id)) info->ready = false;
        handle(id);
    }
    ready_swap_.clear();
}

void ListenerSet::pause(StreamBinding& binding) {
    binding.paused = true;
    if (!retry_at_) retry_at_ = Clock::now() + kAcceptRetry;
}

void ListenerSet::accept_batch(std::uint32_t index) {
    for (int n = 0; n < kAcceptBatch; ++n) {
        StreamBinding& b = streams_[index];
        if (!b.listener || b.paused) return;
        if (handlers_.may_accept && !handlers_.may_accept()) return pause(b);
        auto accepted = b.listener->accept();
        if (!accepted) {
            const std::error_code ec = accepted.error();
            if (mio::is_would_block(ec)) return;
            if (is_transient_accept_error(ec)) continue;
            b.info.owner.metrics->add_error(ErrorKind::accept);
            if (!is_out_of_descriptors(ec)) {
                spdlog::error("listener '{}' {}: accept failed: {}", b.info.owner.name,
                              b.info.endpoint, ec.message());
                return;
            }
            // Leave the client in the backlog and serve the existing connections; accepting
            // resumes when one closes, or after a short pause.
            spdlog::warn("listener '{}' {}: accept failed: {}; pausing accepts", b.info.owner.name,
                         b.info.endpoint, ec.message());
            return pause(b);
        }
        // Handlers never open listeners, so `b` (and the owner) stays where it is.
        handlers_.on_accept(b.info.owner, std::move(*accepted));
    }
    queue(TokenKind::stream_listener, index, streams_[index].info);
}

void ListenerSet::resume_accepting() {
    for (std::uint32_t i = 0; i < streams_.size(); ++i) {
        StreamBinding& b = streams_[i];
        if (!b.paused || !b.listener) continue;
        b.paused = false;
        queue(TokenKind::stream_listener, i, b.info);
    }
}

void ListenerSet::tick(Clock::time_point now) {
    if (!retry_at_ || now < *retry_at_) return;
    retry_at_.reset();
    resume_accepting();
}

}  // namespace app
