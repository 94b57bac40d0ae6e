// UdpSocket, unconnected and connected (mio's tests/udp_socket.rs). Multicast and options are
// in udp_socket_options_test.cpp.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <utility>

#include <mio/net/udp_socket.hpp>
#include <mio/poll.hpp>
#include <mio/source.hpp>

#include "inet_peer.hpp"
#include "test_util.hpp"

using mio::Interest;
using mio::Token;
using mio::UniqueFd;
using mio::net::SocketAddr;
using mio::net::UdpSocket;
using namespace mio::test;

namespace {

constexpr Token kId1{1};
constexpr Token kId2{2};
constexpr Token kId3{3};
const Interest kBoth = Interest::readable | Interest::writable;
constexpr std::string_view kData1 = "Hello, World!";
constexpr std::string_view kData2 = "Hello, mars!";

UdpSocket bind_local(const SocketAddr& addr = any_local_address()) {
    auto socket = must(UdpSocket::bind(addr), "bind");
    require_nonblocking(socket.as_raw_fd());
    require_cloexec(socket.as_raw_fd());
    return socket;
}

/// Receives one datagram with recv_from and checks its payload and source.
void expect_datagram(const UdpSocket& socket, std::string_view data, const SocketAddr& from) {
    std::byte buf[64];
    auto [n, source] = must(socket.recv_from(buf), "recv_from");
    REQUIRE(to_text(std::span(buf, n)) == data);
    REQUIRE(source == from);
}

// mio's smoke_test_unconnected_udp_socket.
void unconnected_smoke(UdpSocket& s1, UdpSocket& s2) {
    auto [poll, events] = init_with_poll();
    const SocketAddr a1 = must(s1.local_addr()), a2 = must(s2.local_addr());
    must(poll.registry().register_source(s1, kId1, kBoth));
    must(poll.registry().register_source(s2, kId2, kBoth));
    expect_events(poll, events, {{kId1, kWritable}, {kId2, kWritable}});

    std::byte buf[64];
    require_would_block(s1.peek_from(buf));
    require_would_block(s1.recv_from(buf));
    REQUIRE(must(s1.send_to(kData1, a2)) == kData1.size());
    REQUIRE(must(s2.send_to(kData2, a1)) == kData2.size());
    expect_events(poll, events, {{kId1, kReadable}, {kId2, kReadable}});

    auto [peeked, from] = must(s1.peek_from(buf), "peek_from");
    REQUIRE(to_text(std::span(buf, peeked)) == kData2);
    REQUIRE(from == a2);
    expect_datagram(s1, kData2, a2);
    expect_datagram(s2, kData1, a1);
    require_would_block(s1.recv_from(buf));
    REQUIRE_FALSE(must(s1.take_error(), "take_error").has_value());
    REQUIRE_FALSE(must(s2.take_error(), "take_error").has_value());
}

// mio's smoke_test_connected_udp_socket.
void connected_smoke(UdpSocket& s1, UdpSocket& s2) {
    auto [poll, events] = init_with_poll();
    must(poll.registry().register_source(s1, kId1, kBoth));
    must(poll.registry().register_source(s2, kId2, kBoth));
    expect_events(poll, events, {{kId1, kWritable}, {kId2, kWritable}});

    std::byte buf[64];
    require_would_block(s1.peek(buf));
    require_would_block(s1.recv(buf));
    REQUIRE(must(s1.send(kData1)) == kData1.size());
    REQUIRE(must(s2.send(kData2)) == kData2.size());
    expect_events(poll, events, {{kId1, kReadable}, {kId2, kReadable}});

    REQUIRE(to_text(std::span(buf, must(s1.peek(buf)))) == kData2);
    REQUIRE(to_text(std::span(buf, must(s1.recv(buf)))) == kData2);
    REQUIRE(to_text(std::span(buf, must(s2.recv(buf)))) == kData1);
    require_would_block(s1.recv(buf));
    require_would_block(s2.recv(buf));
}

std::pair<UdpSocket, UdpSocket> connected_pair(const SocketAddr& addr = any_local_address()) {
    auto s1 = bind_local(addr);
    auto s2 = bind_local(addr);
    must(s1.connect(must(s2.local_addr())), "connect");
    must(s2.connect(must(s1.local_addr())), "connect");
    return {std::move(s1), std::move(s2)};
}

}  // namespace

TEST_CASE("udp socket is a move-only source", "[udp_socket]") {
    STATIC_REQUIRE(mio::Source<UdpSocket>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<UdpSocket>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<UdpSocket>);
}

TEST_CASE("udp socket receives an empty datagram", "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto s1 = bind_local();
    auto s2 = bind_local();
    must(poll.registry().register_source(s2, kId2, Interest::readable));
    REQUIRE(must(s1.send_to(std::span<const std::byte>(), must(s2.local_addr()))) == 0);
    expect_events(poll, events, {{kId2, kReadable}});
    std::byte buf[16];
    auto [n, from] = must(s2.recv_from(buf), "recv_from");
    REQUIRE(n == 0);
    REQUIRE(from == must(s1.local_addr()));
}

TEST_CASE("udp socket unconnected on ipv4 sends and receives datagrams", "[udp_socket]") {
    auto s1 = bind_local();
    auto s2 = bind_local();
    unconnected_smoke(s1, s2);
}

TEST_CASE("udp socket unconnected on ipv6 sends and receives datagrams", "[udp_socket][ipv6]") {
    if (!ipv6_available()) {
        WARN("skipped: this machine cannot bind [::1]");
        return;
    }
    auto s1 = bind_local(any_local_ipv6_address());
    auto s2 = bind_local(any_local_ipv6_address());
    unconnected_smoke(s1, s2);
}

TEST_CASE("udp socket adopted from plain sockets sends and receives datagrams", "[udp_socket]") {
    UniqueFd fd1 = plain_udp(), fd2 = plain_udp();
    for (int fd : {fd1.get(), fd2.get()}) {
        REQUIRE(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
    }
    auto s1 = must(UdpSocket::from_fd(std::move(fd1)), "from_fd");
    auto s2 = must(UdpSocket::from_fd(std::move(fd2)), "from_fd");
    unconnected_smoke(s1, s2);
}

TEST_CASE("udp socket from_fd rejects what is not an IP datagram socket", "[udp_socket]") {
    SECTION("a pipe is not a socket") {
        auto [read_end, write_end] = plain_pipe();
        auto r = UdpSocket::from_fd(std::move(read_end));
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::not_a_socket);
    }
    SECTION("a TCP socket has the wrong type") {
        auto r = UdpSocket::from_fd(plain_socket(AF_INET, SOCK_STREAM));
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::wrong_protocol_type);
    }
    SECTION("a Unix datagram socket has the wrong family") {
        auto r = UdpSocket::from_fd(plain_socket(AF_UNIX, SOCK_DGRAM));
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::address_family_not_supported);
    }
}

TEST_CASE("udp socket connected on ipv4 sends and receives datagrams", "[udp_socket]") {
    auto [s1, s2] = connected_pair();
    REQUIRE(must(s1.peer_addr()) == must(s2.local_addr()));
    connected_smoke(s1, s2);
}

TEST_CASE("udp socket connected on ipv6 sends and receives datagrams", "[udp_socket][ipv6]") {
    if (!ipv6_available()) {
        WARN("skipped: this machine cannot bind [::1]");
        return;
    }
    auto [s1, s2] = connected_pair(any_local_ipv6_address());
    connected_smoke(s1, s2);
}

TEST_CASE("udp socket adopted from connected plain sockets sends and receives", "[udp_socket]") {
    auto [a, b] = connected_pair();
    auto s1 = must(UdpSocket::from_fd(std::move(a).into_fd()), "from_fd");
    auto s2 = must(UdpSocket::from_fd(std::move(b).into_fd()), "from_fd");
    connected_smoke(s1, s2);
}

TEST_CASE("udp socket reconnected sends to the new peer", "[udp_socket]") {
    auto s1 = bind_local();
    auto s2 = bind_local();
    auto s3 = bind_local();
    must(s1.connect(must(s2.local_addr())), "connect");
    REQUIRE(must(s1.send(kData1)) == kData1.size());
    must(s1.connect(must(s3.local_addr())), "reconnect");
    REQUIRE(must(s1.send(kData2)) == kData2.size());

    auto [poll, events] = init_with_poll();
    must(poll.registry().register_source(s2, kId2, Interest::readable));
    must(poll.registry().register_source(s3, kId3, Interest::readable));
    expect_events(poll, events, {{kId2, kReadable}, {kId3, kReadable}});
    expect_datagram(s2, kData1, must(s1.local_addr()));
    expect_datagram(s3, kData2, must(s1.local_addr()));
}

TEST_CASE("udp socket reconnected receives from the new peer", "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto s1 = bind_local();
    auto s2 = bind_local();
    auto s3 = bind_local();
    const SocketAddr a1 = must(s1.local_addr());
    must(s1.connect(must(s2.local_addr())), "connect");
    must(poll.registry().register_source(s1, kId1, Interest::readable));

    REQUIRE(must(s2.send_to(kData1, a1)) == kData1.size());
    expect_events(poll, events, {{kId1, kReadable}});
    std::byte buf[64];
    REQUIRE(to_text(std::span(buf, must(s1.recv(buf)))) == kData1);
    require_would_block(s1.recv(buf));

    must(s1.connect(must(s3.local_addr())), "reconnect");
    REQUIRE(must(s3.send_to(kData2, a1)) == kData2.size());
    expect_events(poll, events, {{kId1, kReadable}});
    REQUIRE(to_text(std::span(buf, must(s1.recv(buf)))) == kData2);
    require_would_block(s1.recv(buf));

    must(s1.connect(must(s2.local_addr())), "reconnect");
    REQUIRE(must(s2.send_to(kData1, a1)) == kData1.size());
    expect_events(poll, events, {{kId1, kReadable}});
    REQUIRE(to_text(std::span(buf, must(s1.recv(buf)))) == kData1);
}

TEST_CASE("udp socket unconnected cannot use send but can use send_to", "[udp_socket]") {
    auto s1 = bind_local();
    auto s2 = bind_local();
    auto r = s1.send(kData1);
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == std::errc::destination_address_required);
    REQUIRE(s1.peer_addr().error() == std::errc::not_connected);

    auto [poll, events] = init_with_poll();
    must(poll.registry().register_source(s2, kId2, Interest::readable));
    REQUIRE(must(s1.send_to(kData1, must(s2.local_addr()))) == kData1.size());
    expect_events(poll, events, {{kId2, kReadable}});
    std::byte buf[64];
    REQUIRE(to_text(std::span(buf, must(s2.peek(buf)))) == kData1);
    REQUIRE(to_text(std::span(buf, must(s2.recv(buf)))) == kData1);
}

TEST_CASE("udp socket connected may still send_to, and receives its peer's send_to",
          "[udp_socket]") {
    auto [s1, s2] = connected_pair();
    auto s3 = bind_local();
    auto [poll, events] = init_with_poll();
    must(poll.registry().register_source(s1, kId1, Interest::readable));
    must(poll.registry().register_source(s3, kId3, Interest::readable));

    // Linux allows send_to on a connected UDP socket (BSDs answer EISCONN).
    REQUIRE(must(s1.send_to(kData1, must(s3.local_addr()))) == kData1.size());
    REQUIRE(must(s2.send_to(kData2, must(s1.local_addr()))) == kData2.size());
    expect_events(poll, events, {{kId1, kReadable}, {kId3, kReadable}});
    expect_datagram(s3, kData1, must(s1.local_addr()));
    expect_datagram(s1, kData2, must(s2.local_addr()));
}

TEST_CASE("udp socket raw fd round-trips through into_fd and from_fd", "[udp_socket]") {
    auto socket = bind_local();
    const SocketAddr address = must(socket.local_addr());
    const int raw = socket.as_raw_fd();
    UniqueFd fd = std::move(socket).into_fd();
    REQUIRE(fd.get() == raw);
    auto restored = must(UdpSocket::from_fd(std::move(fd)), "from_fd");
    REQUIRE(must(restored.local_addr()) == address);
}

TEST_CASE("udp socket registered readable while idle produces no events", "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto socket = bind_local();
    must(poll.registry().register_source(socket, kId1, Interest::readable));
    expect_no_events(poll, events);
}

TEST_CASE("udp socket reregistered from writable to readable reports the datagram",
          "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto s1 = bind_local();
    auto s2 = bind_local();
    must(poll.registry().register_source(s1, kId1, Interest::writable));
    REQUIRE(must(s2.send_to(kData1, must(s1.local_addr()))) == kData1.size());
    expect_events(poll, events, {{kId1, kWritable}});
    for (const mio::Event& ev : events)
        REQUIRE_FALSE(ev.is_readable());

    must(poll.registry().reregister_source(s1, kId2, Interest::readable));
    expect_events(poll, events, {{kId2, kReadable}});
    expect_datagram(s1, kData1, must(s2.local_addr()));
}

TEST_CASE("udp socket deregistered produces no events but still receives", "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto s1 = bind_local();
    auto s2 = bind_local();
    must(poll.registry().register_source(s1, kId1, Interest::readable));
    must(poll.registry().deregister_source(s1), "deregister");
    REQUIRE(must(s2.send_to(kData1, must(s1.local_addr()))) == kData1.size());
    expect_no_events(poll, events);

    std::byte buf[64];
    auto received = retry_without_events(poll, events, [&] { return s1.recv_from(buf); });
    auto [n, from] = must(std::move(received), "recv_from");
    REQUIRE(to_text(std::span(buf, n)) == kData1);
    REQUIRE(from == must(s2.local_addr()));
}

TEST_CASE("udp socket event loop exchanges datagrams with send_to and recv_from", "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto tx = bind_local();
    auto rx = bind_local();
    must(poll.registry().register_source(tx, kId1, Interest::writable));
    must(poll.registry().register_source(rx, kId2, Interest::readable));
    const SocketAddr rx_addr = must(rx.local_addr());

    bool sent = false, received = false;
    for (int round = 0; round < 10 && !received; ++round) {
        must(poll.poll(events, std::chrono::milliseconds(500)), "poll");
        for (const mio::Event& ev : events) {
            if (ev.token() == kId1 && ev.is_writable() && !sent) {
                REQUIRE(must(tx.send_to("hello world", rx_addr)) == 11);
                sent = true;
            }
            if (ev.token() == kId2 && ev.is_readable()) {
                expect_datagram(rx, "hello world", must(tx.local_addr()));
                received = true;
            }
        }
    }
    REQUIRE(received);
}

TEST_CASE("udp socket event loop exchanges datagrams with send and recv", "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto [tx, rx] = connected_pair();
    must(poll.registry().register_source(tx, kId1, Interest::writable));
    must(poll.registry().register_source(rx, kId2, Interest::readable));

    bool sent = false, received = false;
    for (int round = 0; round < 10 && !received; ++round) {
        must(poll.poll(events, std::chrono::milliseconds(500)), "poll");
        for (const mio::Event& ev : events) {
            if (ev.token() == kId1 && ev.is_writable() && !sent) {
                REQUIRE(must(tx.send("hello world")) == 11);
                sent = true;
            }
            if (ev.token() == kId2 && ev.is_readable()) {
                std::byte buf[32];
                REQUIRE(to_text(std::span(buf, must(rx.recv(buf)))) == "hello world");
                received = true;
            }
        }
    }
    REQUIRE(received);
}

TEST_CASE("udp socket connected discards datagrams from other sources", "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto [tx, rx] = connected_pair();
    auto stranger = bind_local();
    must(poll.registry().register_source(rx, kId2, Interest::readable));

    REQUIRE(must(stranger.send_to(kData2, must(rx.local_addr()))) == kData2.size());
    expect_no_events(poll, events);
    REQUIRE(must(tx.send(kData1)) == kData1.size());
    expect_events(poll, events, {{kId2, kReadable}});
    std::byte buf[64];
    REQUIRE(to_text(std::span(buf, must(rx.recv(buf)))) == kData1);  // not the stranger's
    require_would_block(rx.recv(buf));
}

TEST_CASE("udp socket truncates a datagram larger than the buffer", "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto s1 = bind_local();
    auto s2 = bind_local();
    must(poll.registry().register_source(s2, kId2, Interest::readable));
    REQUIRE(must(s1.send_to(kData1, must(s2.local_addr()))) == kData1.size());
    REQUIRE(must(s1.send_to(kData2, must(s2.local_addr()))) == kData2.size());
    expect_events(poll, events, {{kId2, kReadable}});
    std::byte buf[5];
    auto [n, from] = must(s2.recv_from(buf), "recv_from");
    REQUIRE(to_text(std::span(buf, n)) == kData1.substr(0, 5));
    std::byte rest[64];
    expect_datagram(s2, kData2, from);  // the tail of the first one is gone
    require_would_block(s2.recv_from(rest));
}

TEST_CASE("udp socket recv that would block re-arms for the next datagram", "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto [tx, rx] = connected_pair();
    must(poll.registry().register_source(rx, kId1, Interest::readable));
    std::byte buf[64];
    for (int round = 0; round < 3; ++round) {
        REQUIRE(must(tx.send(kData1)) == kData1.size());
        expect_events(poll, events, {{kId1, kReadable}});
        REQUIRE(must(rx.recv(buf)) == kData1.size());
        require_would_block(rx.recv(buf));
    }
}

TEST_CASE("udp socket recv_from that would block re-arms for the next datagram", "[udp_socket]") {
    auto [poll, events] = init_with_poll();
    auto tx = bind_local();
    auto rx = bind_local();
    must(poll.registry().register_source(rx, kId1, Interest::readable));
    for (int round = 0; round < 3; ++round) {
        REQUIRE(must(tx.send_to(kData1, must(rx.local_addr()))) == kData1.size());
        expect_events(poll, events, {{kId1, kReadable}});
        expect_datagram(rx, kData1, must(tx.local_addr()));
        std::byte buf[64];
        require_would_block(rx.recv_from(buf));
    }
    REQUIRE_FALSE(must(rx.take_error(), "take_error").has_value());
}
