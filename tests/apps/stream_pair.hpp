#pragma once
// Real loopback TCP pairs for the pump and relay tests: the test holds one end (`peer`), the
// code under test the other (`stream`, wrapped as the daemons wrap it).

#include <catch2/catch.hpp>

#include <string>

#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/poll.hpp>

#include "runtime/stream.hpp"
#include "test_util.hpp"

namespace app::test {

struct StreamPair {
    mio::net::TcpStream peer;  // the test's end
    Stream stream;             // the pumped end
};

/// Connects to `listener` and accepts, waiting (bounded) for the connection to arrive. The
/// listener is registered with a poll of its own only while this waits.
inline StreamPair connected_pair(mio::net::TcpListener& listener) {
    using mio::test::must;
    auto client = must(mio::net::TcpStream::connect(must(listener.local_addr())));
    auto poll = must(mio::Poll::create());
    mio::Events events(4);
    must(poll.registry().register_source(listener, mio::Token{1}, mio::Interest::readable));
    for (;;) {
        auto accepted = listener.accept();
        if (accepted) {
            must(poll.registry().deregister_source(listener));
            return StreamPair{std::move(client), Stream(std::move(accepted->first))};
        }
        REQUIRE(mio::is_would_block(accepted.error()));
        (void)mio::test::wait_for_event(poll, events, mio::Token{1});  // fails after ~5 s
    }
}

/// Reads from `s` until `n` bytes came or EOF, polling `poll` (where `s` is registered with
/// token `t`) for readable.
inline std::string read_n(mio::Poll& poll, mio::Events& events, mio::net::TcpStream& s,
                          mio::Token t, std::size_t n) {
    std::string out;
    char buf[4096];
    while (out.size() < n) {
        auto r = s.read(std::span<char>(buf));
        if (r && *r == 0) break;
        if (r) {
            out.append(buf, *r);
            continue;
        }
        REQUIRE(mio::is_would_block(r.error()));
        (void)mio::test::wait_for_event(poll, events, t);
    }
    return out;
}

}  // namespace app::test
