#include <mio/net/tcp_stream.hpp>

#include <mio/net/tcp_socket.hpp>

#include "sys/unix/inet.hpp"
#include "sys/unix/shutdown_how.hpp"
#include "sys/unix/socket.hpp"

namespace mio::net {

using sys::IntOption;

Result<TcpStream> TcpStream::connect(const SocketAddr& addr) {
    auto socket = TcpSocket::new_for_addr(addr);
    if (!socket) return fail(socket.error());
    return std::move(*socket).connect(addr);
}

Result<TcpStream> TcpStream::from_fd(UniqueFd fd) {
    if (auto r = sys::expect_tcp_socket(fd.get()); !r) return fail(r.error());
    return TcpStream(std::move(fd));
}

Result<std::size_t> TcpStream::read(std::span<std::byte> buf) const {
    return io_.do_transfer(buf.size(), [buf](int fd) { return sys::recv(fd, buf, 0); });
}

Result<std::size_t> TcpStream::read(std::span<char> buf) const {
    return read(std::as_writable_bytes(buf));
}

Result<std::size_t> TcpStream::write(std::span<const std::byte> buf) const {
    return io_.do_transfer(buf.size(), [buf](int fd) { return sys::send(fd, buf, 0); });
}

Result<std::size_t> TcpStream::write(std::string_view buf) const {
    return write(std::as_bytes(std::span(buf.data(), buf.size())));
}

Result<std::size_t> TcpStream::read_vectored(std::span<IoSliceMut> bufs) const {
    return io_.do_transfer(total_size(bufs),
                           [bufs](int fd) { return sys::read_vectored(fd, bufs); });
}

Result<std::size_t> TcpStream::write_vectored(std::span<const IoSlice> bufs) const {
    return io_.do_transfer(total_size(bufs),
                           [bufs](int fd) { return sys::write_vectored(fd, bufs); });
}

Result<std::size_t> TcpStream::peek(std::span<std::byte> buf) const {
    return io_.do_io([buf](int fd) { return sys::recv(fd, buf, sys::peek_flag()); });
}

Result<void> TcpStream::shutdown(Shutdown how) const {
    return sys::shutdown(io_.fd(), sys::to_shut_how(how));
}

Result<void> TcpStream::set_nodelay(bool nodelay) const {
    return sys::set_bool_option(io_.fd(), IntOption::tcp_nodelay, nodelay);
}

Result<bool> TcpStream::nodelay() const {
    return sys::bool_option(io_.fd(), IntOption::tcp_nodelay);
}

Result<void> TcpStream::set_ttl(std::uint32_t ttl) const {
    return sys::set_u32_option(io_.fd(), IntOption::ttl, ttl);
}

Result<std::uint32_t> TcpStream::ttl() const {
    return sys::u32_option(io_.fd(), IntOption::ttl);
}

Result<void> TcpStream::set_linger(std::optional<std::chrono::seconds> linger) const {
    return sys::set_linger(io_.fd(), linger);
}

Result<std::optional<std::chrono::seconds>> TcpStream::linger() const {
    return sys::linger(io_.fd());
}

Result<SocketAddr> TcpStream::peer_addr() const {
    return sys::peer_addr(io_.fd());
}

Result<SocketAddr> TcpStream::local_addr() const {
    return sys::local_addr(io_.fd());
}

Result<std::optional<std::error_code>> TcpStream::take_error() const {
    return sys::take_error(io_.fd());
}

}  // namespace mio::net
