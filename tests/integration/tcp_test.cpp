// TcpListener and TcpStream together (mio's tests/tcp.rs).
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/poll.hpp>
#include <mio/source.hpp>

#include "inet_peer.hpp"
#include "test_util.hpp"

using namespace std::chrono_literals;
using mio::Interest;
using mio::is_would_block;
using mio::Token;
using mio::UniqueFd;
using mio::net::TcpListener;
using mio::net::TcpStream;
using namespace mio::test;

namespace {

constexpr std::size_t kLarge = 16 * 1024 * 1024;
constexpr Token kListener{1};
constexpr Token kServer{2};
constexpr Token kClient{3};

/// Polls until every event of one poll carries `token`; fails on any other token.
void expect_only(mio::Poll& poll, mio::Events& events, Token token) {
    for (int attempt = 0; attempt < 10; ++attempt) {
        must(poll.poll(events, 500ms), "poll");
        if (events.empty()) continue;
        INFO("events:\n" << describe(events));
        for (const mio::Event& ev : events)
            REQUIRE(ev.token() == token);
        return;
    }
    FAIL("no event for token " << token.value);
}

}  // namespace

TEST_CASE("tcp types are move-only sources", "[tcp]") {
    STATIC_REQUIRE(mio::Source<TcpListener>);
    STATIC_REQUIRE(mio::Source<TcpStream>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<TcpListener>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<TcpStream>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<TcpListener>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<TcpStream>);
}

TEST_CASE("tcp listener reports a pending connection as readable and accepts it", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    require_nonblocking(listener.as_raw_fd());
    require_cloexec(listener.as_raw_fd());
    must(poll.registry().register_source(listener, kListener, Interest::readable));

    UniqueFd client = plain_connect(must(listener.local_addr()));
    expect_events(poll, events, {{kListener, kReadable}});

    auto [stream, peer] = must(listener.accept(), "accept");
    require_nonblocking(stream.as_raw_fd());
    require_cloexec(stream.as_raw_fd());
    REQUIRE(peer == plain_local_addr(client.get()));
    require_would_block(listener.accept());
}

TEST_CASE("tcp stream connect reports writable, then readable when the peer closes", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto [server, addr] = plain_listener();
    auto stream = must(TcpStream::connect(addr), "connect");
    require_nonblocking(stream.as_raw_fd());
    require_cloexec(stream.as_raw_fd());
    must(poll.registry().register_source(stream, kClient, Interest::readable | Interest::writable));

    expect_events(poll, events, {{kClient, kWritable}});
    plain_accept(server.get()).reset();  // accept and close at once: the peer sends a FIN
    expect_events(poll, events, {{kClient, kReadable}});
    char buf[16];
    REQUIRE(must(stream.read(buf)) == 0);
}

TEST_CASE("tcp stream reads 16 MiB on readable events, draining until would block", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto [server, addr] = plain_listener();
    auto stream = must(TcpStream::connect(addr), "connect");
    UniqueFd peer = plain_accept(server.get());
    bool sent = false;
    PeerThread writer(peer.get(), [&sent, fd = peer.get()] {
        sent = send_pattern_raw(fd, kLarge);
        ::shutdown(fd, SHUT_WR);
    });
    must(poll.registry().register_source(stream, kClient, Interest::readable));

    std::vector<std::byte> buf(64 * 1024);
    std::size_t total = 0;
    bool eof = false;
    for (int idle = 0; !eof;) {
        must(poll.poll(events, 1s), "poll");
        if (events.empty()) {
            REQUIRE(++idle < 10);
            continue;
        }
        for (;;) {
            auto r = stream.read(std::span(buf));
            if (!r) {
                REQUIRE(is_would_block(r.error()));
                break;
            }
            if (*r == 0) {
                eof = true;
                break;
            }
            REQUIRE(matches_pattern(std::span(buf.data(), *r), total));
            total += *r;
        }
    }
    writer.join();
    REQUIRE(sent);
    REQUIRE(total == kLarge);
}

TEST_CASE("tcp stream peeks before reading 16 MiB on readable events", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto [server, addr] = plain_listener();
    auto stream = must(TcpStream::connect(addr), "connect");
    UniqueFd peer = plain_accept(server.get());
    PeerThread writer(peer.get(), [fd = peer.get()] {
        (void)send_pattern_raw(fd, kLarge);
        ::shutdown(fd, SHUT_WR);
    });
    must(poll.registry().register_source(stream, kClient, Interest::readable));

    std::vector<std::byte> buf(64 * 1024);
    std::size_t total = 0;
    bool eof = false;
    for (int idle = 0; !eof;) {
        must(poll.poll(events, 1s), "poll");
        if (events.empty()) {
            REQUIRE(++idle < 10);
            continue;
        }
        auto peeked = stream.peek(std::span(buf));
        if (!peeked) {
            require_would_block(peeked);  // a spurious event: the peek re-armed the interest
            continue;
        }
        REQUIRE(matches_pattern(std::span(buf.data(), *peeked), total));
        for (;;) {
            auto r = stream.read(std::span(buf));
            if (!r) {
                REQUIRE(is_would_block(r.error()));
                break;
            }
            eof = *r == 0;
            if (eof) break;
            REQUIRE(matches_pattern(std::span(buf.data(), *r), total));
            total += *r;
        }
    }
    writer.join();
    REQUIRE(total == kLarge);
}

TEST_CASE("tcp stream writes 16 MiB on writable events, writing until would block", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto [server, addr] = plain_listener();
    auto stream = must(TcpStream::connect(addr), "connect");
    UniqueFd peer = plain_accept(server.get());
    std::size_t received = 0;
    PeerThread reader(peer.get(),
                      [&received, fd = peer.get()] { received = recv_pattern_raw(fd); });
    must(poll.registry().register_source(stream, kClient, Interest::writable));

    std::vector<std::byte> chunk(64 * 1024);
    std::size_t total = 0;
    for (int idle = 0; total < kLarge;) {
        must(poll.poll(events, 1s), "poll");
        if (events.empty()) {
            REQUIRE(++idle < 10);
            continue;
        }
        while (total < kLarge) {
            const std::size_t len = std::min(chunk.size(), kLarge - total);
            for (std::size_t i = 0; i < len; ++i)
                chunk[i] = pattern_at(total + i);
            auto r = stream.write(std::span<const std::byte>(chunk.data(), len));
            if (!r) {
                REQUIRE(is_would_block(r.error()));
                break;
            }
            total += *r;
        }
    }
    must(stream.shutdown(mio::net::Shutdown::write), "shutdown");
    reader.join();
    REQUIRE(received == kLarge);
}

TEST_CASE("tcp client sees an event when the accepted stream is dropped", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    must(poll.registry().register_source(listener, kListener, Interest::readable));
    auto client = must(TcpStream::connect(must(listener.local_addr())), "connect");
    must(poll.registry().register_source(client, kClient, Interest::readable));

    (void)wait_for_event(poll, events, kListener);
    {
        auto [stream, peer] = must(listener.accept(), "accept");
        must(poll.registry().register_source(stream, kServer,
                                             Interest::readable | Interest::writable));
    }  // dropped while registered
    const mio::Event ev = wait_for_event(poll, events, kClient);
    REQUIRE(ev.is_readable());
}

TEST_CASE("tcp listener dropped while registered produces no events", "[tcp]") {
    auto [poll, events] = init_with_poll();
    {
        auto listener = must(TcpListener::bind(any_local_address()), "bind");
        must(poll.registry().register_source(listener, kListener, Interest::readable));
    }
    expect_no_events(poll, events);
}

TEST_CASE("tcp listener cannot bind an address already listening", "[tcp]") {
    auto first = must(TcpListener::bind(any_local_address()), "bind");
    auto second = TcpListener::bind(must(first.local_addr()));
    REQUIRE_FALSE(second.has_value());
    REQUIRE(second.error() == std::errc::address_in_use);
}

TEST_CASE("tcp stream writes succeed at once after the first writable event", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto [server, addr] = plain_listener();
    auto stream = must(TcpStream::connect(addr), "connect");
    must(poll.registry().register_source(stream, kClient, Interest::writable));
    expect_events(poll, events, {{kClient, kWritable}});

    const std::string ones(1024, '\x01');
    for (int i = 0; i < 16; ++i) {
        std::string_view rest = ones;
        while (!rest.empty())
            rest.remove_prefix(must(stream.write(rest), "write"));
    }
    UniqueFd peer = plain_accept(server.get());
    REQUIRE(recv_exact(peer.get(), 16 * 1024) == std::string(16 * 1024, '\x01'));
}

TEST_CASE("tcp stream reset by a peer with linger zero reads as eof or connection reset", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    must(poll.registry().register_source(listener, kListener, Interest::readable));
    std::optional<TcpStream> client = must(TcpStream::connect(must(listener.local_addr())));
    must(client->set_linger(0s), "set_linger");

    expect_events(poll, events, {{kListener, kReadable}});
    auto [server, peer] = must(listener.accept(), "accept");
    client.reset();  // RST
    must(poll.registry().register_source(server, kServer, Interest::readable));
    expect_events(poll, events, {{kServer, kReadable}});

    char buf[16];
    auto r = server.read(buf);
    INFO((r ? "read " + std::to_string(*r) : r.error().message()));
    REQUIRE((r ? *r == 0 : r.error() == std::errc::connection_reset));
}

TEST_CASE("tcp connect to a closed port reports the refusal through take_error", "[tcp]") {
    auto [poll, events] = init_with_poll();
    mio::net::SocketAddr addr;
    {
        auto listener = must(TcpListener::bind(any_local_address()), "bind");
        addr = must(listener.local_addr());
    }  // closed: nothing listens on addr now
    auto connected = TcpStream::connect(addr);
    if (!connected) {  // a synchronous refusal is allowed too
        REQUIRE(connected.error() == std::errc::connection_refused);
        return;
    }
    TcpStream& stream = *connected;
    must(poll.registry().register_source(stream, kClient, Interest::writable));
    const mio::Event ev = wait_for_event(poll, events, kClient);
    INFO(mio::to_string(ev));
    REQUIRE((ev.is_writable() || ev.is_error()));
    REQUIRE(ev.is_write_closed());
    const auto error = must(stream.take_error(), "take_error");
    REQUIRE(error.has_value());
    REQUIRE(*error == std::errc::connection_refused);
    REQUIRE(stream.peer_addr().error() == std::errc::not_connected);
}

TEST_CASE("tcp writes after the peer closed fail with an error instead of SIGPIPE", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto [server, addr] = plain_listener();
    auto stream = must(TcpStream::connect(addr), "connect");
    must(poll.registry().register_source(stream, kClient, Interest::writable));
    expect_events(poll, events, {{kClient, kWritable}});
    plain_accept(server.get()).reset();

    const std::string chunk(1024, 'x');
    std::optional<std::error_code> error;
    for (int attempt = 0; attempt < 500 && !error; ++attempt) {
        auto r = stream.write(chunk);
        if (!r && !is_would_block(r.error())) error = r.error();
        if (!error) must(poll.poll(events, 10ms), "poll");  // let the RST arrive
    }
    REQUIRE(error.has_value());
    INFO(error->message());
    REQUIRE((*error == std::errc::broken_pipe || *error == std::errc::connection_reset));
}

TEST_CASE("tcp stream reports read closed after the peer shuts down its write half", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto [server, addr] = plain_listener();
    auto stream = must(TcpStream::connect(addr), "connect");
    must(poll.registry().register_source(stream, kClient, Interest::readable | Interest::writable));
    UniqueFd peer = plain_accept(server.get());

    const mio::Event first = wait_for_event(poll, events, kClient);
    REQUIRE(first.is_writable());
    REQUIRE_FALSE(first.is_read_closed());
    REQUIRE_FALSE(first.is_write_closed());
    expect_no_events(poll, events);

    REQUIRE(::shutdown(peer.get(), SHUT_WR) == 0);
    expect_events(poll, events, {{kClient, kReadable | kReadClosed}});
    char buf[16];
    REQUIRE(must(stream.read(buf)) == 0);
}

TEST_CASE("tcp local and peer addresses agree on both ends once ready", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    const auto listen_addr = must(listener.local_addr());
    must(poll.registry().register_source(listener, kListener, Interest::readable));
    auto client = must(TcpStream::connect(listen_addr), "connect");
    must(poll.registry().register_source(client, kClient, Interest::readable));

    (void)wait_for_event(poll, events, kListener);
    auto [server, peer] = must(listener.accept(), "accept");
    must(poll.registry().register_source(server, kServer, Interest::writable));
    (void)wait_for_event(poll, events, kServer);
    REQUIRE(must(server.peer_addr()) == must(client.local_addr()));
    REQUIRE(must(server.local_addr()) == listen_addr);
    REQUIRE(peer == must(client.local_addr()));
    REQUIRE(must(server.write("abc")) == 3);

    (void)wait_for_event(poll, events, kClient);
    REQUIRE(must(client.peer_addr()) == listen_addr);
    REQUIRE(read_with_events(poll, events, client, kClient, 3) == "abc");
}

TEST_CASE("tcp data written before the stream is dropped still reaches the peer", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    must(poll.registry().register_source(listener, kListener, Interest::readable));
    auto client = must(TcpStream::connect(must(listener.local_addr())), "connect");
    must(poll.registry().register_source(client, kClient, Interest::readable));

    expect_only(poll, events, kListener);
    {
        auto [server, peer] = must(listener.accept(), "accept");
        must(poll.registry().register_source(server, kServer, Interest::writable));
        expect_only(poll, events, kServer);
        REQUIRE(must(server.write("\x01\x02\x03\x04")) == 4);
    }
    must(poll.registry().reregister_source(client, kClient, Interest::readable));
    expect_only(poll, events, kClient);
    REQUIRE(read_with_events(poll, events, client, kClient, 4) == "\x01\x02\x03\x04");
}

TEST_CASE("tcp data written before the stream is deregistered still reaches the peer", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    must(poll.registry().register_source(listener, kListener, Interest::readable));
    auto client = must(TcpStream::connect(must(listener.local_addr())), "connect");
    must(poll.registry().register_source(client, kClient, Interest::readable));

    expect_only(poll, events, kListener);
    auto [server, peer] = must(listener.accept(), "accept");
    must(poll.registry().register_source(server, kServer, Interest::writable));
    expect_only(poll, events, kServer);
    REQUIRE(must(server.write("\x01\x02\x03\x04")) == 4);
    must(poll.registry().deregister_source(server), "deregister");

    must(poll.registry().reregister_source(client, kClient, Interest::readable));
    expect_only(poll, events, kClient);
    REQUIRE(read_with_events(poll, events, client, kClient, 4) == "\x01\x02\x03\x04");
}

TEST_CASE("tcp sources deregistered give no events while data still flows", "[tcp]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()), "bind");
    must(poll.registry().register_source(listener, kListener, Interest::readable));
    auto client = must(TcpStream::connect(must(listener.local_addr())), "connect");
    must(poll.registry().register_source(client, kClient, Interest::readable));
    must(poll.registry().deregister_source(listener), "deregister listener");
    must(poll.registry().deregister_source(client), "deregister client");

    auto accepted = retry_without_events(poll, events, [&] { return listener.accept(); });
    auto [server, peer] = must(std::move(accepted), "accept");
    REQUIRE(must(server.write("abcd")) == 4);
    char buf[8];
    const auto n = must(retry_without_events(poll, events, [&] { return client.read(buf); }));
    REQUIRE(std::string(buf, n) == "abcd");
    expect_no_events(poll, events);
}
