// TcpListener (mio's tests/tcp_listener.rs).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>

#include <chrono>
#include <utility>

#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/poll.hpp>

#include "inet_peer.hpp"
#include "test_util.hpp"

using mio::Interest;
using mio::Token;
using mio::UniqueFd;
using mio::net::SocketAddr;
using mio::net::TcpListener;
using namespace mio::test;

namespace {

constexpr Token kId1{1};
constexpr Token kId2{2};

// mio's smoke_test_tcp_listener: readable on an incoming connection, accept, then WouldBlock.
void smoke_test(TcpListener& listener) {
    auto [poll, events] = init_with_poll();
    const SocketAddr address = must(listener.local_addr(), "local_addr");
    must(poll.registry().register_source(listener, kId1, Interest::readable));

    UniqueFd client = plain_connect(address);
    const SocketAddr client_addr = plain_local_addr(client.get());
    expect_events(poll, events, {{kId1, kReadable}});

    auto [stream, peer] = must(listener.accept(), "accept");
    require_nonblocking(stream.as_raw_fd());
    require_cloexec(stream.as_raw_fd());
    REQUIRE(peer.is_loopback());
    REQUIRE(peer == client_addr);
    REQUIRE(must(stream.peer_addr()) == client_addr);
    REQUIRE(must(stream.local_addr()) == address);

    char buf[8];
    require_would_block(stream.read(buf));
    require_would_block(listener.accept());
    REQUIRE_FALSE(must(listener.take_error(), "take_error").has_value());
}

}  // namespace

TEST_CASE("tcp listener on ipv4 accepts a connection after a readable event", "[tcp_listener]") {
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    require_nonblocking(listener.as_raw_fd());
    require_cloexec(listener.as_raw_fd());
    smoke_test(listener);
}

TEST_CASE("tcp listener on ipv6 accepts a connection after a readable event",
          "[tcp_listener][ipv6]") {
    if (!ipv6_available()) {
        WARN("skipped: this machine cannot bind [::1]");
        return;
    }
    auto listener = must(TcpListener::bind(any_local_ipv6_address()), "bind");
    require_nonblocking(listener.as_raw_fd());
    require_cloexec(listener.as_raw_fd());
    REQUIRE(must(listener.local_addr()).is_ipv6());
    smoke_test(listener);
}

TEST_CASE("tcp listener adopted from a plain socket works once made non-blocking",
          "[tcp_listener]") {
    auto [fd, addr] = plain_listener();
    REQUIRE(::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK) == 0);
    auto listener = must(TcpListener::from_fd(std::move(fd)), "from_fd");
    REQUIRE(must(listener.local_addr()) == addr);
    smoke_test(listener);
}

TEST_CASE("tcp listener from_fd leaves the blocking flag alone", "[tcp_listener]") {
    auto [fd, addr] = plain_listener();
    auto listener = must(TcpListener::from_fd(std::move(fd)), "from_fd");
    REQUIRE((::fcntl(listener.as_raw_fd(), F_GETFL) & O_NONBLOCK) == 0);
}

TEST_CASE("tcp listener from_fd rejects what is not an IP stream socket", "[tcp_listener]") {
    SECTION("a pipe is not a socket") {
        auto [read_end, write_end] = plain_pipe();
        auto r = TcpListener::from_fd(std::move(read_end));
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::not_a_socket);
    }
    SECTION("a UDP socket has the wrong type") {
        auto r = TcpListener::from_fd(plain_udp());
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::wrong_protocol_type);
    }
    SECTION("a Unix stream socket has the wrong family") {
        auto r = TcpListener::from_fd(plain_socket(AF_UNIX, SOCK_STREAM));
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::address_family_not_supported);
    }
    SECTION("no descriptor at all") {
        auto r = TcpListener::from_fd(UniqueFd());
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::bad_file_descriptor);
    }
}

TEST_CASE("tcp listener ttl round-trips", "[tcp_listener]") {
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    must(listener.set_ttl(10), "set_ttl");
    REQUIRE(must(listener.ttl()) == 10);
    REQUIRE_FALSE(must(listener.take_error(), "take_error").has_value());
}

TEST_CASE("tcp listener ttl can be read without being set", "[tcp_listener]") {
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    REQUIRE(must(listener.ttl()) >= 1);
    REQUIRE_FALSE(must(listener.take_error(), "take_error").has_value());
}

TEST_CASE("tcp listener raw fd round-trips through into_fd and from_fd", "[tcp_listener]") {
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    const SocketAddr address = must(listener.local_addr());
    const int raw = listener.as_raw_fd();
    UniqueFd fd = std::move(listener).into_fd();
    REQUIRE(fd.get() == raw);
    auto restored = must(TcpListener::from_fd(std::move(fd)), "from_fd");
    REQUIRE(restored.as_raw_fd() == raw);
    REQUIRE(must(restored.local_addr()) == address);
}

TEST_CASE("tcp listener registered while idle produces no events", "[tcp_listener]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    must(poll.registry().register_source(listener, kId1, Interest::readable));
    expect_no_events(poll, events);
}

TEST_CASE("tcp listener reregistered reports connections under the new token", "[tcp_listener]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    must(poll.registry().register_source(listener, kId1, Interest::readable));
    must(poll.registry().reregister_source(listener, kId2, Interest::readable));

    UniqueFd client = plain_connect(must(listener.local_addr()));
    expect_events(poll, events, {{kId2, kReadable}});
    for (const mio::Event& ev : events)
        REQUIRE(ev.token() != kId1);
    (void)must(listener.accept(), "accept");
}

TEST_CASE("tcp listener deregistered reports no events but still accepts", "[tcp_listener]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    must(poll.registry().register_source(listener, kId1, Interest::readable));
    UniqueFd client = plain_connect(must(listener.local_addr()));
    must(poll.registry().deregister_source(listener), "deregister");
    expect_no_events(poll, events);

    auto accepted = retry_without_events(poll, events, [&] { return listener.accept(); });
    (void)must(std::move(accepted), "accept");
    require_would_block(listener.accept());
}

TEST_CASE("tcp listener re-arms after accept would block for a second connection",
          "[tcp_listener]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    const SocketAddr address = must(listener.local_addr());
    must(poll.registry().register_source(listener, kId1, Interest::readable));

    UniqueFd first = plain_connect(address);
    expect_events(poll, events, {{kId1, kReadable}});
    (void)must(listener.accept(), "accept first");
    require_would_block(listener.accept());

    UniqueFd second = plain_connect(address);
    expect_events(poll, events, {{kId1, kReadable}});
    (void)must(listener.accept(), "accept second");
    expect_no_events(poll, events);
}

TEST_CASE("tcp listener try_io runs a raw call and re-arms on would block", "[tcp_listener]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    must(poll.registry().register_source(listener, kId1, Interest::readable));
    const auto raw_accept = [](int fd) -> mio::Result<UniqueFd> {
        UniqueFd s(::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!s.valid()) return mio::fail(mio::last_os_error());
        return s;
    };
    require_would_block(listener.try_io(raw_accept));

    UniqueFd client = plain_connect(must(listener.local_addr()));
    expect_events(poll, events, {{kId1, kReadable}});
    UniqueFd accepted = must(listener.try_io(raw_accept), "try_io accept");
    REQUIRE(accepted.valid());
    require_would_block(listener.try_io(raw_accept));

    UniqueFd again = plain_connect(must(listener.local_addr()));
    expect_events(poll, events, {{kId1, kReadable}});
}
