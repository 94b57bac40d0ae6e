#include <mio/net/unix_datagram.hpp>

#include <sys/socket.h>

#include "sys/unix/shutdown_how.hpp"
#include "sys/unix/socket.hpp"
#include "unix_socket.hpp"

namespace mio::net {

Result<UnixDatagram> UnixDatagram::bind(std::string_view path) {
    auto addr = uds::path_addr(path);
    if (!addr) return fail(addr.error());
    return bind_addr(*addr);
}

Result<UnixDatagram> UnixDatagram::bind_addr(const UnixAddr& addr) {
    auto fd = uds::bound_unix_socket(SOCK_DGRAM, addr);
    if (!fd) return fail(fd.error());
    return UnixDatagram(std::move(*fd));
}

Result<UnixDatagram> UnixDatagram::unbound() {
    auto fd = uds::unix_socket(SOCK_DGRAM);
    if (!fd) return fail(fd.error());
    return UnixDatagram(std::move(*fd));
}

Result<std::pair<UnixDatagram, UnixDatagram>> UnixDatagram::pair() {
    auto fds = sys::new_socket_pair(SOCK_DGRAM);
    if (!fds) return fail(fds.error());
    return std::pair{UnixDatagram(std::move(fds->first)), UnixDatagram(std::move(fds->second))};
}

Result<UnixDatagram> UnixDatagram::from_fd(UniqueFd fd) {
    auto adopted = uds::adopt_unix_socket(std::move(fd), SOCK_DGRAM);
    if (!adopted) return fail(adopted.error());
    return UnixDatagram(std::move(*adopted));
}

Result<void> UnixDatagram::connect(std::string_view path) const {
    auto addr = uds::path_addr(path);
    if (!addr) return fail(addr.error());
    return connect_addr(*addr);
}

Result<void> UnixDatagram::connect_addr(const UnixAddr& addr) const {
    return uds::connect(io_.fd(), addr);
}

Result<std::size_t> UnixDatagram::send_to(std::span<const std::byte> buf,
                                          std::string_view path) const {
    auto addr = uds::path_addr(path);
    if (!addr) return fail(addr.error());
    return send_to_addr(buf, *addr);
}

Result<std::size_t> UnixDatagram::send_to(std::string_view data, std::string_view path) const {
    return send_to(std::as_bytes(std::span(data)), path);
}

Result<std::size_t> UnixDatagram::send_to_addr(std::span<const std::byte> buf,
                                               const UnixAddr& addr) const {
    return io_.do_io([&](int fd) { return uds::send_to(fd, buf, addr); });
}

Result<std::size_t> UnixDatagram::send_to_addr(std::string_view data, const UnixAddr& addr) const {
    return send_to_addr(std::as_bytes(std::span(data)), addr);
}

Result<std::pair<std::size_t, UnixAddr>> UnixDatagram::recv_from(std::span<std::byte> buf) const {
    return io_.do_io([buf](int fd) { return uds::recv_from(fd, buf); });
}

Result<std::pair<std::size_t, UnixAddr>> UnixDatagram::recv_from(std::span<char> buf) const {
    return recv_from(std::as_writable_bytes(buf));
}

Result<std::size_t> UnixDatagram::send(std::span<const std::byte> buf) const {
    return io_.do_io([buf](int fd) { return sys::send(fd, buf, 0); });
}

Result<std::size_t> UnixDatagram::send(std::string_view data) const {
    return send(std::as_bytes(std::span(data)));
}

Result<std::size_t> UnixDatagram::recv(std::span<std::byte> buf) const {
    return io_.do_io([buf](int fd) { return sys::recv(fd, buf, 0); });
}

Result<std::size_t> UnixDatagram::recv(std::span<char> buf) const {
    return recv(std::as_writable_bytes(buf));
}

Result<void> UnixDatagram::shutdown(Shutdown how) const {
    return sys::shutdown(io_.fd(), sys::to_shut_how(how));
}

Result<UnixAddr> UnixDatagram::local_addr() const {
    return uds::local_addr(io_.fd());
}

Result<UnixAddr> UnixDatagram::peer_addr() const {
    return uds::peer_addr(io_.fd());
}

Result<std::optional<std::error_code>> UnixDatagram::take_error() const {
    return sys::take_error(io_.fd());
}

}  // namespace mio::net
