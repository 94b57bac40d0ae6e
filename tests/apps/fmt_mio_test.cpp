// libpoll's value types format with fmt in the apps.
#include <catch2/catch.hpp>

#include "runtime/fmt_mio.hpp"

TEST_CASE("tokens, interests, events and addresses format with fmt", "[fmt]") {
    REQUIRE(fmt::format("{}", mio::Token{42}) == "42");
    REQUIRE(fmt::format("{:>4}", mio::Token{7}) == "   7");
    REQUIRE(fmt::format("{}", mio::Interest::readable | mio::Interest::writable) ==
            "READABLE | WRITABLE");
    REQUIRE(fmt::format("{}", mio::Event(mio::Token{3}, mio::Event::kReadable)) ==
            "Event { token: 3, readable }");
    REQUIRE(fmt::format("{}", mio::net::SocketAddr::v4({127, 0, 0, 1}, 80)) == "127.0.0.1:80");
    auto path = mio::net::UnixAddr::from_pathname("/tmp/x.sock");
    REQUIRE(path.has_value());
    REQUIRE(fmt::format("{}", *path) == "/tmp/x.sock");
}

TEST_CASE("a Poll, its Registry, a Waker and Events format with fmt", "[fmt]") {
    auto poll = mio::Poll::create();
    REQUIRE(poll.has_value());
    const std::string registry = mio::to_string(poll->registry());
    CHECK(fmt::format("{}", poll->registry()) == registry);
    CHECK(fmt::format("{}", *poll) == "Poll { registry: " + registry + " }");
    auto waker = mio::Waker::create(poll->registry(), mio::Token{1});
    REQUIRE(waker.has_value());
    CHECK(fmt::format("{}", *waker) == mio::to_string(*waker));
    const mio::Events events(4);
    CHECK(fmt::format("{}", events) == "Events { capacity: 4, [] }");
}
