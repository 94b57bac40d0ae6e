// Registration rules: mio's tests/registering.rs plus the portable error rules of R4.
#include <fcntl.h>
#include <unistd.h>

#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/net/udp_socket.hpp>
#include <mio/poll.hpp>
#include <mio/posix/source_fd.hpp>

#include "test_util.hpp"

using namespace mio;
using namespace mio::test;
using namespace std::chrono_literals;
using net::TcpListener;
using net::TcpStream;
using net::UdpSocket;

namespace {
TcpStream accept_one(TcpListener& listener) {
    for (int i = 0; i < 1000000; ++i) {
        auto accepted = listener.accept();
        if (accepted) return std::move(accepted->first);
        REQUIRE(is_would_block(accepted.error()));
    }
    FAIL("no connection to accept");
    throw;
}
}  // namespace

TEST_CASE("register, reregister and deregister a connection end to end", "[registering]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    must(poll.registry().register_source(listener, Token{0}, Interest::readable));
    auto client = must(TcpStream::connect(must(listener.local_addr())));
    must(poll.registry().register_source(client, Token{1}, Interest::readable));

    expect_events(poll, events, {{Token{0}, kReadable}});
    auto server = accept_one(listener);
    must(server.write(std::string_view("foobar")));

    expect_events(poll, events, {{Token{1}, kReadable}});
    must(poll.registry().reregister_source(client, Token{1}, Interest::writable));
    expect_events(poll, events, {{Token{1}, kWritable}});

    must(poll.registry().deregister_source(listener));
    must(poll.registry().deregister_source(client));
    must(poll.poll(events, 100ms));
    REQUIRE(events.empty());
}

TEST_CASE("readiness that arose before a reregister to another interest is not delivered",
          "[registering]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    must(poll.registry().register_source(listener, Token{0}, Interest::readable));
    auto client = must(TcpStream::connect(must(listener.local_addr())));
    // A connection is pending, but before polling we switch to writable-only.
    must(poll.registry().reregister_source(listener, Token{0}, Interest::writable));
    must(poll.poll(events, 200ms));
    INFO(describe(events));
    REQUIRE(events.empty());
}

TEST_CASE("a tcp source registered with one poll cannot be registered with another",
          "[registering]") {
    auto [poll1, events1] = init_with_poll();
    auto [poll2, events2] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    auto stream = must(TcpStream::connect(must(listener.local_addr())));
    must(poll1.registry().register_source(listener, Token{0}, Interest::readable));
    must(poll1.registry().register_source(stream, Token{1}, Interest::readable));
    auto l2 = poll2.registry().register_source(listener, Token{0}, Interest::readable);
    auto s2 = poll2.registry().register_source(stream, Token{1}, Interest::readable);
    REQUIRE(l2.error() == Errc::already_registered);
    REQUIRE(s2.error() == Errc::already_registered);
    REQUIRE(l2.error().message().find("already registered with a Registry") != std::string::npos);
}

TEST_CASE("a udp source registered with one poll cannot be registered with another",
          "[registering]") {
    auto [poll1, events1] = init_with_poll();
    auto [poll2, events2] = init_with_poll();
    auto udp = must(UdpSocket::bind(any_local_address()));
    must(poll1.registry().register_source(udp, Token{0}, Interest::readable));
    auto again = poll2.registry().register_source(udp, Token{0}, Interest::readable);
    REQUIRE(again.error() == Errc::already_registered);
}

TEST_CASE("reregistering through another poll's registry is refused", "[registering]") {
    auto [poll1, events1] = init_with_poll();
    auto [poll2, events2] = init_with_poll();
    auto udp = must(UdpSocket::bind(any_local_address()));
    must(poll1.registry().register_source(udp, Token{0}, Interest::readable));
    auto re = poll2.registry().reregister_source(udp, Token{0}, Interest::writable);
    REQUIRE(re.error() == Errc::registered_with_other_registry);
    REQUIRE(re.error() == std::errc::file_exists);
    auto de = poll2.registry().deregister_source(udp);
    REQUIRE(de.error() == Errc::not_registered);
    // The refusals changed nothing: the first poll still owns it.
    must(poll1.registry().reregister_source(udp, Token{5}, Interest::writable));
    expect_events(poll1, events1, {{Token{5}, kWritable}});
    expect_no_events(poll2, events2);
}

TEST_CASE("a cloned registry counts as the same poll", "[registering]") {
    auto [poll, events] = init_with_poll();
    auto clone = must(poll.registry().try_clone());
    auto udp = must(UdpSocket::bind(any_local_address()));
    must(clone.register_source(udp, Token{1}, Interest::readable));
    must(poll.registry().reregister_source(udp, Token{2}, Interest::writable));
    expect_events(poll, events, {{Token{2}, kWritable}});
    must(clone.deregister_source(udp));
}

TEST_CASE("registering again after deregistering reports only fresh readiness", "[registering]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    must(poll.registry().register_source(listener, Token{1}, Interest::readable));
    must(poll.registry().deregister_source(listener));
    must(poll.registry().register_source(listener, Token{1}, Interest::readable));
    must(poll.poll(events, 100ms));
    REQUIRE(events.empty());
    auto client = must(TcpStream::connect(must(listener.local_addr())));
    expect_events(poll, events, {{Token{1}, kReadable}});
}

TEST_CASE("a foreign fd gets the OS's answers for double and missing registrations",
          "[registering][source_fd]") {
    auto [poll, events] = init_with_poll();
    int fds[2];
    REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    posix::SourceFd source{fds[0]};
    auto missing = poll.registry().deregister_source(source);
    REQUIRE(missing.error() == std::errc::no_such_file_or_directory);
    auto missing_re = poll.registry().reregister_source(source, Token{1}, Interest::readable);
    REQUIRE(missing_re.error() == std::errc::no_such_file_or_directory);
    must(poll.registry().register_source(source, Token{1}, Interest::readable));
    auto twice = poll.registry().register_source(source, Token{1}, Interest::readable);
    REQUIRE(twice.error() == std::errc::file_exists);
    REQUIRE(::write(fds[1], "x", 1) == 1);
    expect_events(poll, events, {{Token{1}, kReadable}});
    must(poll.registry().deregister_source(source));
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_CASE("a foreign fd is reported again after reregistering", "[registering][source_fd]") {
    auto [poll, events] = init_with_poll();
    int fds[2];
    REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    posix::SourceFd source{fds[0]};
    must(poll.registry().register_source(source, Token{1}, Interest::readable));
    REQUIRE(::write(fds[1], "x", 1) == 1);
    expect_events(poll, events, {{Token{1}, kReadable}});
    char c;
    REQUIRE(::read(fds[0], &c, 1) == 1);
    REQUIRE(::write(fds[1], "y", 1) == 1);
    // libpoll does not see raw I/O on a foreign fd: re-registering is the portable re-arm.
    must(poll.registry().reregister_source(source, Token{2}, Interest::readable));
    expect_events(poll, events, {{Token{2}, kReadable}});
    must(poll.registry().deregister_source(source));
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_CASE("registering something that is not pollable fails cleanly", "[registering]") {
    auto [poll, events] = init_with_poll();
    posix::SourceFd closed{-1};
    auto r = poll.registry().register_source(closed, Token{1}, Interest::readable);
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == std::errc::bad_file_descriptor);
}
