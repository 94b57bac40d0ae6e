// ListenerSet with real sockets: accepting hands each stream to the typed handler, a closed
// gate pauses accepting (clients stay in the backlog) until resumed, datagram sockets reach
// their own handler, a busy socket is queued behind the other events, and closing releases
// the endpoint.

#include <catch2/catch.hpp>

#include <vector>

#include <mio/net/tcp_stream.hpp>
#include <mio/net/udp_socket.hpp>
#include <mio/poll.hpp>

#include "runtime/listener_set.hpp"
#include "test_util.hpp"

using namespace app;
using mio::test::must;

namespace {

const std::vector<Endpoint> kLoopback{*Endpoint::parse("127.0.0.1:0")};

struct Fixture {
    mio::Poll poll = must(mio::Poll::create());
    mio::Events events{16};
    ListenerMetrics metrics;
    std::vector<std::string> accepted_by;
    std::vector<Stream> accepted;
    bool gate_open = true;
    int udp_calls = 0;
    ListenerSet set{poll.registry(),
                    ListenerHandlers{
                        .may_accept = [this] { return gate_open; },
                        .on_accept =
                            [this](const BindingOwner& owner, StreamListener::Accepted a) {
                                accepted_by.push_back(owner.name);
                                accepted.push_back(std::move(a.stream));
                            },
                        .on_udp =
                            [this](UdpBinding& b) {
                                std::array<std::byte, 64> buf;
                                while (b.socket->recv_from(buf))
                                    ++udp_calls;
                                return false;
                            },
                        .on_unix_datagram = {},
                    }};

    // Polls once and hands every event to the set (they are all the set's here).
    void turn() {
        must(poll.poll(events, std::chrono::milliseconds(500)));
        for (const auto& e : events)
            set.handle(TokenId::of(e.token()));
        set.run_ready();
    }
};

mio::net::SocketAddr addr_of(const std::string& text) {
    return must(mio::net::SocketAddr::parse(text));
}

}  // namespace

TEST_CASE("listener set accepts every pending client and names the owner", "[runtime][listeners]") {
    Fixture f;
    const auto actual = f.set.open(
        {{7, "web", &f.metrics}, ListenerSet::Transport::stream, false, std::span(kLoopback)});
    REQUIRE(actual.size() == 1);
    std::vector<mio::net::TcpStream> clients;
    for (int i = 0; i < 3; ++i)
        clients.push_back(must(mio::net::TcpStream::connect(addr_of(actual[0]))));
    for (int i = 0; i < 10 && f.accepted.size() < 3; ++i)
        f.turn();
    CHECK(f.accepted.size() == 3);
    CHECK(f.accepted_by == std::vector<std::string>{"web", "web", "web"});
    CHECK(f.set.open_count() == 1);
}

TEST_CASE("listener set pauses while the gate is closed and resumes", "[runtime][listeners]") {
    Fixture f;
    const auto actual = f.set.open(
        {{0, "gated", &f.metrics}, ListenerSet::Transport::stream, false, std::span(kLoopback)});
    f.gate_open = false;
    auto client = must(mio::net::TcpStream::connect(addr_of(actual[0])));
    f.turn();
    CHECK(f.accepted.empty());
    CHECK(f.set.next_deadline().has_value());  // it retries on its own
    f.gate_open = true;
    f.set.resume_accepting();  // e.g. a connection closed
    CHECK(f.set.has_ready());
    f.set.run_ready();
    CHECK(f.accepted.size() == 1);
}

TEST_CASE("listener set hands datagram sockets to their handler", "[runtime][listeners]") {
    Fixture f;
    const auto actual = f.set.open(
        {{1, "dns", &f.metrics}, ListenerSet::Transport::datagram, false, std::span(kLoopback)});
    auto sender = must(mio::net::UdpSocket::bind(addr_of("127.0.0.1:0")));
    for (int i = 0; i < 3; ++i)
        must(sender.send_to(std::string_view("q"), addr_of(actual[0])));
    for (int i = 0; i < 10 && f.udp_calls < 3; ++i)
        f.turn();
    CHECK(f.udp_calls == 3);
    CHECK(f.accepted.empty());
}

TEST_CASE("listener set closes an owner's sockets and frees the port", "[runtime][listeners]") {
    Fixture f;
    const auto actual = f.set.open(
        {{2, "gone", &f.metrics}, ListenerSet::Transport::stream, false, std::span(kLoopback)});
    f.set.close_owner(2);
    CHECK(f.set.open_count() == 0);
    // The port can be bound again at once (nothing of ours holds it).
    const std::vector<Endpoint> same{*Endpoint::parse(actual[0])};
    CHECK(
        f.set
            .open(
                {{3, "again", &f.metrics}, ListenerSet::Transport::stream, false, std::span(same)})
            .size() == 1);
}

TEST_CASE("listener set names the endpoint when a bind fails", "[runtime][listeners]") {
    Fixture f;
    const auto actual = f.set.open(
        {{0, "first", &f.metrics}, ListenerSet::Transport::stream, false, std::span(kLoopback)});
    const std::vector<Endpoint> taken{*Endpoint::parse(actual[0])};
    CHECK_THROWS_WITH(
        f.set.open(
            {{1, "second", &f.metrics}, ListenerSet::Transport::stream, false, std::span(taken)}),
        Catch::Contains("listener 'second': cannot bind " + actual[0]));
}
