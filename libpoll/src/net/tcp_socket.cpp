#include <mio/net/tcp_socket.hpp>

#include <algorithm>
#include <limits>

#include "sys/unix/inet.hpp"
#include "sys/unix/socket.hpp"

namespace mio::net {
namespace {

using sys::IntOption;

}  // namespace

Result<TcpSocket> TcpSocket::new_v4() {
    auto fd = sys::new_tcp_socket(SocketAddr::Family::v4);
    if (!fd) return fail(fd.error());
    return TcpSocket(std::move(*fd));
}

Result<TcpSocket> TcpSocket::new_v6() {
    auto fd = sys::new_tcp_socket(SocketAddr::Family::v6);
    if (!fd) return fail(fd.error());
    return TcpSocket(std::move(*fd));
}

Result<TcpSocket> TcpSocket::new_for_addr(const SocketAddr& addr) {
    return addr.is_ipv4() ? new_v4() : new_v6();
}

Result<void> TcpSocket::bind(const SocketAddr& addr) const {
    return sys::bind(fd_.get(), addr);
}

Result<TcpListener> TcpSocket::listen(std::uint32_t backlog) && {
    const auto clamped =
        static_cast<int>(std::min<std::uint32_t>(backlog, std::numeric_limits<int>::max()));
    if (auto r = sys::listen(fd_.get(), clamped); !r) return fail(r.error());
    return TcpListener(std::move(fd_));
}

Result<TcpStream> TcpSocket::connect(const SocketAddr& addr) && {
    if (auto r = sys::connect(fd_.get(), addr); !r) return fail(r.error());
    return TcpStream(std::move(fd_));
}

Result<void> TcpSocket::set_reuseaddr(bool reuse) const {
    return sys::set_bool_option(fd_.get(), IntOption::reuse_address, reuse);
}
Result<bool> TcpSocket::reuseaddr() const {
    return sys::bool_option(fd_.get(), IntOption::reuse_address);
}

Result<void> TcpSocket::set_reuseport(bool reuse) const {
    return sys::set_bool_option(fd_.get(), IntOption::reuse_port, reuse);
}
Result<bool> TcpSocket::reuseport() const {
    return sys::bool_option(fd_.get(), IntOption::reuse_port);
}

Result<void> TcpSocket::set_linger(std::optional<std::chrono::seconds> linger) const {
    return sys::set_linger(fd_.get(), linger);
}
Result<std::optional<std::chrono::seconds>> TcpSocket::linger() const {
    return sys::linger(fd_.get());
}

Result<void> TcpSocket::set_recv_buffer_size(std::uint32_t size) const {
    return sys::set_u32_option(fd_.get(), IntOption::recv_buffer_size, size);
}
Result<std::uint32_t> TcpSocket::recv_buffer_size() const {
    return sys::u32_option(fd_.get(), IntOption::recv_buffer_size);
}

Result<void> TcpSocket::set_send_buffer_size(std::uint32_t size) const {
    return sys::set_u32_option(fd_.get(), IntOption::send_buffer_size, size);
}
Result<std::uint32_t> TcpSocket::send_buffer_size() const {
    return sys::u32_option(fd_.get(), IntOption::send_buffer_size);
}

Result<void> TcpSocket::set_keepalive(bool keepalive) const {
    return sys::set_bool_option(fd_.get(), IntOption::keepalive, keepalive);
}
Result<bool> TcpSocket::keepalive() const {
    return sys::bool_option(fd_.get(), IntOption::keepalive);
}

Result<void> TcpSocket::set_keepalive_params(const TcpKeepalive& params) const {
    if (auto r = set_keepalive(true); !r) return r;
    const auto seconds = [](std::chrono::seconds s) {
        return static_cast<std::uint32_t>(std::max<std::chrono::seconds::rep>(s.count(), 0));
    };
    if (params.time()) {
        auto r = sys::set_u32_option(fd_.get(), IntOption::keepalive_time, seconds(*params.time()));
        if (!r) return r;
    }
    if (params.interval()) {
        auto r = sys::set_u32_option(fd_.get(), IntOption::keepalive_interval,
                                     seconds(*params.interval()));
        if (!r) return r;
    }
    if (params.retries()) {
        return sys::set_u32_option(fd_.get(), IntOption::keepalive_retries, *params.retries());
    }
    return {};
}

Result<std::chrono::seconds> TcpSocket::keepalive_time() const {
    auto value = sys::int_option(fd_.get(), IntOption::keepalive_time);
    if (!value) return fail(value.error());
    return std::chrono::seconds(*value);
}

Result<std::chrono::seconds> TcpSocket::keepalive_interval() const {
    auto value = sys::int_option(fd_.get(), IntOption::keepalive_interval);
    if (!value) return fail(value.error());
    return std::chrono::seconds(*value);
}

Result<std::uint32_t> TcpSocket::keepalive_retries() const {
    return sys::u32_option(fd_.get(), IntOption::keepalive_retries);
}

Result<SocketAddr> TcpSocket::local_addr() const {
    return sys::local_addr(fd_.get());
}

}  // namespace mio::net
