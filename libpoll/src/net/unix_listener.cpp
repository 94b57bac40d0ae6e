#include <mio/net/unix_listener.hpp>

#include <sys/socket.h>

#include "sys/unix/socket.hpp"
#include "unix_socket.hpp"

namespace mio::net {

Result<UnixListener> UnixListener::bind(std::string_view path) {
    auto addr = uds::path_addr(path);
    if (!addr) return fail(addr.error());
    return bind_addr(*addr);
}

Result<UnixListener> UnixListener::bind_addr(const UnixAddr& addr) {
    auto fd = uds::bound_unix_socket(SOCK_STREAM, addr);
    if (!fd) return fail(fd.error());
    if (auto r = sys::listen(fd->get(), SOMAXCONN); !r) return fail(r.error());
    return UnixListener(std::move(*fd));
}

Result<UnixListener> UnixListener::from_fd(UniqueFd fd) {
    auto adopted = uds::adopt_unix_socket(std::move(fd), SOCK_STREAM);
    if (!adopted) return fail(adopted.error());
    return UnixListener(std::move(*adopted));
}

Result<std::pair<UnixStream, UnixAddr>> UnixListener::accept() const {
    auto accepted = io_.do_io([](int fd) { return uds::accept(fd); });
    if (!accepted) return fail(accepted.error());
    return std::pair{UnixStream(std::move(accepted->first)), std::move(accepted->second)};
}

Result<UnixAddr> UnixListener::local_addr() const {
    return uds::local_addr(io_.fd());
}

Result<std::optional<std::error_code>> UnixListener::take_error() const {
    return sys::take_error(io_.fd());
}

}  // namespace mio::net
