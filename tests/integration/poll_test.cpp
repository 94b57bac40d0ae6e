// Poll: mio's tests/poll.rs, on every backend.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/net/udp_socket.hpp>
#include <mio/poll.hpp>
#include <mio/waker.hpp>

#include "test_util.hpp"

using namespace mio;
using namespace mio::test;
using namespace std::chrono_literals;
using net::TcpListener;
using net::TcpStream;
using net::UdpSocket;

TEST_CASE("polling with nothing registered times out with no events", "[poll]") {
    auto [poll, events] = init_with_poll();
    must(poll.poll(events, 100ms));
    REQUIRE(events.empty());
}

TEST_CASE("a sub-millisecond timeout is not an error and returns", "[poll]") {
    auto [poll, events] = init_with_poll();
    must(poll.poll(events, 1ns));
    must(poll.poll(events, 999us));
    must(poll.poll(events, 0ns));
    REQUIRE(events.empty());
}

TEST_CASE("dropping a registered listener leaves no error and no event", "[poll]") {
    auto [poll, events] = init_with_poll();
    {
        auto listener = must(TcpListener::bind(any_local_address()));
        must(poll.registry().register_source(listener, Token{1},
                                             Interest::readable | Interest::writable));
    }
    must(poll.poll(events, 100ms));
    REQUIRE(events.empty());
}

TEST_CASE("a zero timeout still asks the OS for events", "[poll]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    const auto addr = must(listener.local_addr());
    std::vector<TcpStream> streams;
    for (std::size_t i = 0; i < 3; ++i) {
        streams.push_back(must(TcpStream::connect(addr)));
        must(poll.registry().register_source(streams.back(), Token{i}, Interest::writable));
    }
    // Bounded: the connects complete on loopback almost at once; poll(0) must see them.
    bool seen = false;
    for (int i = 0; i < 100000 && !seen; ++i) {
        must(poll.poll(events, 0ns));
        seen = !events.empty();
    }
    REQUIRE(seen);
}

namespace {
std::size_t open_fd_count() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/self/fd")) {
        ++n;
    }
    return n;
}
}  // namespace

TEST_CASE("creating and dropping thousands of polls leaks no descriptor", "[poll]") {
    const std::size_t before = open_fd_count();
    for (int i = 0; i < 2000; ++i) {
        auto poll = must(Poll::create());
        Events events(4);
        must(poll.poll(events, 0ns));
    }
    REQUIRE(open_fd_count() == before);
}

TEST_CASE("readiness is re-armed after would block", "[poll]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    auto client = must(TcpStream::connect(must(listener.local_addr())));
    must(poll.registry().register_source(client, Token{1}, Interest::readable));
    TcpStream server = [&] {
        for (;;) {
            if (auto accepted = listener.accept()) return std::move(accepted->first);
        }
    }();
    must(server.write(std::string_view("hello")));
    expect_events(poll, events, {{Token{1}, kReadable}});
    char buf[16];
    REQUIRE(must(client.read(std::span<char>(buf))) == 5);
    require_would_block(client.read(std::span<char>(buf)));
    expect_no_events(poll, events);
    must(server.write(std::string_view("again")));
    expect_events(poll, events, {{Token{1}, kReadable}});
    REQUIRE(must(client.read(std::span<char>(buf))) == 5);
}

TEST_CASE("dropping a stream shuts the connection down for the peer", "[poll]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    auto stream = must(TcpStream::connect(must(listener.local_addr())));
    must(
        poll.registry().register_source(stream, Token{1}, Interest::readable | Interest::writable));
    expect_events(poll, events, {{Token{1}, kWritable}});
    auto [peer, addr] = [&] {
        for (;;) {
            if (auto accepted = listener.accept()) return std::move(*accepted);
        }
    }();
    char buf[8];
    require_would_block(stream.read(std::span<char>(buf)));
    { TcpStream dropped = std::move(stream); }
    // The peer sees EOF (read 0) once the stream is gone.
    must(poll.registry().register_source(peer, Token{2}, Interest::readable));
    expect_events(poll, events, {{Token{2}, kReadable}});
    REQUIRE(must(peer.read(std::span<char>(buf))) == 0);
}

TEST_CASE("a registry shared across threads registers into the same poll", "[poll][thread]") {
    auto [poll, events] = init_with_poll();
    auto registry = std::make_shared<Registry>(must(poll.registry().try_clone()));
    auto listener = must(TcpListener::bind(any_local_address()));
    const auto addr = must(listener.local_addr());
    std::thread t1(
        [&] { must(registry->register_source(listener, Token{0}, Interest::readable)); });
    auto stream = must(TcpStream::connect(addr));
    std::thread t2([&] { must(registry->register_source(stream, Token{1}, Interest::writable)); });
    t1.join();
    t2.join();
    expect_events(poll, events, {{Token{0}, kReadable}, {Token{1}, kWritable}});
}

TEST_CASE("registry operations are thread safe", "[poll][thread]") {
    auto [poll, events] = init_with_poll();
    const Registry& registry = poll.registry();
    auto listener = must(TcpListener::bind(any_local_address()));
    auto udp = must(UdpSocket::bind(any_local_address()));
    auto stream = must(TcpStream::connect(must(listener.local_addr())));
    std::thread a([&] {
        must(registry.register_source(listener, Token{0}, Interest::readable));
        must(registry.deregister_source(listener));
        must(registry.register_source(listener, Token{0}, Interest::readable));
        must(registry.reregister_source(listener, Token{0}, Interest::readable));
    });
    std::thread b([&] {
        must(registry.register_source(udp, Token{1}, Interest::writable));
        must(registry.deregister_source(udp));
        must(registry.register_source(udp, Token{1}, Interest::writable));
        must(registry.reregister_source(udp, Token{1}, Interest::writable | Interest::readable));
    });
    std::thread c([&] {
        must(registry.register_source(stream, Token{2}, Interest::readable));
        must(registry.deregister_source(stream));
        must(registry.register_source(stream, Token{2}, Interest::readable));
        must(registry.reregister_source(stream, Token{2}, Interest::readable | Interest::writable));
    });
    a.join();
    b.join();
    c.join();
    expect_events(poll, events,
                  {{Token{0}, kReadable}, {Token{1}, kWritable}, {Token{2}, kWritable}});
}

TEST_CASE("a registration made while poll is blocked shows up in that same poll",
          "[poll][thread]") {
    auto [poll, events] = init_with_poll();
    auto registry = must(poll.registry().try_clone());
    auto udp = must(UdpSocket::bind(any_local_address()));
    const int poller = current_tid();
    std::thread t([&] {
        REQUIRE(wait_until_blocked(poller));
        must(registry.register_source(udp, Token{1}, Interest::writable));
    });
    must(poll.poll(events, 10s));
    t.join();
    INFO(describe(events));
    REQUIRE(events.size() == 1);
    REQUIRE(events.begin()->token() == Token{1});
    REQUIRE(events.begin()->is_writable());
}

TEST_CASE("a deregistration made while poll is blocked takes effect in that poll",
          "[poll][thread]") {
    auto [poll, events] = init_with_poll();
    auto registry = must(poll.registry().try_clone());
    auto listener = must(TcpListener::bind(any_local_address()));
    must(registry.register_source(listener, Token{1}, Interest::readable));
    auto waker = must(Waker::create(poll.registry(), Token{9}));
    const int poller = current_tid();
    std::thread t([&] {
        REQUIRE(wait_until_blocked(poller));
        must(registry.deregister_source(listener));
        // A connection that would have made the listener readable, then a wake to end the poll.
        auto client = must(TcpStream::connect(must(listener.local_addr())));
        must(waker.wake());
    });
    must(poll.poll(events, 10s));
    t.join();
    for (const Event& ev : events)
        REQUIRE(ev.token() == Token{9});
    expect_no_events(poll, events);
}

TEST_CASE("reregister replaces both the token and the interest", "[poll]") {
    auto [poll, events] = init_with_poll();
    auto udp = must(UdpSocket::bind(any_local_address()));
    must(poll.registry().register_source(udp, Token{1}, Interest::readable));
    must(poll.registry().reregister_source(udp, Token{1}, Interest::readable));
    must(poll.registry().reregister_source(udp, Token{2}, Interest::writable));
    must(poll.poll(events, 500ms));
    INFO(describe(events));
    REQUIRE_FALSE(events.empty());
    for (const Event& ev : events) {
        REQUIRE(ev.token() == Token{2});
        REQUIRE(ev.is_writable());
    }
}

TEST_CASE("registering a source twice is an error on every backend", "[poll][registry]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    must(poll.registry().register_source(listener, Token{0}, Interest::readable));
    auto again = poll.registry().register_source(listener, Token{1}, Interest::writable);
    REQUIRE_FALSE(again.has_value());
    REQUIRE(again.error() == std::errc::file_exists);
    REQUIRE(again.error().message().find("already registered") != std::string::npos);
}

TEST_CASE("reregistering or deregistering an unregistered source is an error", "[poll][registry]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    auto re = poll.registry().reregister_source(listener, Token{0}, Interest::readable);
    REQUIRE_FALSE(re.has_value());
    REQUIRE(re.error() == std::errc::no_such_file_or_directory);
    REQUIRE(re.error().message().find("not registered") != std::string::npos);
    auto de = poll.registry().deregister_source(listener);
    REQUIRE_FALSE(de.has_value());
    REQUIRE(de.error() == std::errc::no_such_file_or_directory);
}

TEST_CASE("poll keeps working after an interest is changed before any event", "[poll][thread]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    must(poll.registry().register_source(listener, Token{1}, Interest::readable));
    must(poll.poll(events, 0ns));
    must(poll.registry().reregister_source(listener, Token{2}, Interest::readable));
    auto client = must(TcpStream::connect(must(listener.local_addr())));
    expect_events(poll, events, {{Token{2}, kReadable}});
    auto [accepted, peer] = must(listener.accept());
    auto registry = must(poll.registry().try_clone());
    std::thread t([&] { must(registry.register_source(accepted, Token{3}, Interest::writable)); });
    t.join();
    expect_events(poll, events, {{Token{3}, kWritable}});
}

namespace {
// A Source that records how the Registry called it, and can be told to fail.
struct RecordingSource {
    struct Call {
        char kind;  // 'r'egister, 'R'eregister, 'd'eregister
        Token token;
        std::optional<Interest> interest;
    };
    std::vector<Call> calls;
    std::error_code fail_with;

    Result<void> answer() {
        if (fail_with) return mio::fail(fail_with);
        return {};
    }
    Result<void> register_with(const Registry&, Token t, Interest i) {
        calls.push_back({'r', t, i});
        return answer();
    }
    Result<void> reregister_with(const Registry&, Token t, Interest i) {
        calls.push_back({'R', t, i});
        return answer();
    }
    Result<void> deregister_from(const Registry&) {
        calls.push_back({'d', Token{}, std::nullopt});
        return answer();
    }
};
}  // namespace

TEST_CASE("the registry calls a user source once per operation with its arguments",
          "[poll][source]") {
    STATIC_REQUIRE(Source<RecordingSource>);
    auto [poll, events] = init_with_poll();
    RecordingSource source;
    must(poll.registry().register_source(source, Token{100}, Interest::readable));
    must(poll.registry().reregister_source(source, Token{200}, Interest::writable));
    must(poll.registry().deregister_source(source));
    REQUIRE(source.calls.size() == 3);
    REQUIRE(source.calls[0].kind == 'r');
    REQUIRE(source.calls[0].token == Token{100});
    REQUIRE(source.calls[0].interest == Interest::readable);
    REQUIRE(source.calls[1].kind == 'R');
    REQUIRE(source.calls[1].token == Token{200});
    REQUIRE(source.calls[1].interest == Interest::writable);
    REQUIRE(source.calls[2].kind == 'd');
}

TEST_CASE("a user source's errors come back unchanged", "[poll][source]") {
    auto [poll, events] = init_with_poll();
    RecordingSource source;
    source.fail_with = std::make_error_code(std::errc::permission_denied);
    auto r = poll.registry().register_source(source, Token{1}, Interest::readable);
    auto rr = poll.registry().reregister_source(source, Token{1}, Interest::readable);
    auto d = poll.registry().deregister_source(source);
    REQUIRE(r.error() == std::errc::permission_denied);
    REQUIRE(rr.error() == std::errc::permission_denied);
    REQUIRE(d.error() == std::errc::permission_denied);
}

namespace {
extern "C" void ignore_signal(int) {}
}  // namespace

TEST_CASE("a signal during poll surfaces as interrupted and is not retried", "[poll][signal]") {
    struct sigaction action {};
    action.sa_handler = ignore_signal;  // no SA_RESTART: the wait must return EINTR
    struct sigaction previous {};
    REQUIRE(::sigaction(SIGUSR1, &action, &previous) == 0);
    auto [poll, events] = init_with_poll();
    const int poller = current_tid();
    const pthread_t self = ::pthread_self();
    std::thread t([&] {
        REQUIRE(wait_until_blocked(poller));
        REQUIRE(::pthread_kill(self, SIGUSR1) == 0);
    });
    auto r = poll.poll(events, std::nullopt);
    t.join();
    ::sigaction(SIGUSR1, &previous, nullptr);
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == std::errc::interrupted);
    REQUIRE(is_interrupted(r.error()));
}

TEST_CASE("poll can be moved and its registry reference stays valid", "[poll]") {
    auto poll = must(Poll::create());
    const Registry* registry = &poll.registry();
    Poll moved = std::move(poll);
    REQUIRE(&moved.registry() == registry);
    auto udp = must(UdpSocket::bind(any_local_address()));
    must(moved.registry().register_source(udp, Token{4}, Interest::writable));
    Events events(4);
    expect_events(moved, events, {{Token{4}, kWritable}});
}

TEST_CASE("a short read re-arms readiness like would block", "[poll][short_transfer]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    auto client = must(TcpStream::connect(must(listener.local_addr())));
    must(poll.registry().register_source(client, Token{1}, Interest::readable));
    TcpStream server = [&] {
        for (;;) {
            if (auto accepted = listener.accept()) return std::move(accepted->first);
        }
    }();
    must(server.write(std::string_view("hello")));
    expect_events(poll, events, {{Token{1}, kReadable}});
    char buf[64];
    // Fewer bytes than asked: the socket is drained, and no WouldBlock read is needed.
    REQUIRE(must(client.read(std::span<char>(buf))) == 5);
    expect_no_events(poll, events);
    must(server.write(std::string_view("again")));
    expect_events(poll, events, {{Token{1}, kReadable}});
    REQUIRE(must(client.read(std::span<char>(buf))) == 5);
}

TEST_CASE("a short write re-arms writability like would block", "[poll][short_transfer]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(TcpListener::bind(any_local_address()));
    auto client = must(TcpStream::connect(must(listener.local_addr())));
    must(poll.registry().register_source(client, Token{1}, Interest::writable));
    expect_events(poll, events, {{Token{1}, kWritable}});
    TcpStream server = [&] {
        for (;;) {
            if (auto accepted = listener.accept()) return std::move(accepted->first);
        }
    }();
    // Offer more than the socket buffers can hold until a write is short (never WouldBlock).
    const std::vector<std::byte> big(8 << 20);
    std::size_t written = 0;
    for (;;) {
        auto n = client.write(std::span(big));
        if (!n) {
            require_would_block(n);
            break;  // the kernel took nothing at all this time: also a drained state
        }
        written += *n;
        if (*n < big.size()) break;
    }
    REQUIRE(written > 0);
    // The peer reads everything (waiting on its own Poll, so the client's events stay
    // untouched): space frees up and a writable event arrives.
    auto [peer_poll, peer_events] = init_with_poll();
    must(peer_poll.registry().register_source(server, Token{2}, Interest::readable));
    std::vector<std::byte> sink(1 << 16);
    std::size_t drained = 0;
    while (drained < written) {
        auto n = server.read(std::span(sink));
        if (n) {
            REQUIRE(*n > 0);
            drained += *n;
        } else {
            REQUIRE(is_would_block(n.error()));
            must(peer_poll.poll(peer_events, 500ms));
        }
    }
    expect_events(poll, events, {{Token{1}, kWritable}});
}
