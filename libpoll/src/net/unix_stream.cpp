#include <mio/net/unix_stream.hpp>

#include <sys/socket.h>

#include "sys/unix/shutdown_how.hpp"
#include "sys/unix/socket.hpp"
#include "unix_socket.hpp"

namespace mio::net {

Result<UnixStream> UnixStream::connect(std::string_view path) {
    auto addr = uds::path_addr(path);
    if (!addr) return fail(addr.error());
    return connect_addr(*addr);
}

Result<UnixStream> UnixStream::connect_addr(const UnixAddr& addr) {
    auto fd = uds::unix_socket(SOCK_STREAM);
    if (!fd) return fail(fd.error());
    if (auto r = uds::connect(fd->get(), addr); !r) return fail(r.error());
    return UnixStream(std::move(*fd));
}

Result<std::pair<UnixStream, UnixStream>> UnixStream::pair() {
    auto fds = sys::new_socket_pair(SOCK_STREAM);
    if (!fds) return fail(fds.error());
    return std::pair{UnixStream(std::move(fds->first)), UnixStream(std::move(fds->second))};
}

Result<UnixStream> UnixStream::from_fd(UniqueFd fd) {
    auto adopted = uds::adopt_unix_socket(std::move(fd), SOCK_STREAM);
    if (!adopted) return fail(adopted.error());
    return UnixStream(std::move(*adopted));
}

Result<std::size_t> UnixStream::read(std::span<std::byte> buf) const {
    return io_.do_transfer(buf.size(), [buf](int fd) { return sys::recv(fd, buf, 0); });
}

Result<std::size_t> UnixStream::read(std::span<char> buf) const {
    return read(std::as_writable_bytes(buf));
}

Result<std::size_t> UnixStream::write(std::span<const std::byte> buf) const {
    return io_.do_transfer(buf.size(), [buf](int fd) { return sys::send(fd, buf, 0); });
}

Result<std::size_t> UnixStream::write(std::string_view data) const {
    return write(std::as_bytes(std::span(data)));
}

Result<std::size_t> UnixStream::read_vectored(std::span<IoSliceMut> bufs) const {
    return io_.do_transfer(total_size(bufs),
                           [bufs](int fd) { return sys::read_vectored(fd, bufs); });
}

Result<std::size_t> UnixStream::write_vectored(std::span<const IoSlice> bufs) const {
    return io_.do_transfer(total_size(bufs),
                           [bufs](int fd) { return sys::write_vectored(fd, bufs); });
}

Result<void> UnixStream::shutdown(Shutdown how) const {
    return sys::shutdown(io_.fd(), sys::to_shut_how(how));
}

Result<UnixAddr> UnixStream::local_addr() const {
    return uds::local_addr(io_.fd());
}

Result<UnixAddr> UnixStream::peer_addr() const {
    return uds::peer_addr(io_.fd());
}

Result<std::optional<std::error_code>> UnixStream::take_error() const {
    return sys::take_error(io_.fd());
}

}  // namespace mio::net
