#include <mio/net/tcp_listener.hpp>

#include <mio/net/tcp_socket.hpp>

#include "sys/unix/inet.hpp"
#include "sys/unix/socket.hpp"

namespace mio::net {
namespace {
constexpr std::uint32_t kBacklog = 1024;  // mio 0.7-1.0's value
}  // namespace

Result<TcpListener> TcpListener::bind(const SocketAddr& addr) {
    auto socket = TcpSocket::new_for_addr(addr);
    if (!socket) return fail(socket.error());
    if (auto r = socket->set_reuseaddr(true); !r) return fail(r.error());
    if (auto r = socket->bind(addr); !r) return fail(r.error());
    return std::move(*socket).listen(kBacklog);
}

Result<TcpListener> TcpListener::from_fd(UniqueFd fd) {
    if (auto r = sys::expect_tcp_socket(fd.get()); !r) return fail(r.error());
    return TcpListener(std::move(fd));
}

Result<std::pair<TcpStream, SocketAddr>> TcpListener::accept() const {
    sys::RawAddr peer;
    auto fd = io_.do_io([&peer](int listener) { return sys::accept(listener, peer); });
    if (!fd) return fail(fd.error());
    auto addr = SocketAddr::from_sockaddr(peer.get(), peer.len);
    if (!addr) return fail(addr.error());
    return std::pair<TcpStream, SocketAddr>(TcpStream(std::move(*fd)), *addr);
}

Result<SocketAddr> TcpListener::local_addr() const {
    return sys::local_addr(io_.fd());
}

Result<void> TcpListener::set_ttl(std::uint32_t ttl) const {
    return sys::set_u32_option(io_.fd(), sys::IntOption::ttl, ttl);
}

Result<std::uint32_t> TcpListener::ttl() const {
    return sys::u32_option(io_.fd(), sys::IntOption::ttl);
}

Result<std::optional<std::error_code>> TcpListener::take_error() const {
    return sys::take_error(io_.fd());
}

}  // namespace mio::net
