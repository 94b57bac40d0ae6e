// TcpSocket, the builder of mio 0.7 (its tests/tcp_socket.rs).
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <type_traits>

#include <mio/net/tcp_keepalive.hpp>
#include <mio/net/tcp_socket.hpp>
#include <mio/poll.hpp>

#include "inet_peer.hpp"
#include "test_util.hpp"

using namespace std::chrono_literals;
using mio::Interest;
using mio::Token;
using mio::UniqueFd;
using mio::net::SocketAddr;
using mio::net::TcpKeepalive;
using mio::net::TcpSocket;
using namespace mio::test;

namespace {

/// Options must not stop the socket from becoming a working listener.
void require_listens(TcpSocket socket) {
    must(socket.bind(any_local_address()), "bind");
    auto listener = must(std::move(socket).listen(128), "listen");
    REQUIRE(must(listener.local_addr()).port() != 0);
}

}  // namespace

TEST_CASE("tcp socket is a move-only, non-blocking, close-on-exec socket", "[tcp_socket]") {
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<TcpSocket>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<TcpSocket>);
    auto socket = must(TcpSocket::new_v4(), "new_v4");
    require_nonblocking(socket.as_raw_fd());
    require_cloexec(socket.as_raw_fd());
}

TEST_CASE("tcp socket new_for_addr follows the address family", "[tcp_socket][ipv6]") {
    auto v4 = must(TcpSocket::new_for_addr(any_local_address()), "new_for_addr");
    REQUIRE(must(v4.local_addr()).is_ipv4());
    if (!ipv6_available()) {
        WARN("skipped the IPv6 half: this machine cannot bind [::1]");
        return;
    }
    auto v6 = must(TcpSocket::new_for_addr(any_local_ipv6_address()), "new_for_addr");
    REQUIRE(must(v6.local_addr()).is_ipv6());
    require_nonblocking(v6.as_raw_fd());
    require_cloexec(v6.as_raw_fd());
    auto v6_socket = must(TcpSocket::new_v6(), "new_v6");
    must(v6_socket.bind(any_local_ipv6_address()), "bind");
    auto listener = must(std::move(v6_socket).listen(16), "listen");
    REQUIRE(must(listener.local_addr()).is_ipv6());
}

TEST_CASE("tcp socket reuseaddr round-trips", "[tcp_socket]") {
    auto socket = must(TcpSocket::new_v4(), "new_v4");
    must(socket.set_reuseaddr(true), "set_reuseaddr");
    REQUIRE(must(socket.reuseaddr()));
    require_listens(std::move(socket));
}

TEST_CASE("tcp socket reuseport round-trips", "[tcp_socket]") {
    auto socket = must(TcpSocket::new_v4(), "new_v4");
    must(socket.set_reuseport(true), "set_reuseport");
    REQUIRE(must(socket.reuseport()));
    require_listens(std::move(socket));
}

TEST_CASE("tcp socket keepalive round-trips", "[tcp_socket]") {
    auto socket = must(TcpSocket::new_v4(), "new_v4");
    REQUIRE_FALSE(must(socket.keepalive()));
    must(socket.set_keepalive(true), "set_keepalive");
    REQUIRE(must(socket.keepalive()));
    require_listens(std::move(socket));
}

TEST_CASE("tcp socket keepalive time round-trips", "[tcp_socket]") {
    auto socket = must(TcpSocket::new_v4(), "new_v4");
    must(socket.set_keepalive_params(TcpKeepalive{}.with_time(60s)), "set_keepalive_params");
    REQUIRE(must(socket.keepalive()));
    REQUIRE(must(socket.keepalive_time()) == 60s);
    require_listens(std::move(socket));
}

TEST_CASE("tcp socket keepalive interval round-trips", "[tcp_socket]") {
    auto socket = must(TcpSocket::new_v4(), "new_v4");
    must(socket.set_keepalive_params(TcpKeepalive{}.with_interval(30s)), "set_keepalive_params");
    REQUIRE(must(socket.keepalive()));
    REQUIRE(must(socket.keepalive_interval()) == 30s);
    require_listens(std::move(socket));
}

TEST_CASE("tcp socket keepalive retries round-trip", "[tcp_socket]") {
    auto socket = must(TcpSocket::new_v4(), "new_v4");
    must(socket.set_keepalive_params(TcpKeepalive{}.with_retries(10)), "set_keepalive_params");
    REQUIRE(must(socket.keepalive()));
    REQUIRE(must(socket.keepalive_retries()) == 10);
    require_listens(std::move(socket));
}

TEST_CASE("tcp socket keepalive parameters set together", "[tcp_socket]") {
    const auto params = TcpKeepalive{}.with_time(120s).with_interval(15s).with_retries(4);
    REQUIRE(params.time() == std::optional(std::chrono::seconds(120)));
    REQUIRE(params.interval() == std::optional(std::chrono::seconds(15)));
    REQUIRE(params.retries() == std::optional<std::uint32_t>(4));
    REQUIRE_FALSE(TcpKeepalive{}.time().has_value());

    auto socket = must(TcpSocket::new_v4(), "new_v4");
    must(socket.set_keepalive_params(params), "set_keepalive_params");
    REQUIRE(must(socket.keepalive_time()) == 120s);
    REQUIRE(must(socket.keepalive_interval()) == 15s);
    REQUIRE(must(socket.keepalive_retries()) == 4);
    auto bad = socket.set_keepalive_params(TcpKeepalive{}.with_retries(0));
    REQUIRE_FALSE(bad.has_value());
    REQUIRE(bad.error() == std::errc::invalid_argument);
}

TEST_CASE("tcp socket local address is unspecified until bound", "[tcp_socket]") {
    auto socket = must(TcpSocket::new_v4(), "new_v4");
    REQUIRE(must(socket.local_addr()) == SocketAddr::v4({0, 0, 0, 0}, 0));
    must(socket.bind(any_local_address()), "bind");
    const SocketAddr bound = must(socket.local_addr());
    REQUIRE(bound.octets() == any_local_address().octets());
    REQUIRE(bound.port() != 0);
}

TEST_CASE("tcp socket linger round-trips and clears", "[tcp_socket]") {
    auto socket = must(TcpSocket::new_v4(), "new_v4");
    REQUIRE_FALSE(must(socket.linger()).has_value());
    must(socket.set_linger(1s), "set_linger");
    REQUIRE(must(socket.linger()) == std::optional(std::chrono::seconds(1)));
    must(socket.set_linger(std::nullopt), "set_linger");
    REQUIRE_FALSE(must(socket.linger()).has_value());
}

TEST_CASE("tcp socket buffer sizes are at least what was set", "[tcp_socket]") {
    for (const std::uint32_t size : {256u, 4096u, 65512u}) {
        auto socket = must(TcpSocket::new_v4(), "new_v4");
        must(socket.set_send_buffer_size(size), "set_send_buffer_size");
        REQUIRE(must(socket.send_buffer_size()) >= size);
        must(socket.set_recv_buffer_size(size), "set_recv_buffer_size");
        REQUIRE(must(socket.recv_buffer_size()) >= size);
    }
}

TEST_CASE("tcp socket listen and connect produce a working pair", "[tcp_socket]") {
    auto [poll, events] = init_with_poll();
    auto server_socket = must(TcpSocket::new_v4(), "new_v4");
    must(server_socket.set_reuseaddr(true), "set_reuseaddr");
    must(server_socket.bind(any_local_address()), "bind");
    auto listener = must(std::move(server_socket).listen(16), "listen");
    must(poll.registry().register_source(listener, Token{1}, Interest::readable));

    auto client_socket = must(TcpSocket::new_v4(), "new_v4");
    auto client = must(std::move(client_socket).connect(must(listener.local_addr())), "connect");
    require_nonblocking(client.as_raw_fd());
    must(poll.registry().register_source(client, Token{2}, Interest::writable));
    expect_events(poll, events, {{Token{1}, kReadable}, {Token{2}, kWritable}});
    auto [stream, peer] = must(listener.accept(), "accept");
    REQUIRE(peer == must(client.local_addr()));
    REQUIRE_FALSE(must(client.take_error(), "take_error").has_value());
}
