// mio's tests/unix_stream.rs, plus re-arming, large transfers and adoption errors.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include <mio/io_slice.hpp>
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

constexpr Token kToken1{0};
constexpr Token kToken2{1};
constexpr std::string_view kData1 = "Hello same host!";
constexpr std::string_view kData2 = "Why hello mio!";
constexpr std::string_view kData1a = "Hello same ";
constexpr std::string_view kData1b = "host!";

// A connected client (as returned by connect) and the server end accepted from `listener`.
// AF_UNIX connections are queued synchronously, so accept succeeds right away.
struct Connection {
    std::string path;
    net::UnixListener listener;
    net::UnixStream client;
    net::UnixStream server;
};

Connection connect_pair(std::string_view name) {
    std::string path = temp_path(name);
    auto listener = must(net::UnixListener::bind(path));
    auto client = must(net::UnixStream::connect(path));
    auto server = must(listener.accept(), "accept").first;
    return Connection{std::move(path), std::move(listener), std::move(client), std::move(server)};
}

// The server side of mio's echo listener, done inline: what the client sent is already in
// the server's receive queue, so echo it back.
void echo(const net::UnixStream& server) {
    const std::string got = drain(server);
    REQUIRE_FALSE(got.empty());
    checked_write(server, got);
}

// The body of mio's smoke tests on a connected, registered client.
void stream_smoke(Poll& poll, Events& events, const net::UnixStream& client,
                  const net::UnixStream& server) {
    expect_events(poll, events, {{kToken1, kWritable}});

    checked_write(client, kData1);
    echo(server);
    expect_events(poll, events, {{kToken1, kReadable}});
    expect_read(client, kData1);
    char buf[64];
    require_would_block(client.read(std::span<char>(buf)));

    const std::array<IoSlice, 2> out{IoSlice(kData1a), IoSlice(kData1b)};
    REQUIRE(must(client.write_vectored(out)) == kData1.size());
    echo(server);
    expect_events(poll, events, {{kToken1, kReadable}});
    std::array<char, 5> first{};
    std::array<char, 64> second{};
    std::array<IoSliceMut, 2> in{IoSliceMut(first.data(), first.size()),
                                 IoSliceMut(second.data(), second.size())};
    const std::size_t n = must(client.read_vectored(in));
    REQUIRE(n == kData1.size());
    REQUIRE(std::string(first.data(), 5) + std::string(second.data(), n - 5) == kData1);
    REQUIRE_FALSE(must(client.take_error()).has_value());
}

UniqueFd raw_connect(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd.valid());
    const auto addr = must(net::UnixAddr::from_pathname(path));
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(addr.to_sockaddr(storage));
    REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&storage), len) == 0);
    return fd;
}

}  // namespace

TEST_CASE("unix stream is a move-only source", "[unix_stream]") {
    STATIC_REQUIRE(Source<net::UnixStream>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<net::UnixStream>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<net::UnixStream>);
    STATIC_REQUIRE(std::is_nothrow_move_assignable_v<net::UnixStream>);
}

TEST_CASE("unix stream echoes plain and vectored data through events", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto c = connect_pair("unix_stream_smoke");
    require_nonblocking(c.client.as_raw_fd());
    require_cloexec(c.client.as_raw_fd());
    require_nonblocking(c.server.as_raw_fd());
    require_cloexec(c.server.as_raw_fd());
    must(poll.registry().register_source(c.client, kToken1,
                                         Interest::readable | Interest::writable));
    stream_smoke(poll, events, c.client, c.server);
}

TEST_CASE("unix stream adopted from a raw fd echoes like a connected one", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    const std::string path = temp_path("unix_stream_from_fd");
    auto listener = must(net::UnixListener::bind(path));
    UniqueFd fd = raw_connect(path);
    REQUIRE(::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK) == 0);
    auto client = must(net::UnixStream::from_fd(std::move(fd)));
    auto server = must(listener.accept()).first;
    must(poll.registry().register_source(client, kToken1, Interest::readable | Interest::writable));
    stream_smoke(poll, events, client, server);
}

TEST_CASE("unix stream connect reports writable, then readable when the server hangs up",
          "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    const std::string path = temp_path("unix_stream_connect");
    auto listener = must(net::UnixListener::bind(path));
    auto use_addr = GENERATE(false, true);
    auto stream =
        use_addr ? must(net::UnixStream::connect_addr(must(net::UnixAddr::from_pathname(path))))
                 : must(net::UnixStream::connect(path));
    require_nonblocking(stream.as_raw_fd());
    require_cloexec(stream.as_raw_fd());
    must(poll.registry().register_source(stream, kToken1, Interest::readable | Interest::writable));
    expect_events(poll, events, {{kToken1, kWritable}});

    { auto accepted = must(listener.accept()); }  // the server drops the connection
    expect_events(poll, events, {{kToken1, kReadable | kReadClosed}});
    char buf[8];
    REQUIRE(must(stream.read(std::span<char>(buf))) == 0);
}

TEST_CASE("unix stream connect to a missing path or an over-long path fails cleanly",
          "[unix_stream]") {
    require_error(net::UnixStream::connect(temp_path("nobody_listens")),
                  std::errc::no_such_file_or_directory);
    const std::string too_long(net::UnixAddr::max_path_len() + 1, 'z');
    auto r = net::UnixStream::connect("/tmp/" + too_long);
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == Errc::path_too_long);
}

TEST_CASE("unix stream pair exchanges data both ways without waiting", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto [s1, s2] = must(net::UnixStream::pair());
    for (const auto* s : {&s1, &s2}) {
        require_nonblocking(s->as_raw_fd());
        require_cloexec(s->as_raw_fd());
        REQUIRE(must(s->local_addr()).is_unnamed());
        REQUIRE(must(s->peer_addr()).is_unnamed());
    }
    must(poll.registry().register_source(s1, kToken1, Interest::readable | Interest::writable));
    expect_events(poll, events, {{kToken1, kWritable}});
    char buf[64];
    require_would_block(s1.read(std::span<char>(buf)));

    checked_write(s1, kData1);
    expect_read(s2, kData1);
    checked_write(s2, kData2);
    expect_read(s1, kData2);
}

TEST_CASE("unix stream's peer is the server path and its own address is unnamed", "[unix_stream]") {
    auto c = connect_pair("unix_stream_peer_addr");
    REQUIRE(must(c.client.peer_addr()).as_pathname() == c.path);
    REQUIRE(must(c.client.local_addr()).is_unnamed());
    REQUIRE(must(c.server.local_addr()).as_pathname() == c.path);
    REQUIRE(must(c.server.peer_addr()).is_unnamed());
}

TEST_CASE("unix stream local shutdown of reading reports read closed", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto c = connect_pair("unix_stream_shutdown_read");
    must(poll.registry().register_source(c.client, kToken1,
                                         Interest::readable | Interest::writable));
    expect_events(poll, events, {{kToken1, kWritable}});
    checked_write(c.client, kData1);
    echo(c.server);
    expect_events(poll, events, {{kToken1, kReadable}});
    REQUIRE(drain(c.client) == kData1);  // to WouldBlock: every interest is armed again

    must(c.client.shutdown(net::Shutdown::read));
    expect_events(poll, events, {{kToken1, kReadClosed}});
    char buf[8];
    REQUIRE(must(c.client.read(std::span<char>(buf))) == 0);
}

TEST_CASE("unix stream local shutdown of writing makes writes fail with broken pipe",
          "[unix_stream]") {
    // Linux reports no event for a local shutdown(write) of a stream (kqueue does).
    auto [poll, events] = init_with_poll();
    auto c = connect_pair("unix_stream_shutdown_write");
    must(poll.registry().register_source(c.client, kToken1,
                                         Interest::readable | Interest::writable));
    expect_events(poll, events, {{kToken1, kWritable}});
    checked_write(c.client, kData1);
    echo(c.server);
    expect_events(poll, events, {{kToken1, kReadable}});

    must(c.client.shutdown(net::Shutdown::write));
    require_error(c.client.write(kData2), std::errc::broken_pipe);
    // The echoed data is still readable, and the server sees end of stream.
    expect_read(c.client, kData1);
    char buf[8];
    REQUIRE(must(c.server.read(std::span<char>(buf))) == 0);
}

TEST_CASE("unix stream local shutdown of both halves reports write closed", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto c = connect_pair("unix_stream_shutdown_both");
    must(poll.registry().register_source(c.client, kToken1,
                                         Interest::readable | Interest::writable));
    expect_events(poll, events, {{kToken1, kWritable}});
    checked_write(c.client, kData1);
    echo(c.server);
    expect_events(poll, events, {{kToken1, kReadable}});
    REQUIRE(drain(c.client) == kData1);

    must(c.client.shutdown(net::Shutdown::both));
    expect_events(poll, events, {{kToken1, kWriteClosed}});
    require_error(c.client.write(kData2), std::errc::broken_pipe);
    char buf[8];
    REQUIRE(must(c.client.read(std::span<char>(buf))) == 0);
}

TEST_CASE("unix stream reports read closed when the peer shuts down writing", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto c = connect_pair("unix_stream_shutdown_listener_write");
    must(poll.registry().register_source(c.client, kToken1, Interest::readable));
    expect_no_events(poll, events);
    must(c.server.shutdown(net::Shutdown::write));
    expect_events(poll, events, {{kToken1, kReadable | kReadClosed}});
    char buf[8];
    REQUIRE(must(c.client.read(std::span<char>(buf))) == 0);
}

TEST_CASE("unix stream writes to a closed peer fail with broken pipe, not SIGPIPE",
          "[unix_stream]") {
    auto [s1, s2] = must(net::UnixStream::pair());
    { auto dropped = std::move(s2); }
    require_error(s1.write(kData1), std::errc::broken_pipe);
    const std::array<IoSlice, 1> out{IoSlice(kData1)};
    require_error(s1.write_vectored(out), std::errc::broken_pipe);
}

TEST_CASE("unix stream with nothing to read reports no events", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto c = connect_pair("unix_stream_register");
    must(poll.registry().register_source(c.client, kToken1, Interest::readable));
    expect_no_events(poll, events);
}

TEST_CASE("unix stream reregistered from readable to writable reports writable", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto c = connect_pair("unix_stream_reregister");
    must(poll.registry().register_source(c.client, kToken1, Interest::readable));
    expect_no_events(poll, events);
    must(poll.registry().reregister_source(c.client, kToken2, Interest::writable));
    expect_events(poll, events, {{kToken2, kWritable}});
}

TEST_CASE("unix stream reports nothing after deregister", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto c = connect_pair("unix_stream_deregister");
    must(poll.registry().register_source(c.client, kToken1, Interest::writable));
    must(poll.registry().deregister_source(c.client));
    checked_write(c.server, kData1);
    expect_no_events(poll, events);
}

TEST_CASE("unix stream is re-armed once a read would block", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto [s1, s2] = must(net::UnixStream::pair());
    must(poll.registry().register_source(s1, kToken1, Interest::readable));
    checked_write(s2, kData1);
    expect_events(poll, events, {{kToken1, kReadable}});
    REQUIRE(drain(s1) == kData1);
    expect_no_events(poll, events);

    checked_write(s2, kData2);
    expect_events(poll, events, {{kToken1, kReadable}});
    REQUIRE(drain(s1) == kData2);
}

TEST_CASE("unix stream try_io re-arms after a custom read would block", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto [s1, s2] = must(net::UnixStream::pair());
    must(poll.registry().register_source(s1, kToken1, Interest::readable));
    auto raw_read = [](int fd) -> Result<std::size_t> {
        char buf[64];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0) return fail(last_os_error());
        return static_cast<std::size_t>(n);
    };
    checked_write(s2, kData1);
    expect_events(poll, events, {{kToken1, kReadable}});
    REQUIRE(must(s1.try_io(raw_read)) == kData1.size());
    require_would_block(s1.try_io(raw_read));
    checked_write(s2, kData2);
    expect_events(poll, events, {{kToken1, kReadable}});
    REQUIRE(must(s1.try_io(raw_read)) == kData2.size());
}

TEST_CASE("unix stream pair carries a large transfer drained until would block", "[unix_stream]") {
    auto [poll, events] = init_with_poll();
    auto [writer, reader] = must(net::UnixStream::pair());
    must(poll.registry().register_source(writer, kToken1, Interest::writable));
    must(poll.registry().register_source(reader, kToken2, Interest::readable));

    constexpr std::size_t kTotal = 8 * 1024 * 1024;
    std::vector<std::byte> out(kTotal);
    for (std::size_t i = 0; i < kTotal; ++i)
        out[i] = static_cast<std::byte>((i * 7 + i / 251) & 0xff);
    std::vector<std::byte> in;
    in.reserve(kTotal);
    std::size_t written = 0;
    std::vector<std::byte> buf(64 * 1024);
    while (in.size() < kTotal) {
        must(poll.poll(events, std::chrono::seconds(5)), "poll");
        REQUIRE_FALSE(events.empty());  // never stalls: every edge was drained
        for (const Event& ev : events) {
            if (ev.token() == kToken1) {
                while (written < kTotal) {
                    auto n = writer.write(std::span(out).subspan(written));
                    if (!n && is_would_block(n.error())) break;
                    REQUIRE(n.has_value());
                    written += *n;
                }
            } else {
                for (;;) {
                    auto n = reader.read(std::span(buf));
                    if (!n && is_would_block(n.error())) break;
                    REQUIRE(n.has_value());
                    REQUIRE(*n > 0);
                    in.insert(in.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
                }
            }
        }
    }
    REQUIRE(written == kTotal);
    REQUIRE(in == out);
}

TEST_CASE("unix stream from_fd refuses descriptors that are not unix stream sockets",
          "[unix_stream]") {
    SECTION("a TCP socket has the wrong family") {
        UniqueFd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        REQUIRE(tcp.valid());
        require_error(net::UnixStream::from_fd(std::move(tcp)),
                      std::errc::address_family_not_supported);
    }
    SECTION("a pipe is not a socket") {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        UniqueFd keep(fds[1]);
        require_error(net::UnixStream::from_fd(UniqueFd(fds[0])), std::errc::not_a_socket);
    }
    SECTION("a unix datagram socket has the wrong type") {
        UniqueFd dgram(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        REQUIRE(dgram.valid());
        require_error(net::UnixStream::from_fd(std::move(dgram)), std::errc::wrong_protocol_type);
    }
    SECTION("a closed descriptor is a bad descriptor") {
        require_error(net::UnixStream::from_fd(UniqueFd()), std::errc::bad_file_descriptor);
    }
}

TEST_CASE("unix stream gives up its descriptor with into_fd", "[unix_stream]") {
    auto [s1, s2] = must(net::UnixStream::pair());
    const int raw = s1.as_raw_fd();
    UniqueFd fd = std::move(s1).into_fd();
    REQUIRE(fd.get() == raw);
    auto again = must(net::UnixStream::from_fd(std::move(fd)));
    checked_write(again, kData1);
    expect_read(s2, kData1);
}
