// StreamRelay over real loopback TCP sockets: bytes arrive exactly and in order whichever way
// a direction goes (buffer or splice pipe), automatic splices bulk and copies small messages,
// always splices from the first byte, off never splices, and a direction that finds no pipe
// copies instead. The FIN is forwarded after the data in every mode.

#include <catch2/catch.hpp>

#include <string>

#include <mio/net/tcp_listener.hpp>
#include <mio/poll.hpp>

#include "runtime/stream_relay.hpp"
#include "stream_pair.hpp"
#include "test_util.hpp"

using namespace app;
using mio::test::must;

namespace {

constexpr mio::Token kFrom{1}, kTo{2}, kWriter{3}, kReader{4};

/// a.peer -> a.stream -> (relay) -> b.stream -> b.peer, all in this thread.
struct RelayRig {
    mio::Poll poll = must(mio::Poll::create());
    mio::Events events{16};
    mio::net::TcpListener listener =
        must(mio::net::TcpListener::bind(mio::test::any_local_address()));
    test::StreamPair a = test::connected_pair(listener);
    test::StreamPair b = test::connected_pair(listener);
    StreamSide from, to{.can_write = true};
    RelayDirection dir;

    RelayRig() {
        auto& r = poll.registry();
        must(r.register_source(a.stream, kFrom, mio::Interest::readable));
        must(r.register_source(b.stream, kTo, mio::Interest::readable));
        must(r.register_source(a.peer, kWriter, mio::Interest::writable));
        must(r.register_source(b.peer, kReader, mio::Interest::readable));
    }

    /// Writes `data` into a.peer (then its FIN if `fin`) and returns what b.peer receives: all
    /// of `data`, then (with `fin`) up to the EOF. Bounded: fails after ten idle seconds.
    std::string send(StreamRelay& relay, const std::string& data, bool fin) {
        std::string got;
        std::size_t written = 0;
        bool shut = false, eof = false;
        for (;;) {
            while (written < data.size()) {
                auto n = a.peer.write(std::string_view(data).substr(written));
                if (!n) {
                    REQUIRE(mio::is_would_block(n.error()));
                    break;
                }
                written += *n;
            }
            if (fin && written == data.size() && !shut) {
                must(a.peer.shutdown(mio::net::Shutdown::write));
                shut = true;
            }
            PumpTally tally;
            Flow flow = Flow::more;
            while (flow == Flow::more) {
                flow = relay.pump(poll.registry(), {a.stream, from, kFrom}, {b.stream, to, kTo},
                                  dir, true, tally);
            }
            REQUIRE(flow == Flow::idle);
            eof = drain(got);
            if (eof || (!fin && got.size() == data.size())) return got;
            must(poll.poll(events, std::chrono::seconds(10)));
            REQUIRE_FALSE(events.empty());
            for (const mio::Event& e : events) {
                if (e.token() == kFrom) from.on_event(e);
                if (e.token() == kTo) to.on_event(e);
            }
        }
    }

    /// Reads what b.peer has; true at EOF.
    bool drain(std::string& got) {
        char buf[65536];
        for (;;) {
            auto n = b.peer.read(std::span<char>(buf));
            if (!n) {
                REQUIRE(mio::is_would_block(n.error()));
                return false;
            }
            if (*n == 0) return true;
            got.append(buf, *n);
        }
    }
};

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

}  // namespace

TEST_CASE("relay automatic: bulk goes through a pipe, small messages through the buffer",
          "[runtime][relay]") {
    RelayRig rig;
    BufferPool buffers(16 * 1024, 8);
    PipePool pipes(16 * 1024, 4, buffers);
    StreamRelay relay(buffers, pipes, SpliceMode::automatic);
    relay.start(rig.dir);
    CHECK(rig.send(relay, "hello", false) == "hello");
    CHECK(relay.spliced_bytes() == 0);  // small: copied

    const std::string bulk = pattern(4 << 20);
    CHECK(rig.send(relay, bulk, false) == bulk);
    CHECK(relay.spliced_bytes() > 0);
    CHECK(relay.spliced_bytes() <= bulk.size());

    const auto spliced = relay.spliced_bytes();
    CHECK(rig.send(relay, "small again", false) == "small again");
    CHECK(rig.send(relay, "and again", false) == "and again");
    CHECK(relay.spliced_bytes() - spliced <= 11);    // at most the message that ended the bulk
    CHECK(pipes.in_use() == 0);                      // the pipe went back once empty
    CHECK(rig.send(relay, "last", true) == "last");  // then EOF
    CHECK(rig.to.shut);
}

TEST_CASE("relay always splices from the first byte and forwards the FIN", "[runtime][relay]") {
    RelayRig rig;
    BufferPool buffers(16 * 1024, 8);
    PipePool pipes(16 * 1024, 4, buffers);
    StreamRelay relay(buffers, pipes, SpliceMode::always);
    relay.start(rig.dir);
    const std::string data = pattern(300'000);
    CHECK(rig.send(relay, data, true) == data);
    CHECK(relay.spliced_bytes() == data.size());
    CHECK(buffers.in_use() == 1);  // the pipe counts against the budget while held
    rig.dir.pipe.reset();
    CHECK(buffers.in_use() == 0);
}

TEST_CASE("relay off copies everything", "[runtime][relay]") {
    RelayRig rig;
    BufferPool buffers(16 * 1024, 8);
    PipePool pipes(16 * 1024, 4, buffers);
    StreamRelay relay(buffers, pipes, SpliceMode::off);
    relay.start(rig.dir);
    const std::string data = pattern(1 << 20);
    CHECK(rig.send(relay, data, true) == data);
    CHECK(relay.spliced_bytes() == 0);
    CHECK(pipes.refused_total() == 0);  // never asked
}

TEST_CASE("relay copies when no pipe can be had, and counts the refusal", "[runtime][relay]") {
    RelayRig rig;
    BufferPool buffers(16 * 1024, 8);
    PipePool pipes(16 * 1024, 0, buffers);  // no pipes at all
    StreamRelay relay(buffers, pipes, SpliceMode::automatic);
    relay.start(rig.dir);
    const std::string data = pattern(1 << 20);
    CHECK(rig.send(relay, data, true) == data);
    CHECK(relay.spliced_bytes() == 0);
    CHECK(pipes.refused_total() > 0);
}

TEST_CASE("relay: a reload to off finishes the pipe, then copies", "[runtime][relay]") {
    RelayRig rig;
    BufferPool buffers(16 * 1024, 8);
    PipePool pipes(16 * 1024, 4, buffers);
    StreamRelay relay(buffers, pipes, SpliceMode::always);
    relay.start(rig.dir);
    CHECK(rig.send(relay, "spliced", false) == "spliced");
    CHECK(relay.spliced_bytes() == 7);
    relay.set_mode(SpliceMode::off);
    CHECK(relay.mode() == SpliceMode::off);
    const std::string data = pattern(200'000);
    CHECK(rig.send(relay, data, true) == data);
    CHECK(relay.spliced_bytes() == 7);
    CHECK(pipes.in_use() == 0);
}
