// StreamProbe against real loopback servers: a connect-only probe passes, a send/expect
// exchange passes on the right reply and fails on a wrong one or an early close, and a
// refused connect fails on its first event (not at the caller's timeout).

#include <catch2/catch.hpp>

#include <string>

#include <mio/net/tcp_listener.hpp>
#include <mio/poll.hpp>

#include "runtime/stream_probe.hpp"
#include "test_util.hpp"

using namespace app;
using mio::test::must;

namespace {

constexpr mio::Token kProbe{7}, kServer{8}, kConn{9};

struct ProbeRig {
    mio::Poll poll = must(mio::Poll::create());
    mio::Events events{16};
    mio::net::TcpListener listener =
        must(mio::net::TcpListener::bind(mio::test::any_local_address()));
    StreamProbe probe;
    std::optional<mio::net::TcpStream> conn;  // the server's end, once accepted

    Endpoint address() { return Endpoint(must(listener.local_addr())); }

    /// Runs the probe to its verdict (bounded: wait_for_event fails after ~5 s). `serve` is
    /// called once with the accepted connection, if the server side is wanted.
    template <class Serve>
    std::string run(const ProbeScript& script, Serve serve) {
        must(probe.start(poll.registry(), address(), kProbe));
        must(poll.registry().register_source(listener, kServer, mio::Interest::readable));
        for (;;) {
            must(poll.poll(events, std::chrono::seconds(5)));
            REQUIRE_FALSE(events.empty());
            for (const mio::Event& e : events) {
                if (e.token() == kServer && !conn) {
                    auto accepted = listener.accept();
                    if (!accepted) continue;
                    conn.emplace(std::move(accepted->first));
                    serve(*conn);
                    must(poll.registry().register_source(*conn, kConn, mio::Interest::readable));
                }
                if (e.token() != kProbe) continue;
                if (auto verdict = probe.on_event(script)) {
                    probe.stop(poll.registry());
                    return *verdict;
                }
            }
        }
    }

    /// The first `n` bytes the server's end received (bounded wait).
    std::string received(std::size_t n) {
        std::string out;
        char buf[256];
        while (out.size() < n) {
            auto r = conn->read(std::span<char>(buf));
            if (r && *r == 0) break;
            if (r) {
                out.append(buf, *r);
                continue;
            }
            REQUIRE(mio::is_would_block(r.error()));
            (void)mio::test::wait_for_event(poll, events, kConn);
        }
        return out;
    }
};

/// Replies at once (the probe reads only after it has sent its request).
auto reply_with(std::string reply) {
    return [reply](mio::net::TcpStream& s) { must(s.write(std::string_view(reply))); };
}

}  // namespace

TEST_CASE("probe: connect-only passes once connected", "[runtime][probe]") {
    ProbeRig rig;
    CHECK(rig.run({}, [](mio::net::TcpStream&) {}) == "");
    CHECK_FALSE(rig.probe.running());
}

TEST_CASE("probe: send and expect pass on the expected reply", "[runtime][probe]") {
    ProbeRig rig;
    CHECK(rig.run({"PING\r\n", "+PONG"}, reply_with("+PONG\r\n")) == "");
    CHECK(rig.received(6) == "PING\r\n");
}

TEST_CASE("probe: a wrong reply or a close before the reply fails", "[runtime][probe]") {
    ProbeRig rig;
    CHECK(rig.run({"PING\r\n", "+PONG"}, reply_with("-ERR no\r\n")) == "unexpected reply");
    ProbeRig closing;
    CHECK(closing.run({"", "+PONG"}, [](mio::net::TcpStream& s) {
        must(s.shutdown(mio::net::Shutdown::both));
    }) == "closed before the expected reply");
}

TEST_CASE("probe: a refused connect fails on its first event", "[runtime][probe]") {
    mio::Poll poll = must(mio::Poll::create());
    mio::Events events(4);
    Endpoint dead(mio::test::any_local_address());
    {
        // A port that was just free: bound, then closed, so nothing listens on it.
        auto l = must(mio::net::TcpListener::bind(mio::test::any_local_address()));
        dead = Endpoint(must(l.local_addr()));
    }
    StreamProbe probe;
    auto started = probe.start(poll.registry(), dead, kProbe);
    if (!started) {
        CHECK(started.error() == std::errc::connection_refused);  // refused inside connect()
        return;
    }
    std::optional<std::string> verdict;
    while (!verdict) {
        (void)mio::test::wait_for_event(poll, events, kProbe);
        verdict = probe.on_event({});
    }
    CHECK(*verdict == std::make_error_code(std::errc::connection_refused).message());
    probe.stop(poll.registry());
}
