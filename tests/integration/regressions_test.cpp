// mio's tests/regressions.rs (issue_776, issue_1205). issue_1403 lives with the Unix tests.
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/poll.hpp>
#include <mio/waker.hpp>

#include "test_util.hpp"

using namespace mio;
using namespace mio::test;
using namespace std::chrono_literals;

TEST_CASE("issue 776: dropping a connected stream ends the peer's blocking read", "[regressions]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(net::TcpListener::bind(any_local_address()));
    auto stream = must(net::TcpStream::connect(must(listener.local_addr())));
    must(
        poll.registry().register_source(stream, Token{1}, Interest::readable | Interest::writable));
    expect_events(poll, events, {{Token{1}, kWritable}});
    auto accepted = must(listener.accept());
    // The peer does a blocking read, as a plain client would.
    auto peer = std::move(accepted.first).into_fd();
    set_blocking(peer.get());
    char buf[8];
    require_would_block(stream.read(std::span<char>(buf)));
    std::thread reader([fd = peer.get()] {
        char b[8];
        REQUIRE(::read(fd, b, sizeof b) == 0);  // EOF once the stream is dropped
    });
    { auto dropped = std::move(stream); }
    reader.join();
}

TEST_CASE("issue 1205: a deregistered listener's pending readiness never reaches a poll",
          "[regressions]") {
    constexpr Token kListener{0};
    constexpr Token kWaker{1};
    auto [poll, events] = init_with_poll();
    auto waker = must(Waker::create(poll.registry(), kWaker));
    auto listener = must(net::TcpListener::bind(any_local_address()));
    must(poll.registry().register_source(listener, kListener, Interest::readable));
    must(poll.poll(events, 0ns));
    REQUIRE(events.empty());
    auto client = must(net::TcpStream::connect(must(listener.local_addr())));
    must(poll.registry().deregister_source(listener));
    std::thread t([&] { must(waker.wake()); });
    must(poll.poll(events, std::nullopt));
    t.join();
    INFO(describe(events));
    REQUIRE(events.size() == 1);
    REQUIRE(events.begin()->token() == kWaker);
    REQUIRE(events.begin()->is_readable());
}
