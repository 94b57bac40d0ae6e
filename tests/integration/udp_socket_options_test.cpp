// UdpSocket socket options and multicast (mio's tests/udp_socket.rs, second half).
#include <catch2/catch.hpp>

#include <net/if.h>

#include <array>
#include <string>

#include <mio/net/udp_socket.hpp>
#include <mio/poll.hpp>

#include "inet_peer.hpp"
#include "test_util.hpp"

using mio::Interest;
using mio::Token;
using mio::net::SocketAddr;
using mio::net::UdpSocket;
using namespace mio::test;

namespace {

constexpr std::array<std::uint8_t, 4> kGroup{227, 1, 1, 100};
constexpr std::array<std::uint8_t, 4> kLoopback{127, 0, 0, 1};
constexpr std::array<std::uint8_t, 16> kGroupV6{0xff, 0x01, 0, 0, 0, 0, 0,    0,
                                                0,    0,    0, 0, 0, 0, 0x12, 0x34};

UdpSocket bind_v4() {
    return must(UdpSocket::bind(any_local_address()), "bind");
}

}  // namespace

TEST_CASE("udp socket ttl round-trips", "[udp_socket]") {
    auto socket = bind_v4();
    REQUIRE(must(socket.ttl()) >= 1);  // readable without a previous set
    must(socket.set_ttl(10), "set_ttl");
    REQUIRE(must(socket.ttl()) == 10);
    REQUIRE_FALSE(must(socket.take_error(), "take_error").has_value());
}

TEST_CASE("udp socket broadcast round-trips", "[udp_socket]") {
    auto socket = bind_v4();
    REQUIRE_FALSE(must(socket.broadcast()));
    must(socket.set_broadcast(true), "set_broadcast");
    REQUIRE(must(socket.broadcast()));
    must(socket.set_broadcast(false), "set_broadcast");
    REQUIRE_FALSE(must(socket.broadcast()));
}

TEST_CASE("udp socket ipv4 multicast loop and ttl round-trip", "[udp_socket]") {
    auto socket = bind_v4();
    REQUIRE(must(socket.multicast_loop_v4()));  // on by default
    must(socket.set_multicast_loop_v4(false), "set_multicast_loop_v4");
    REQUIRE_FALSE(must(socket.multicast_loop_v4()));
    must(socket.set_multicast_loop_v4(true), "set_multicast_loop_v4");
    REQUIRE(must(socket.multicast_loop_v4()));

    REQUIRE(must(socket.multicast_ttl_v4()) == 1);  // the default keeps it on the link
    must(socket.set_multicast_ttl_v4(10), "set_multicast_ttl_v4");
    REQUIRE(must(socket.multicast_ttl_v4()) == 10);
    REQUIRE_FALSE(socket.set_multicast_ttl_v4(256).has_value());
}

TEST_CASE("udp socket ipv6 options round-trip", "[udp_socket][ipv6]") {
    if (!ipv6_available()) {
        WARN("skipped: this machine cannot bind [::1]");
        return;
    }
    auto socket = must(UdpSocket::bind(any_local_ipv6_address()), "bind");
    REQUIRE(must(socket.multicast_loop_v6()));
    must(socket.set_multicast_loop_v6(false), "set_multicast_loop_v6");
    REQUIRE_FALSE(must(socket.multicast_loop_v6()));
    must(socket.set_multicast_hops_v6(7), "set_multicast_hops_v6");
    REQUIRE(must(socket.multicast_hops_v6()) == 7);
    (void)must(socket.only_v6());  // the default follows net.ipv6.bindv6only
}

TEST_CASE("udp socket only_v6 round-trips on an unbound socket", "[udp_socket][ipv6]") {
    if (!ipv6_available()) {
        WARN("skipped: this machine cannot bind [::1]");
        return;
    }
    // The flag must be set before bind, so adopt an unbound socket through from_fd.
    auto socket = must(UdpSocket::from_fd(plain_socket(AF_INET6, SOCK_DGRAM)), "from_fd");
    must(socket.set_only_v6(true), "set_only_v6");
    REQUIRE(must(socket.only_v6()));
    must(socket.set_only_v6(false), "set_only_v6");
    REQUIRE_FALSE(must(socket.only_v6()));
}

TEST_CASE("udp socket joined to an ipv4 multicast group receives its own datagram",
          "[udp_socket][multicast]") {
    auto [poll, events] = init_with_poll();
    auto rx = must(UdpSocket::bind(SocketAddr::v4({0, 0, 0, 0}, 0)), "bind");
    auto joined = rx.join_multicast_v4(kGroup, kLoopback);
    if (!joined) {
        WARN("skipped: the kernel refused IP_ADD_MEMBERSHIP on 127.0.0.1: "
             << joined.error().message());
        return;
    }
    auto tx = must(UdpSocket::bind(any_local_address()), "bind");  // sends out of lo
    must(poll.registry().register_source(rx, Token{1}, Interest::readable));
    const SocketAddr group_addr = SocketAddr::v4(kGroup, must(rx.local_addr()).port());
    auto sent = tx.send_to("multicast", group_addr);
    if (!sent && (sent.error() == std::errc::network_unreachable ||
                  sent.error() == std::errc::no_such_device)) {
        WARN("skipped: no multicast route on loopback: " << sent.error().message());
        return;
    }
    REQUIRE(must(std::move(sent), "send_to") == 9);

    expect_events(poll, events, {{Token{1}, kReadable}});
    std::byte buf[32];
    auto [n, from] = must(rx.recv_from(buf), "recv_from");
    REQUIRE(to_text(std::span(buf, n)) == "multicast");
    REQUIRE(from == must(tx.local_addr()));

    must(rx.leave_multicast_v4(kGroup, kLoopback), "leave_multicast_v4");
    auto again = rx.leave_multicast_v4(kGroup, kLoopback);
    REQUIRE_FALSE(again.has_value());  // not a member any more
}

TEST_CASE("udp socket rejects joining a unicast address as a group", "[udp_socket][multicast]") {
    auto socket = bind_v4();
    auto r = socket.join_multicast_v4(kLoopback, kLoopback);
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == std::errc::invalid_argument);
}

TEST_CASE("udp socket joins and leaves an ipv6 multicast group on loopback",
          "[udp_socket][multicast][ipv6]") {
    if (!ipv6_available()) {
        WARN("skipped: this machine cannot bind [::1]");
        return;
    }
    const unsigned lo = ::if_nametoindex("lo");
    if (lo == 0) {
        WARN("skipped: no interface named lo");
        return;
    }
    std::array<std::uint8_t, 16> any{};
    auto socket = must(UdpSocket::bind(SocketAddr::v6(any, 0)), "bind");
    auto joined = socket.join_multicast_v6(kGroupV6, lo);
    if (!joined) {
        WARN("skipped: the kernel refused IPV6_ADD_MEMBERSHIP on lo: " << joined.error().message());
        return;
    }
    // Loopback carries no IPv6 multicast on Linux (sending gives ENETUNREACH), so only the
    // membership itself is checked: joining twice is refused, leaving works once.
    REQUIRE_FALSE(socket.join_multicast_v6(kGroupV6, lo).has_value());
    must(socket.leave_multicast_v6(kGroupV6, lo), "leave_multicast_v6");
    REQUIRE_FALSE(socket.leave_multicast_v6(kGroupV6, lo).has_value());
}
