// UdpSocket::recv_batch, send_batch and connected: libpoll's extensions of mio's UdpSocket.
#include <catch2/catch.hpp>

#include <poll.h>

#include <array>
#include <cstring>
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

constexpr Token kId1{1};

UdpSocket bind_local() {
    return must(UdpSocket::bind(any_local_address()), "bind");
}

}  // namespace

// recv_batch (a libpoll extension): every queued datagram in one call, in order, with its
// source; a short batch re-arms, so the next datagram brings an event on every backend
// without a call that meets WouldBlock; truncation is reported with the full length.
TEST_CASE("UdpSocket::recv_batch takes what is queued; a short batch re-arms", "[udp]") {
    auto [poll, events] = init_with_poll();
    UdpSocket rx = bind_local(), tx = bind_local();
    const SocketAddr rx_addr = must(rx.local_addr()), tx_addr = must(tx.local_addr());
    must(poll.registry().register_source(rx, kId1, Interest::readable));
    for (int i = 0; i < 5; ++i)
        REQUIRE(must(tx.send_to("datagram " + std::to_string(i), rx_addr)) == 10);
    expect_events(poll, events, {{kId1, kReadable}});

    std::array<std::array<std::byte, 64>, 8> bufs{};
    std::array<mio::net::DatagramSlot, 8> slots;
    for (std::size_t i = 0; i < slots.size(); ++i)
        slots[i].buffer = bufs[i];
    REQUIRE(must(rx.recv_batch(slots), "recv_batch") == 5);  // short: the queue is empty
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(to_text(std::span(bufs[i].data(), slots[i].size)) == "datagram " + std::to_string(i));
        CHECK(slots[i].peer == tx_addr);
        CHECK_FALSE(slots[i].truncated);
    }
    // No call met WouldBlock, yet the next datagram is an event (poll(2): the short batch
    // re-armed).
    REQUIRE(must(tx.send_to(std::string(100, 'x'), rx_addr)) == 100);
    expect_events(poll, events, {{kId1, kReadable}});
    REQUIRE(must(rx.recv_batch(slots), "recv_batch") == 1);
    CHECK(slots[0].truncated);
    CHECK(slots[0].size == 100);
    require_would_block(rx.recv_batch(slots));
    std::span<mio::net::DatagramSlot> none;
    CHECK(must(rx.recv_batch(none)) == 0);
}

TEST_CASE("UdpSocket::recv_batch fills at most the slots given, then the rest", "[udp]") {
    UdpSocket rx = bind_local(), tx = bind_local();
    const SocketAddr rx_addr = must(rx.local_addr());
    for (int i = 0; i < 3; ++i)
        REQUIRE(must(tx.send_to(std::string(1, static_cast<char>('a' + i)), rx_addr)) == 1);
    std::array<std::byte, 8> b0{}, b1{};
    std::array<mio::net::DatagramSlot, 2> slots{};
    slots[0].buffer = b0;
    slots[1].buffer = b1;
    // The datagrams may still be on their way through loopback: wait for all three.
    std::string got;
    for (int round = 0; round < 1000 && got.size() < 3; ++round) {
        auto n = rx.recv_batch(slots);
        if (!n) {
            REQUIRE(mio::is_would_block(n.error()));
            pollfd p{rx.as_raw_fd(), POLLIN, 0};
            REQUIRE(::poll(&p, 1, 10'000) == 1);  // bounded: loopback delivers promptly
            continue;
        }
        REQUIRE(*n <= 2);
        for (std::size_t i = 0; i < *n; ++i)
            got += static_cast<char>(std::to_integer<int>(slots[i].buffer[0]));
    }
    CHECK(got == "abc");
}

// send_batch (a libpoll extension): several datagrams, each to its own peer, in one call.
TEST_CASE("UdpSocket::send_batch sends each slot's bytes to its peer, in order", "[udp]") {
    UdpSocket tx = bind_local(), rx1 = bind_local(), rx2 = bind_local();
    const SocketAddr tx_addr = must(tx.local_addr());
    std::array<std::string, 3> texts{"one", "two, longer", "three"};
    std::array<std::byte, 64> scratch{};  // room beyond `size` that must not be sent
    std::array<std::array<std::byte, 64>, 3> bufs{};
    std::array<mio::net::DatagramSlot, 3> slots;
    for (std::size_t i = 0; i < slots.size(); ++i) {
        std::memcpy(bufs[i].data(), texts[i].data(), texts[i].size());
        slots[i].buffer = bufs[i];
        slots[i].size = texts[i].size();
        slots[i].peer = must(i == 1 ? rx2.local_addr() : rx1.local_addr());
    }
    REQUIRE(must(tx.send_batch(slots), "send_batch") == 3);
    const auto receive = [&](const UdpSocket& rx) {
        pollfd p{rx.as_raw_fd(), POLLIN, 0};
        REQUIRE(::poll(&p, 1, 10'000) == 1);  // bounded: loopback delivers promptly
        auto [n, from] = must(rx.recv_from(scratch), "recv_from");
        CHECK(from == tx_addr);
        return to_text(std::span(scratch.data(), n));
    };
    CHECK(receive(rx1) == "one");
    CHECK(receive(rx1) == "three");
    CHECK(receive(rx2) == "two, longer");
    std::span<const mio::net::DatagramSlot> none;
    CHECK(must(tx.send_batch(none)) == 0);
}

TEST_CASE("UdpSocket::send_batch reports the first datagram's error", "[udp]") {
    UdpSocket tx = bind_local();
    std::array<std::byte, 8> buf{};
    std::array<mio::net::DatagramSlot, 1> slots;
    slots[0].buffer = buf;
    slots[0].size = buf.size();
    slots[0].peer = SocketAddr::v4({127, 0, 0, 1}, 0);  // port 0 is no destination
    auto sent = tx.send_batch(slots);
    REQUIRE_FALSE(sent);
    CHECK_FALSE(mio::is_would_block(sent.error()));
}

// connected(): one call less than bind + connect, for a proxy's per-session sockets.
TEST_CASE("UdpSocket::connected is connected to its peer on an ephemeral port", "[udp]") {
    UdpSocket server = bind_local(), stranger = bind_local();
    const SocketAddr server_addr = must(server.local_addr());
    UdpSocket client = must(UdpSocket::connected(server_addr), "connected");
    CHECK(must(client.peer_addr()) == server_addr);
    const SocketAddr client_addr = must(client.local_addr());
    CHECK(client_addr.is_ipv4());
    CHECK(client_addr.port() != 0);
    REQUIRE(must(client.send("ping")) == 4);
    std::array<std::byte, 16> buf{};
    pollfd p{server.as_raw_fd(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10'000) == 1);
    auto [n, from] = must(server.recv_from(buf));
    CHECK(to_text(std::span(buf.data(), n)) == "ping");
    CHECK(from == client_addr);
    // Only the peer's datagrams reach it: the stranger's is dropped by the kernel.
    REQUIRE(must(stranger.send_to("spam", client_addr)) == 4);
    REQUIRE(must(server.send_to("pong", client_addr)) == 4);
    pollfd c{client.as_raw_fd(), POLLIN, 0};
    REQUIRE(::poll(&c, 1, 10'000) == 1);
    CHECK(to_text(std::span(buf.data(), must(client.recv(buf)))) == "pong");
    require_would_block(client.recv(buf));
}
