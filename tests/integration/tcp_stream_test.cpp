// TcpStream (mio's tests/tcp_stream.rs).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/poll.hpp>

#include "inet_peer.hpp"
#include "test_util.hpp"

using namespace std::chrono_literals;
using mio::Interest;
using mio::is_would_block;
using mio::Token;
using mio::UniqueFd;
using mio::net::Shutdown;
using mio::net::SocketAddr;
using mio::net::TcpStream;
using namespace mio::test;

namespace {

constexpr Token kId1{1};
constexpr Token kId2{2};
constexpr Token kListener{3};

const mio::Interest kBoth = Interest::readable | Interest::writable;

/// A connected pair: a libpoll stream and the plain blocking socket the test answers with.
struct Connected {
    TcpStream stream;
    UniqueFd peer;
    SocketAddr server_addr;
};

Connected connect_to_plain_peer(const SocketAddr& bind_addr = any_local_address()) {
    auto [listener, addr] = plain_listener(bind_addr);
    auto stream = must(TcpStream::connect(addr), "connect");
    UniqueFd peer = plain_accept(listener.get());
    return {std::move(stream), std::move(peer), addr};
}

/// The peer echoes exactly `n` bytes back.
void echo(int peer, std::size_t n) {
    send_all(peer, recv_exact(peer, n));
}

// mio's smoke_test_tcp_stream: connect, echo round-trips with plain and vectored I/O.
void smoke_test(const TcpStream& stream, int peer, const SocketAddr& server_addr, mio::Poll& poll,
                mio::Events& events) {
    expect_events(poll, events, {{kId1, kWritable}});
    std::byte buf[32];
    require_would_block(stream.peek(buf));
    require_would_block(stream.read(buf));
    REQUIRE(must(stream.peer_addr()) == server_addr);

    const std::string_view hello = "Hello World!";
    REQUIRE(must(stream.write(hello)) == hello.size());
    echo(peer, hello.size());
    expect_events(poll, events, {{kId1, kReadable}});
    REQUIRE(must(stream.peek(buf)) == hello.size());
    REQUIRE(to_text(std::span(buf, hello.size())) == hello);
    REQUIRE(must(stream.read(buf)) == hello.size());
    REQUIRE(to_text(std::span(buf, hello.size())) == hello);
    REQUIRE_FALSE(must(stream.take_error(), "take_error").has_value());
    require_would_block(stream.read(buf));

    const std::string_view part1 = "hello world";
    const std::string_view part2 = ", vectored io";
    const mio::IoSlice out[] = {mio::IoSlice(part1), mio::IoSlice(part2)};
    REQUIRE(must(stream.write_vectored(out)) == 24);
    echo(peer, 24);
    expect_events(poll, events, {{kId1, kReadable}});
    char in1[11];
    char in2[14] = {};
    in2[13] = '#';
    mio::IoSliceMut slices[] = {mio::IoSliceMut(in1, sizeof in1), mio::IoSliceMut(in2, 13)};
    REQUIRE(must(stream.read_vectored(slices)) == 24);
    REQUIRE(std::string(in1, 11) == part1);
    REQUIRE(std::string(in2, 13) == part2);
    REQUIRE(in2[13] == '#');  // past the slice: untouched
}

}  // namespace

TEST_CASE("tcp stream on ipv4 echoes plain and vectored data", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    require_nonblocking(stream.as_raw_fd());
    require_cloexec(stream.as_raw_fd());
    must(poll.registry().register_source(stream, kId1, kBoth));
    smoke_test(stream, peer.get(), addr, poll, events);
}

TEST_CASE("tcp stream on ipv6 echoes plain and vectored data", "[tcp_stream][ipv6]") {
    if (!ipv6_available()) {
        WARN("skipped: this machine cannot bind [::1]");
        return;
    }
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer(any_local_ipv6_address());
    REQUIRE(addr.is_ipv6());
    require_nonblocking(stream.as_raw_fd());
    require_cloexec(stream.as_raw_fd());
    must(poll.registry().register_source(stream, kId1, kBoth));
    smoke_test(stream, peer.get(), addr, poll, events);
}

TEST_CASE("tcp stream adopted from a plain socket echoes data", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [listener, addr] = plain_listener();
    UniqueFd client = plain_connect(addr);
    UniqueFd peer = plain_accept(listener.get());
    REQUIRE(::fcntl(client.get(), F_SETFL, ::fcntl(client.get(), F_GETFL) | O_NONBLOCK) == 0);
    auto stream = must(TcpStream::from_fd(std::move(client)), "from_fd");
    must(poll.registry().register_source(stream, kId1, kBoth));
    smoke_test(stream, peer.get(), addr, poll, events);
}

TEST_CASE("tcp stream from_fd rejects what is not an IP stream socket", "[tcp_stream]") {
    SECTION("a pipe is not a socket") {
        auto [read_end, write_end] = plain_pipe();
        auto r = TcpStream::from_fd(std::move(write_end));
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::not_a_socket);
    }
    SECTION("a UDP socket has the wrong type") {
        auto r = TcpStream::from_fd(plain_udp());
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::wrong_protocol_type);
    }
    SECTION("a Unix stream socket has the wrong family") {
        auto r = TcpStream::from_fd(plain_socket(AF_UNIX, SOCK_STREAM));
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::address_family_not_supported);
    }
}

TEST_CASE("tcp stream options round-trip once connected", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, Interest::writable));
    expect_events(poll, events, {{kId1, kWritable}});

    SECTION("ttl without a previous set") {
        REQUIRE(must(stream.ttl()) >= 1);
    }
    SECTION("ttl") {
        must(stream.set_ttl(10), "set_ttl");
        REQUIRE(must(stream.ttl()) == 10);
    }
    SECTION("nodelay without a previous set") {
        REQUIRE_FALSE(must(stream.nodelay()));
    }
    SECTION("nodelay") {
        must(stream.set_nodelay(true), "set_nodelay");
        REQUIRE(must(stream.nodelay()));
        must(stream.set_nodelay(false), "set_nodelay");
        REQUIRE_FALSE(must(stream.nodelay()));
    }
    SECTION("linger") {
        REQUIRE_FALSE(must(stream.linger()).has_value());
        must(stream.set_linger(1s), "set_linger");
        REQUIRE(must(stream.linger()) == std::optional(std::chrono::seconds(1)));
        must(stream.set_linger(0s), "set_linger");
        REQUIRE(must(stream.linger()) == std::optional(std::chrono::seconds(0)));
        must(stream.set_linger(std::nullopt), "set_linger");
        REQUIRE_FALSE(must(stream.linger()).has_value());
    }
    REQUIRE_FALSE(must(stream.take_error(), "take_error").has_value());
}

TEST_CASE("tcp stream shut down for reading reads eof", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, kBoth));
    expect_events(poll, events, {{kId1, kWritable}});
    REQUIRE(must(stream.write("ping")) == 4);
    echo(peer.get(), 4);
    REQUIRE(read_with_events(poll, events, stream, kId1, 4) == "ping");

    must(stream.shutdown(Shutdown::read), "shutdown");
    char buf[8];
    REQUIRE(must(stream.read(buf)) == 0);
}

TEST_CASE("tcp stream shut down for writing fails writes and sends eof", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, kBoth));
    expect_events(poll, events, {{kId1, kWritable}});

    must(stream.shutdown(Shutdown::write), "shutdown");
    auto r = stream.write("late");
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == std::errc::broken_pipe);
    char buf[8];
    REQUIRE(::recv(peer.get(), buf, sizeof buf, 0) == 0);  // the FIN

    send_all(peer.get(), "still readable");  // the read half is open
    REQUIRE(read_with_events(poll, events, stream, kId1, 14) == "still readable");
}

TEST_CASE("tcp stream shut down both ways reads eof and fails writes", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, kBoth));
    expect_events(poll, events, {{kId1, kWritable}});

    must(stream.shutdown(Shutdown::both), "shutdown");
    char buf[8];
    REQUIRE(must(stream.read(buf)) == 0);
    auto r = stream.write("late");
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == std::errc::broken_pipe);
}

TEST_CASE("tcp stream shutdown of an unconnected socket fails", "[tcp_stream]") {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    auto stream = must(TcpStream::from_fd(UniqueFd(fd)), "from_fd");
    auto r = stream.shutdown(Shutdown::both);
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == std::errc::not_connected);
    REQUIRE(stream.peer_addr().error() == std::errc::not_connected);
}

TEST_CASE("tcp stream raw fd round-trips through into_fd and from_fd", "[tcp_stream]") {
    auto [stream, peer, addr] = connect_to_plain_peer();
    const SocketAddr local = must(stream.local_addr());
    const int raw = stream.as_raw_fd();
    UniqueFd fd = std::move(stream).into_fd();
    REQUIRE(fd.get() == raw);
    auto restored = must(TcpStream::from_fd(std::move(fd)), "from_fd");
    REQUIRE(must(restored.local_addr()) == local);
    REQUIRE(must(restored.peer_addr()) == addr);
}

TEST_CASE("tcp stream registered readable with a silent peer produces no events", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, Interest::readable));
    expect_no_events(poll, events);
}

TEST_CASE("tcp stream reregistered for writable reports it under the new token", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, Interest::readable));
    must(poll.registry().reregister_source(stream, kId2, Interest::writable));
    expect_events(poll, events, {{kId2, kWritable}});
    for (const mio::Event& ev : events)
        REQUIRE(ev.token() == kId2);
    REQUIRE(must(stream.peer_addr()) == addr);
}

TEST_CASE("tcp stream deregistered produces no events while I/O still works", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, kBoth));
    must(poll.registry().deregister_source(stream), "deregister");
    expect_no_events(poll, events);

    std::byte buf[16];
    require_would_block(stream.read(buf));
    require_would_block(stream.peek(buf));
    REQUIRE(must(stream.write("hello")) == 5);
    REQUIRE(recv_exact(peer.get(), 5) == "hello");
    send_all(peer.get(), "back");
    expect_no_events(poll, events);
    const auto n = must(retry_without_events(poll, events, [&] { return stream.read(buf); }));
    REQUIRE(to_text(std::span(buf, n)) == "back");
}

TEST_CASE("tcp stream shut down locally for reading reports read closed", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, kBoth));
    expect_events(poll, events, {{kId1, kWritable}});
    must(stream.shutdown(Shutdown::read), "shutdown");
    expect_events(poll, events, {{kId1, kReadClosed}});
}

TEST_CASE("tcp stream reports read closed when the peer shuts down writing", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, kBoth));
    expect_events(poll, events, {{kId1, kWritable}});
    REQUIRE(::shutdown(peer.get(), SHUT_WR) == 0);
    expect_events(poll, events, {{kId1, kReadable | kReadClosed}});
}

TEST_CASE("tcp stream shut down both ways locally reports write closed", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, kBoth));
    expect_events(poll, events, {{kId1, kWritable}});
    must(stream.shutdown(Shutdown::both), "shutdown");
    expect_events(poll, events, {{kId1, kWriteClosed}});
}

TEST_CASE("tcp stream reset by the peer reports read closed, then events stop", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, kBoth));
    expect_events(poll, events, {{kId1, kWritable}});
    REQUIRE(must(stream.write("data")) == 4);
    std::byte buf[16];
    require_would_block(stream.read(buf));

    set_linger_zero(peer.get());
    peer.reset();  // RST
    expect_events(poll, events, {{kId1, kReadClosed}});

    auto r = stream.read(buf);
    INFO((r ? "read " + std::to_string(*r) : r.error().message()));
    REQUIRE((r ? *r == 0 : r.error() == std::errc::connection_reset));
    bool quiet = false;
    for (int attempt = 0; attempt < 10 && !quiet; ++attempt) {
        must(poll.poll(events, 100ms), "poll");
        quiet = events.empty();
    }
    REQUIRE(quiet);
}

TEST_CASE("tcp stream becomes readable when the accepted side aborts", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(mio::net::TcpListener::bind(any_local_address()), "bind");
    must(poll.registry().register_source(listener, kListener, Interest::readable));
    auto stream = must(TcpStream::connect(must(listener.local_addr())), "connect");
    must(poll.registry().register_source(stream, kId1, Interest::writable));
    expect_events(poll, events, {{kListener, kReadable}, {kId1, kWritable}});

    must(poll.registry().reregister_source(stream, kId1, Interest::readable));
    {
        auto [accepted, peer] = must(listener.accept(), "accept");
        must(accepted.set_linger(0s), "set_linger");
    }  // RST
    expect_events(poll, events, {{kId1, kReadable}});
}

TEST_CASE("tcp stream reports priority for out-of-band data", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, Interest::readable | Interest::priority));
    expect_no_events(poll, events);
    const char urgent = '!';
    REQUIRE(::send(peer.get(), &urgent, 1, MSG_OOB) == 1);
    expect_events(poll, events, {{kId1, kReadable | kPriority}});
}

TEST_CASE("tcp stream successful peek does not consume the pending readable event",
          "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [listener, addr] = plain_listener();
    auto stream = must(TcpStream::from_fd(plain_connect(addr)), "from_fd");
    UniqueFd peer = plain_accept(listener.get());
    REQUIRE(::fcntl(stream.as_raw_fd(), F_SETFL, O_NONBLOCK | O_RDWR) == 0);
    must(poll.registry().register_source(stream, kId1, Interest::readable));
    expect_no_events(poll, events);

    send_all(peer.get(), "x");
    std::byte buf[4];
    std::optional<std::size_t> peeked;
    for (long spin = 0; spin < 100'000'000 && !peeked; ++spin) {
        auto r = stream.peek(buf);
        if (r)
            peeked = *r;
        else
            REQUIRE(is_would_block(r.error()));
    }
    REQUIRE(peeked == std::optional<std::size_t>(1));
    expect_events(poll, events, {{kId1, kReadable}});
}

TEST_CASE("tcp stream peek that would block re-arms the readable interest", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, Interest::readable));
    send_all(peer.get(), "1");
    expect_events(poll, events, {{kId1, kReadable}});
    std::byte buf[8];
    REQUIRE(must(stream.read(std::span(buf, 1))) == 1);
    require_would_block(stream.peek(buf));

    send_all(peer.get(), "1234");
    expect_events(poll, events, {{kId1, kReadable}});
}

TEST_CASE("tcp stream read then peek would block each re-arm the readable interest",
          "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, Interest::readable));
    std::byte buf[8];
    require_would_block(stream.read(buf));

    send_all(peer.get(), "1");
    expect_events(poll, events, {{kId1, kReadable}});
    REQUIRE(must(stream.read(buf)) == 1);
    require_would_block(stream.peek(buf));

    send_all(peer.get(), "2");
    expect_events(poll, events, {{kId1, kReadable}});
    REQUIRE(must(stream.read(buf)) == 1);
}

TEST_CASE("tcp stream try_io runs a raw call and re-arms on would block", "[tcp_stream]") {
    auto [poll, events] = init_with_poll();
    auto [stream, peer, addr] = connect_to_plain_peer();
    must(poll.registry().register_source(stream, kId1, Interest::readable));
    char buf[8];
    const auto raw_recv = [&buf](int fd) -> mio::Result<std::size_t> {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0) return mio::fail(mio::last_os_error());
        return static_cast<std::size_t>(n);
    };
    require_would_block(stream.try_io(raw_recv));

    send_all(peer.get(), "abc");
    expect_events(poll, events, {{kId1, kReadable}});
    REQUIRE(must(stream.try_io(raw_recv)) == 3);
    require_would_block(stream.try_io(raw_recv));

    send_all(peer.get(), "d");
    expect_events(poll, events, {{kId1, kReadable}});
}
