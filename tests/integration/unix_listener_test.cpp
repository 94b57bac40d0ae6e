// mio's tests/unix_listener.rs, plus address and adoption edge cases.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <type_traits>

#include <mio/net/unix_listener.hpp>
#include <mio/net/unix_stream.hpp>
#include <mio/poll.hpp>
#include <mio/source.hpp>

#include "test_util.hpp"
#include "unix_test_helpers.hpp"

using namespace mio;
using namespace mio::test;
using namespace mio::test::unix_helpers;

namespace {

constexpr Token kListener{0};
constexpr Token kListener2{1};

// A listening AF_UNIX socket made with plain system calls (mio's *_from_std tests).
UniqueFd raw_listener(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd.valid());
    const auto addr = must(net::UnixAddr::from_pathname(path));
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(addr.to_sockaddr(storage));
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), len) == 0);
    REQUIRE(::listen(fd.get(), 16) == 0);
    return fd;
}

// The body of mio's smoke tests: idle listener has no events, a client makes it readable,
// the accepted stream is non-blocking and empty, and a second accept would block.
void listener_smoke(Poll& poll, Events& events, net::UnixListener& listener,
                    const std::string& path) {
    must(poll.registry().register_source(listener, kListener,
                                         Interest::readable | Interest::writable));
    expect_no_events(poll, events);

    auto client = must(net::UnixStream::connect(path));
    expect_events(poll, events, {{kListener, kReadable}});

    auto [stream, peer] = must(listener.accept(), "accept");
    require_nonblocking(stream.as_raw_fd());
    require_cloexec(stream.as_raw_fd());
    REQUIRE(peer.is_unnamed());
    char buf[16];
    require_would_block(stream.read(std::span<char>(buf)));
    require_would_block(listener.accept());
    REQUIRE_FALSE(must(listener.take_error()).has_value());
    must(poll.registry().deregister_source(listener));
}

}  // namespace

TEST_CASE("unix listener is a move-only source", "[unix_listener]") {
    STATIC_REQUIRE(Source<net::UnixListener>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<net::UnixListener>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<net::UnixListener>);
    STATIC_REQUIRE(std::is_nothrow_move_assignable_v<net::UnixListener>);
}

TEST_CASE("unix listener reports a connecting client as readable", "[unix_listener]") {
    auto [poll, events] = init_with_poll();
    const std::string path = temp_path("unix_listener_smoke");
    auto listener = must(net::UnixListener::bind(path));
    require_nonblocking(listener.as_raw_fd());
    require_cloexec(listener.as_raw_fd());
    listener_smoke(poll, events, listener, path);
}

TEST_CASE("unix listener adopted from a raw fd works like a bound one", "[unix_listener]") {
    auto [poll, events] = init_with_poll();
    const std::string path = temp_path("unix_listener_from_fd");
    UniqueFd fd = raw_listener(path);
    const int raw = fd.get();
    REQUIRE(::fcntl(raw, F_SETFL, ::fcntl(raw, F_GETFL) | O_NONBLOCK) == 0);
    auto listener = must(net::UnixListener::from_fd(std::move(fd)));
    REQUIRE(listener.as_raw_fd() == raw);
    listener_smoke(poll, events, listener, path);
}

TEST_CASE("unix listener's accepted stream has the listener's path as local address",
          "[unix_listener]") {
    auto [poll, events] = init_with_poll();
    const std::string path = temp_path("unix_listener_local_addr");
    auto listener = must(net::UnixListener::bind(path));
    REQUIRE(must(listener.local_addr()).as_pathname() == path);
    must(poll.registry().register_source(listener, kListener, Interest::readable));

    auto client = must(net::UnixStream::connect(path));
    expect_events(poll, events, {{kListener, kReadable}});
    auto [stream, peer] = must(listener.accept());
    REQUIRE(must(stream.local_addr()).as_pathname() == path);
    REQUIRE(peer.is_unnamed());
    REQUIRE_FALSE(peer.as_pathname());
    REQUIRE(must(client.peer_addr()).as_pathname() == path);
}

TEST_CASE("unix listener with no pending connection reports no events", "[unix_listener]") {
    auto [poll, events] = init_with_poll();
    auto listener = must(net::UnixListener::bind(temp_path("unix_listener_register")));
    must(poll.registry().register_source(listener, kListener, Interest::readable));
    expect_no_events(poll, events);
}

TEST_CASE("unix listener reregistered from writable to readable reports the pending client",
          "[unix_listener]") {
    auto [poll, events] = init_with_poll();
    const std::string path = temp_path("unix_listener_reregister");
    auto listener = must(net::UnixListener::bind(path));
    must(poll.registry().register_source(listener, kListener, Interest::writable));
    auto client = must(net::UnixStream::connect(path));
    expect_no_events(poll, events);

    must(poll.registry().reregister_source(listener, kListener2, Interest::readable));
    expect_events(poll, events, {{kListener2, kReadable}});
}

TEST_CASE("unix listener reports nothing after deregister despite a pending client",
          "[unix_listener]") {
    auto [poll, events] = init_with_poll();
    const std::string path = temp_path("unix_listener_deregister");
    auto listener = must(net::UnixListener::bind(path));
    must(poll.registry().register_source(listener, kListener, Interest::readable));
    must(poll.registry().deregister_source(listener));
    auto client = must(net::UnixStream::connect(path));
    expect_no_events(poll, events);
}

TEST_CASE("unix listener is re-armed once accept would block", "[unix_listener]") {
    auto [poll, events] = init_with_poll();
    const std::string path = temp_path("unix_listener_rearm");
    auto listener = must(net::UnixListener::bind(path));
    must(poll.registry().register_source(listener, kListener, Interest::readable));

    auto client1 = must(net::UnixStream::connect(path));
    auto client2 = must(net::UnixStream::connect(path));
    expect_events(poll, events, {{kListener, kReadable}});
    auto first = must(listener.accept());
    auto second = must(listener.accept());
    require_would_block(listener.accept());
    expect_no_events(poll, events);

    auto client3 = must(net::UnixStream::connect(path));
    expect_events(poll, events, {{kListener, kReadable}});
    auto third = must(listener.accept());
    require_nonblocking(third.first.as_raw_fd());
    require_cloexec(third.first.as_raw_fd());
}

TEST_CASE("unix listener binds and connects in the abstract namespace", "[unix_listener]") {
    auto [poll, events] = init_with_poll();
    const auto addr = must(net::UnixAddr::from_abstract(unique_abstract_name("listener")));
    auto listener = must(net::UnixListener::bind_addr(addr));
    require_nonblocking(listener.as_raw_fd());
    require_cloexec(listener.as_raw_fd());
    const auto local = must(listener.local_addr());
    REQUIRE(local == addr);
    REQUIRE(local.as_abstract_name() == addr.as_abstract_name());
    REQUIRE_FALSE(local.as_pathname());
    REQUIRE(local.to_string() == "@" + std::string(*addr.as_abstract_name()));

    must(poll.registry().register_source(listener, kListener, Interest::readable));
    auto client = must(net::UnixStream::connect_addr(addr));
    require_nonblocking(client.as_raw_fd());
    require_cloexec(client.as_raw_fd());
    expect_events(poll, events, {{kListener, kReadable}});
    auto [stream, peer] = must(listener.accept());
    REQUIRE(peer.is_unnamed());
    REQUIRE(must(stream.local_addr()) == addr);
    REQUIRE(must(client.peer_addr()) == addr);
}

TEST_CASE("unix listener bind on a path longer than sun_path is path_too_long", "[unix_listener]") {
    const std::string base = temp_path("x");
    const std::string path =
        base + std::string(net::UnixAddr::max_path_len() + 10 - base.size(), 'y');
    auto listener = net::UnixListener::bind(path);
    REQUIRE_FALSE(listener.has_value());
    REQUIRE(listener.error() == Errc::path_too_long);
    REQUIRE(listener.error() == std::errc::filename_too_long);
    // Nothing was created under a truncated name.
    const std::string truncated = path.substr(0, net::UnixAddr::max_path_len());
    REQUIRE_FALSE(std::filesystem::exists(truncated));
    REQUIRE_FALSE(std::filesystem::exists(path.substr(0, net::UnixAddr::max_path_len() + 1)));
}

TEST_CASE("unix listener bind on an existing path is address_in_use", "[unix_listener]") {
    const std::string path = temp_path("unix_listener_in_use");
    auto first = must(net::UnixListener::bind(path));
    require_error(net::UnixListener::bind(path), std::errc::address_in_use);
}

TEST_CASE("unix listener rejects empty paths and paths with a nul", "[unix_listener]") {
    require_error(net::UnixListener::bind(""), std::errc::invalid_argument);
    require_error(net::UnixListener::bind(std::string_view("/tmp/a\0b", 8)),
                  std::errc::invalid_argument);
}

TEST_CASE("unix listener from_fd refuses descriptors that are not unix stream sockets",
          "[unix_listener]") {
    SECTION("a pipe is not a socket") {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        UniqueFd keep(fds[1]);
        require_error(net::UnixListener::from_fd(UniqueFd(fds[0])), std::errc::not_a_socket);
    }
    SECTION("a TCP socket has the wrong family") {
        UniqueFd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        REQUIRE(tcp.valid());
        require_error(net::UnixListener::from_fd(std::move(tcp)),
                      std::errc::address_family_not_supported);
    }
    SECTION("a unix datagram socket has the wrong type") {
        UniqueFd dgram(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        REQUIRE(dgram.valid());
        require_error(net::UnixListener::from_fd(std::move(dgram)), std::errc::wrong_protocol_type);
    }
}

TEST_CASE("unix listener gives up its descriptor with into_fd", "[unix_listener]") {
    const std::string path = temp_path("unix_listener_into_fd");
    auto listener = must(net::UnixListener::bind(path));
    const int raw = listener.as_raw_fd();
    UniqueFd fd = std::move(listener).into_fd();
    REQUIRE(fd.get() == raw);
    auto again = must(net::UnixListener::from_fd(std::move(fd)));
    REQUIRE(must(again.local_addr()).as_pathname() == path);
}
