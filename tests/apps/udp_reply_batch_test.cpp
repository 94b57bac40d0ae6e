// UdpReplyBatch: replies gathered per listening socket and sent with one send_batch, through
// real sockets on loopback.

#include <catch2/catch.hpp>

#include <poll.h>

#include <array>
#include <string>
#include <vector>

#include <mio/net/udp_socket.hpp>

#include "test_util.hpp"
#include "udp_reply_batch.hpp"

using app::UdpReplyBatch;
using mio::net::SocketAddr;
using mio::net::UdpSocket;
using mio::test::must;

namespace {

UdpSocket bind_local() {
    return must(UdpSocket::bind(SocketAddr::v4({127, 0, 0, 1}, 0)), "bind");
}

std::span<const std::byte> bytes(const std::string& text) {
    return std::as_bytes(std::span(text.data(), text.size()));
}

// The next datagram on `rx` (waiting at most 10 s: loopback delivers promptly) and its source.
std::pair<std::string, SocketAddr> next_datagram(const UdpSocket& rx) {
    pollfd p{rx.as_raw_fd(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10'000) == 1);
    std::array<std::byte, 2048> buf{};
    auto [n, from] = must(rx.recv_from(buf), "recv_from");
    return {std::string(reinterpret_cast<const char*>(buf.data()), n), from};
}

}  // namespace

TEST_CASE("reply batch sends every reply to its client, in order, from the socket",
          "[proxy][udp]") {
    UdpSocket listener = bind_local(), a = bind_local(), b = bind_local();
    const SocketAddr from = must(listener.local_addr());
    UdpReplyBatch batch;
    CHECK(batch.empty());
    std::vector<std::string> sent_to_a;
    for (int i = 0; i < 5; ++i) {
        const std::string text = "reply " + std::to_string(i) + std::string(i * 100, 'x');
        REQUIRE(batch.fits_with(3, text.size()));
        batch.add(3, 7, bytes(text), must(i == 2 ? b.local_addr() : a.local_addr()));
        if (i != 2) sent_to_a.push_back(text);
    }
    CHECK(batch.binding() == 3);
    CHECK(batch.listener() == 7);
    const UdpReplyBatch::Outcome out = batch.flush(listener);
    CHECK(out.sent == 5);
    CHECK(out.sent_bytes == 5 * 7 + 1000);
    CHECK(out.busy == 0);
    CHECK(out.failed == 0);
    CHECK(batch.empty());
    for (const std::string& text : sent_to_a)
        CHECK(next_datagram(a) == std::pair{text, from});
    CHECK(next_datagram(b).first == "reply 2" + std::string(200, 'x'));
}

TEST_CASE("reply batch holds one binding's replies, up to its slots and arena", "[proxy][udp]") {
    UdpReplyBatch batch;
    const SocketAddr to = SocketAddr::v4({127, 0, 0, 1}, 9);
    CHECK(batch.fits_with(1, UdpReplyBatch::kArenaBytes));  // empty: anything fits
    const std::string small = "x";
    batch.add(1, 0, bytes(small), to);
    CHECK_FALSE(batch.fits_with(2, 1));  // another socket's reply: flush first
    CHECK(batch.fits_with(1, UdpReplyBatch::kArenaBytes - 1));
    CHECK_FALSE(batch.fits_with(1, UdpReplyBatch::kArenaBytes));  // no arena room
    for (std::size_t i = 1; i < UdpReplyBatch::kMaxReplies; ++i)
        batch.add(1, 0, bytes(small), to);
    CHECK_FALSE(batch.fits_with(1, 1));  // every slot taken
    CHECK(batch.discard() == UdpReplyBatch::kMaxReplies);
    CHECK(batch.empty());
    CHECK(batch.fits_with(2, 1));
}

TEST_CASE("reply batch counts a reply the socket refuses and sends the rest", "[proxy][udp]") {
    UdpSocket listener = bind_local(), a = bind_local();
    UdpReplyBatch batch;
    const std::string one = "one", two = "two";
    batch.add(0, 0, bytes(one), must(a.local_addr()));
    batch.add(0, 0, bytes(one), SocketAddr::v4({127, 0, 0, 1}, 0));  // port 0: refused
    batch.add(0, 0, bytes(two), must(a.local_addr()));
    const UdpReplyBatch::Outcome out = batch.flush(listener);
    CHECK(out.sent == 2);
    CHECK(out.failed == 1);
    CHECK(out.busy == 0);
    CHECK(next_datagram(a).first == "one");
    CHECK(next_datagram(a).first == "two");
}
