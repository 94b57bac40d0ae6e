// The shared edge-triggered stream pump over real loopback TCP sockets: bytes arrive exactly
// and in order, backpressure stops reading at a full buffer, a FIN is forwarded only after the
// data before it, read and write failures are reported, and the round budget is kept.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <mio/net/tcp_listener.hpp>
#include <mio/poll.hpp>

#include "runtime/stream_pump.hpp"
#include "stream_pair.hpp"
#include "test_util.hpp"

using namespace app;
using mio::test::must;

using Pair = app::test::StreamPair;
using app::test::connected_pair;
using app::test::read_n;

TEST_CASE("pump relays bytes in order and forwards the FIN after them", "[runtime][pump]") {
    auto poll = must(mio::Poll::create());
    mio::Events events(16);
    auto listener = must(mio::net::TcpListener::bind(mio::test::any_local_address()));
    Pair a = connected_pair(listener);  // a.peer writes; a.stream is `from`
    Pair b = connected_pair(listener);  // b.stream is `to`; b.peer reads
    const mio::Token ta{1}, tb{2}, tpeer{3};
    must(poll.registry().register_source(a.stream, ta, mio::Interest::readable));
    must(poll.registry().register_source(b.stream, tb, mio::Interest::readable));
    must(poll.registry().register_source(b.peer, tpeer, mio::Interest::readable));
    BufferPool pool(1024, 4);
    IoBuffer buf;
    StreamSide from, to{.can_write = true};
    std::string sent;
    for (int i = 0; i < 200; ++i)
        sent += "line " + std::to_string(i) + "\n";
    must(a.peer.write(std::string_view(sent)));
    must(a.peer.shutdown(mio::net::Shutdown::write));
    PumpTally tally;
    Flow flow = Flow::idle;
    while (!to.shut) {
        // The edge says read_closed once the FIN is in: the pump reads on to the 0.
        from.on_event(mio::test::wait_for_event(poll, events, ta));
        to.can_write = true;
        do {
            flow = pump_stream(poll.registry(), {a.stream, from, ta}, {b.stream, to, tb}, buf, pool,
                               PumpPolicy{}, tally);
            REQUIRE((flow == Flow::idle || flow == Flow::more));
        } while (flow == Flow::more);
    }
    CHECK(tally.read == sent.size());
    CHECK(tally.written == sent.size());
    CHECK(from.eof);
    CHECK(read_n(poll, events, b.peer, tpeer, sent.size() + 1) == sent);  // then EOF
    CHECK(pool.in_use() == 0);  // an empty direction holds no buffer
}

TEST_CASE("pump stops reading when the buffer is full and nothing can be written",
          "[runtime][pump]") {
    auto poll = must(mio::Poll::create());
    mio::Events events(16);
    auto listener = must(mio::net::TcpListener::bind(mio::test::any_local_address()));
    Pair a = connected_pair(listener);
    Pair b = connected_pair(listener);
    must(poll.registry().register_source(a.stream, mio::Token{1}, mio::Interest::readable));
    must(poll.registry().register_source(b.stream, mio::Token{2}, mio::Interest::readable));
    BufferPool pool(1024, 4);
    IoBuffer buf;
    StreamSide from{.can_read = true}, to;  // `to` never writable: no event came for it
    must(a.peer.write(std::string_view(std::string(4096, 'x'))));
    (void)mio::test::wait_for_event(poll, events, mio::Token{1});
    from.can_read = true;
    PumpTally tally;
    const Flow flow = pump_stream(poll.registry(), {a.stream, from, mio::Token{1}},
                                  {b.stream, to, mio::Token{2}}, buf, pool, PumpPolicy{}, tally);
    CHECK(flow == Flow::idle);
    CHECK(tally.read == 1024);  // one buffer, then backpressure
    CHECK(buf.readable_bytes() == 1024);
    CHECK(from.can_read);  // more is waiting: read again once `to` takes bytes
}

TEST_CASE("pump reports Flow::finished at EOF when the FIN is not forwarded", "[runtime][pump]") {
    auto poll = must(mio::Poll::create());
    mio::Events events(16);
    auto listener = must(mio::net::TcpListener::bind(mio::test::any_local_address()));
    Pair a = connected_pair(listener);
    must(poll.registry().register_source(a.stream, mio::Token{1}, mio::Interest::readable));
    BufferPool pool(1024, 2);
    IoBuffer buf;
    StreamSide side{.can_write = true};
    must(a.peer.write(std::string_view("echo me")));
    must(a.peer.shutdown(mio::net::Shutdown::write));
    PumpTally tally;
    Flow flow = Flow::idle;
    while (flow != Flow::finished) {
        side.on_event(mio::test::wait_for_event(poll, events, mio::Token{1}));
        flow = pump_stream(poll.registry(), {a.stream, side, mio::Token{1}},
                           {a.stream, side, mio::Token{1}}, buf, pool,
                           PumpPolicy{.forward_fin = false}, tally);
        REQUIRE(flow != Flow::read_failed);
        REQUIRE(flow != Flow::write_failed);
    }
    CHECK(tally.written == 7);
    CHECK_FALSE(side.shut);  // the caller decides (mio-echo closes)
}

TEST_CASE("pump marks bulk data and asks to splice once the buffer is empty", "[runtime][pump]") {
    auto poll = must(mio::Poll::create());
    mio::Events events(16);
    auto listener = must(mio::net::TcpListener::bind(mio::test::any_local_address()));
    Pair a = connected_pair(listener);
    Pair b = connected_pair(listener);
    must(poll.registry().register_source(a.stream, mio::Token{1}, mio::Interest::readable));
    must(poll.registry().register_source(b.stream, mio::Token{2}, mio::Interest::readable));
    BufferPool pool(1024, 4);
    IoBuffer buf;
    StreamSide from, to{.can_write = true};
    bool bulk = false;
    must(a.peer.write(std::string_view(std::string(8192, 'y'))));
    (void)mio::test::wait_for_event(poll, events, mio::Token{1});
    from.can_read = true;
    PumpTally tally;
    const Flow flow =
        pump_stream(poll.registry(), {a.stream, from, mio::Token{1}}, {b.stream, to, mio::Token{2}},
                    buf, pool, PumpPolicy{.bulk = &bulk}, tally);
    CHECK(bulk);
    CHECK(flow == Flow::to_splice);
    CHECK(buf.empty());
    CHECK(tally.written == tally.read);
}

TEST_CASE("pump reports a write to a reset peer as write_failed", "[runtime][pump]") {
    auto poll = must(mio::Poll::create());
    mio::Events events(16);
    auto listener = must(mio::net::TcpListener::bind(mio::test::any_local_address()));
    Pair a = connected_pair(listener);
    Pair b = connected_pair(listener);
    must(poll.registry().register_source(a.stream, mio::Token{1}, mio::Interest::readable));
    must(poll.registry().register_source(b.stream, mio::Token{2}, mio::Interest::readable));
    must(b.peer.set_linger(std::chrono::seconds(0)));
    { auto gone = std::move(b.peer); }  // RST to b.stream
    (void)mio::test::wait_for_event(poll, events, mio::Token{2});
    BufferPool pool(1024, 4);
    IoBuffer buf;
    StreamSide from, to{.can_write = true};
    PumpTally tally;
    Flow flow = Flow::idle;
    for (int i = 0; i < 100 && flow != Flow::write_failed; ++i) {
        must(a.peer.write(std::string_view("data")));
        (void)mio::test::wait_for_event(poll, events, mio::Token{1});
        from.can_read = true;
        to.can_write = true;
        flow = pump_stream(poll.registry(), {a.stream, from, mio::Token{1}},
                           {b.stream, to, mio::Token{2}}, buf, pool, PumpPolicy{}, tally);
    }
    CHECK(flow == Flow::write_failed);
}
