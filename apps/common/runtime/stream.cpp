#include "runtime/stream.hpp"

#include <type_traits>

#include <mio/net/tcp_socket.hpp>

namespace app {
namespace {

template <class Addr>
std::string text_of(const mio::Result<Addr>& addr) {
    return addr ? addr->to_string() : std::string("unknown");
}

constexpr int kListenBacklog = 1024;

mio::Result<mio::net::TcpListener> bind_tcp(const mio::net::SocketAddr& addr, bool reuseport) {
    auto socket = mio::net::TcpSocket::new_for_addr(addr);
    if (!socket) return mio::fail(socket.error());
    if (auto r = socket->set_reuseaddr(true); !r) return mio::fail(r.error());
    if (reuseport) {
        if (auto r = socket->set_reuseport(true); !r) return mio::fail(r.error());
    }
    if (auto r = socket->bind(addr); !r) return mio::fail(r.error());
    return std::move(*socket).listen(kListenBacklog);
}

// The Source concept of a variant of libpoll sources, written once for Stream and
// StreamListener: each forwards to the Registry verb of the source it holds.
template <class Variant>
mio::Result<void> register_variant(const mio::Registry& registry, Variant& socket, mio::Token token,
                                   mio::Interest interest) {
    return std::visit([&](auto& s) { return registry.register_source(s, token, interest); },
                      socket);
}

template <class Variant>
mio::Result<void> reregister_variant(const mio::Registry& registry, Variant& socket,
                                     mio::Token token, mio::Interest interest) {
    return std::visit([&](auto& s) { return registry.reregister_source(s, token, interest); },
                      socket);
}

template <class Variant>
mio::Result<void> deregister_variant(const mio::Registry& registry, Variant& socket) {
    return std::visit([&](auto& s) { return registry.deregister_source(s); }, socket);
}

}  // namespace

// ---- Stream ----

mio::Result<std::size_t> Stream::read(std::span<std::byte> buf) const {
    return std::visit([&](const auto& s) { return s.read(buf); }, socket_);
}

mio::Result<std::size_t> Stream::write(std::span<const std::byte> buf) const {
    return std::visit([&](const auto& s) { return s.write(buf); }, socket_);
}

mio::Result<void> Stream::shutdown_write() const {
    return std::visit([](const auto& s) { return s.shutdown(mio::net::Shutdown::write); }, socket_);
}

mio::Result<void> Stream::set_nodelay(bool nodelay) const {
    if (const auto* tcp = std::get_if<mio::net::TcpStream>(&socket_)) {
        return tcp->set_nodelay(nodelay);
    }
    return {};
}

mio::Result<void> Stream::set_reset_on_close() const {
    if (const auto* tcp = std::get_if<mio::net::TcpStream>(&socket_)) {
        return tcp->set_linger(std::chrono::seconds(0));
    }
    return {};
}

std::string Stream::peer_text() const {
    return std::visit([](const auto& s) { return text_of(s.peer_addr()); }, socket_);
}

std::string Stream::local_text() const {
    return std::visit([](const auto& s) { return text_of(s.local_addr()); }, socket_);
}

std::string Stream::peer_ip() const {
    const auto* tcp = std::get_if<mio::net::TcpStream>(&socket_);
    if (tcp == nullptr) return {};
    auto addr = tcp->peer_addr();
    return addr ? addr->ip_string() : std::string();
}

mio::Result<void> Stream::register_with(const mio::Registry& registry, mio::Token token,
                                        mio::Interest interest) {
    return register_variant(registry, socket_, token, interest);
}

mio::Result<void> Stream::reregister_with(const mio::Registry& registry, mio::Token token,
                                          mio::Interest interest) {
    return reregister_variant(registry, socket_, token, interest);
}

mio::Result<void> Stream::deregister_from(const mio::Registry& registry) {
    return deregister_variant(registry, socket_);
}

std::optional<mio::net::SocketAddr> Stream::local_addr() const {
    const auto* tcp = std::get_if<mio::net::TcpStream>(&socket_);
    if (tcp == nullptr) return std::nullopt;
    auto addr = tcp->local_addr();
    if (!addr) return std::nullopt;
    return *addr;
}

// ---- connecting ----

mio::Result<Stream> connect_stream(const Endpoint& endpoint) {
    if (endpoint.is_unix()) {
        auto s = mio::net::UnixStream::connect_addr(endpoint.unix_addr());
        if (!s) return mio::fail(s.error());
        return Stream(std::move(*s));
    }
    auto s = mio::net::TcpStream::connect(endpoint.inet());
    if (!s) return mio::fail(s.error());
    return Stream(std::move(*s));
}

ConnectOutcome connect_outcome(const Stream& stream) {
    using State = ConnectOutcome::State;
    auto error = std::visit([](const auto& s) { return s.take_error(); }, stream.socket_);
    if (!error) return {State::failed, error.error()};
    if (*error) return {State::failed, **error};
    const std::error_code peer = std::visit(
        [](const auto& s) -> std::error_code {
            auto a = s.peer_addr();
            return a ? std::error_code{} : a.error();
        },
        stream.socket_);
    if (!peer) return {State::connected, {}};
    if (peer == std::errc::not_connected) return {State::in_progress, {}};
    return {State::failed, peer};
}

// ---- StreamListener ----

mio::Result<StreamListener> StreamListener::bind(const Endpoint& endpoint, bool reuseport) {
    if (endpoint.is_unix()) {
        auto l = mio::net::UnixListener::bind_addr(endpoint.unix_addr());
        if (!l) return mio::fail(l.error());
        return StreamListener(std::move(*l));
    }
    auto l = bind_tcp(endpoint.inet(), reuseport);
    if (!l) return mio::fail(l.error());
    return StreamListener(std::move(*l));
}

mio::Result<StreamListener::Accepted> StreamListener::accept() const {
    return std::visit(
        [](const auto& l) -> mio::Result<Accepted> {
            auto r = l.accept();
            if (!r) return mio::fail(r.error());
            if constexpr (std::is_same_v<std::decay_t<decltype(l)>, mio::net::TcpListener>) {
                return Accepted{Stream(std::move(r->first)), r->second.ip_string(), r->second};
            } else {
                return Accepted{Stream(std::move(r->first)), {}, std::nullopt};
            }
        },
        socket_);
}

std::string StreamListener::local_text() const {
    return std::visit([](const auto& l) { return text_of(l.local_addr()); }, socket_);
}

mio::Result<void> StreamListener::register_with(const mio::Registry& registry, mio::Token token,
                                                mio::Interest interest) {
    return register_variant(registry, socket_, token, interest);
}

mio::Result<void> StreamListener::reregister_with(const mio::Registry& registry, mio::Token token,
                                                  mio::Interest interest) {
    return reregister_variant(registry, socket_, token, interest);
}

mio::Result<void> StreamListener::deregister_from(const mio::Registry& registry) {
    return deregister_variant(registry, socket_);
}

}  // namespace app
