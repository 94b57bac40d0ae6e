// mio's tests/unix_datagram.rs and regressions.rs issue_1403.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <type_traits>
#include <vector>

#include <mio/net/unix_datagram.hpp>
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

// One recv_from must return exactly `expected` from `from`.
void expect_recv_from(const net::UnixDatagram& socket, std::string_view expected,
                      const net::UnixAddr& from) {
    char buf[128];
    auto [n, addr] = must(socket.recv_from(std::span<char>(buf)), "recv_from");
    REQUIRE(std::string_view(buf, n) == expected);
    REQUIRE(addr == from);
}

void expect_recv(const net::UnixDatagram& socket, std::string_view expected) {
    char buf[128];
    const std::size_t n = must(socket.recv(std::span<char>(buf)), "recv");
    REQUIRE(std::string_view(buf, n) == expected);
}

void require_fd_flags(const net::UnixDatagram& socket) {
    require_nonblocking(socket.as_raw_fd());
    require_cloexec(socket.as_raw_fd());
}

// mio's smoke_test_unconnected on two bound sockets.
void smoke_unconnected(net::UnixDatagram& d1, net::UnixDatagram& d2, const std::string& path1,
                       const std::string& path2) {
    auto [poll, events] = init_with_poll();
    const Interest both = Interest::readable | Interest::writable;
    must(poll.registry().register_source(d1, kToken1, both));
    must(poll.registry().register_source(d2, kToken2, both));
    expect_events(poll, events, {{kToken1, kWritable}, {kToken2, kWritable}});

    char buf[64];
    require_would_block(d1.recv_from(std::span<char>(buf)));
    require_would_block(d2.recv_from(std::span<char>(buf)));

    REQUIRE(must(d1.send_to(kData1, path2)) == kData1.size());
    REQUIRE(must(d2.send_to(bytes(kData2), path1)) == kData2.size());
    expect_events(poll, events, {{kToken1, kReadable}, {kToken2, kReadable}});
    expect_recv_from(d1, kData2, must(net::UnixAddr::from_pathname(path2)));
    expect_recv_from(d2, kData1, must(net::UnixAddr::from_pathname(path1)));
    REQUIRE_FALSE(must(d1.take_error()).has_value());
}

// mio's smoke_test_connected on two sockets connected to each other.
void smoke_connected(net::UnixDatagram& d1, net::UnixDatagram& d2) {
    auto [poll, events] = init_with_poll();
    const Interest both = Interest::readable | Interest::writable;
    must(poll.registry().register_source(d1, kToken1, both));
    must(poll.registry().register_source(d2, kToken2, both));
    expect_events(poll, events, {{kToken1, kWritable}, {kToken2, kWritable}});

    char buf[64];
    require_would_block(d1.recv(std::span<char>(buf)));
    require_would_block(d2.recv(std::span<char>(buf)));

    REQUIRE(must(d1.send(kData1)) == kData1.size());
    REQUIRE(must(d2.send(bytes(kData2))) == kData2.size());
    expect_events(poll, events, {{kToken1, kReadable}, {kToken2, kReadable}});
    expect_recv(d1, kData2);
    expect_recv(d2, kData1);
}

UniqueFd raw_bound_datagram(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    REQUIRE(fd.valid());
    const auto addr = must(net::UnixAddr::from_pathname(path));
    sockaddr_storage storage;
    const auto len = static_cast<socklen_t>(addr.to_sockaddr(storage));
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), len) == 0);
    return fd;
}

}  // namespace

TEST_CASE("unix datagram is a move-only source", "[unix_datagram]") {
    STATIC_REQUIRE(Source<net::UnixDatagram>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<net::UnixDatagram>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<net::UnixDatagram>);
    STATIC_REQUIRE(std::is_nothrow_move_assignable_v<net::UnixDatagram>);
}

TEST_CASE("unix datagrams sent to paths arrive with the sender's path", "[unix_datagram]") {
    const std::string path1 = temp_path("unix_datagram_smoke_unconnected1");
    const std::string path2 = temp_path("unix_datagram_smoke_unconnected2");
    auto d1 = must(net::UnixDatagram::bind(path1));
    auto d2 = must(net::UnixDatagram::bind(path2));
    require_fd_flags(d1);
    require_fd_flags(d2);
    REQUIRE(must(d1.local_addr()).as_pathname() == path1);
    smoke_unconnected(d1, d2, path1, path2);
}

TEST_CASE("unix datagrams adopted from raw fds work unconnected", "[unix_datagram]") {
    const std::string path1 = temp_path("unix_datagram_from_fd1");
    const std::string path2 = temp_path("unix_datagram_from_fd2");
    auto d1 = must(net::UnixDatagram::from_fd(raw_bound_datagram(path1)));
    auto d2 = must(net::UnixDatagram::from_fd(raw_bound_datagram(path2)));
    smoke_unconnected(d1, d2, path1, path2);
}

TEST_CASE("unix datagrams connected to each other send and recv", "[unix_datagram]") {
    const std::string path1 = temp_path("unix_datagram_smoke_connected1");
    const std::string path2 = temp_path("unix_datagram_smoke_connected2");
    auto d1 = must(net::UnixDatagram::bind(path1));
    auto d2 = must(net::UnixDatagram::bind(path2));
    must(d1.connect(path2));
    must(d2.connect_addr(must(net::UnixAddr::from_pathname(path1))));
    REQUIRE(must(d1.local_addr()) == must(d2.peer_addr()));
    REQUIRE(must(d2.local_addr()) == must(d1.peer_addr()));
    REQUIRE(must(d1.peer_addr()).as_pathname() == path2);
    smoke_connected(d1, d2);
}

TEST_CASE("unix datagrams adopted from raw fds work connected", "[unix_datagram]") {
    const std::string path1 = temp_path("unix_datagram_from_fd_connected1");
    const std::string path2 = temp_path("unix_datagram_from_fd_connected2");
    auto d1 = must(net::UnixDatagram::from_fd(raw_bound_datagram(path1)));
    auto d2 = must(net::UnixDatagram::from_fd(raw_bound_datagram(path2)));
    must(d1.connect(path2));
    must(d2.connect(path1));
    smoke_connected(d1, d2);
}

TEST_CASE("unix datagram can connect to its own path", "[unix_datagram]") {
    const std::string path = temp_path("unix_datagram_connect");
    auto d = must(net::UnixDatagram::bind(path));
    must(d.connect(path));
    REQUIRE(must(d.send(kData1)) == kData1.size());
    expect_recv(d, kData1);
}

TEST_CASE("unix datagram pair exchanges datagrams both ways", "[unix_datagram]") {
    auto [d1, d2] = must(net::UnixDatagram::pair());
    require_fd_flags(d1);
    require_fd_flags(d2);
    REQUIRE(must(d1.local_addr()).is_unnamed());
    REQUIRE(must(d1.peer_addr()).is_unnamed());
    smoke_connected(d1, d2);
}

TEST_CASE("unix datagram shutdown reports read closed then write closed", "[unix_datagram]") {
    auto [poll, events] = init_with_poll();
    const std::string path1 = temp_path("unix_datagram_shutdown1");
    const std::string path2 = temp_path("unix_datagram_shutdown2");
    auto d1 = must(net::UnixDatagram::bind(path1));
    auto d2 = must(net::UnixDatagram::bind(path2));
    must(d1.connect(path2));
    must(poll.registry().register_source(d1, kToken1, Interest::readable | Interest::writable));
    expect_events(poll, events, {{kToken1, kWritable}});
    char buf[64];
    require_would_block(d1.recv(std::span<char>(buf)));

    must(d1.shutdown(net::Shutdown::read));
    expect_events(poll, events, {{kToken1, kReadClosed}});

    must(d1.shutdown(net::Shutdown::write));
    expect_events(poll, events, {{kToken1, kWriteClosed}});

    require_error(d1.send(kData1), std::errc::broken_pipe);
    REQUIRE_FALSE(must(d1.take_error()).has_value());
}

TEST_CASE("unix datagram with nothing queued reports no events", "[unix_datagram]") {
    auto [poll, events] = init_with_poll();
    auto d = must(net::UnixDatagram::bind(temp_path("unix_datagram_register")));
    must(poll.registry().register_source(d, kToken1, Interest::readable));
    expect_no_events(poll, events);
}

TEST_CASE("unix datagram reregistered from readable to writable reports writable",
          "[unix_datagram]") {
    auto [poll, events] = init_with_poll();
    auto d = must(net::UnixDatagram::bind(temp_path("unix_datagram_reregister")));
    must(poll.registry().register_source(d, kToken1, Interest::readable));
    expect_no_events(poll, events);
    must(poll.registry().reregister_source(d, kToken2, Interest::writable));
    expect_events(poll, events, {{kToken2, kWritable}});
}

TEST_CASE("unix datagram reports nothing after deregister", "[unix_datagram]") {
    auto [poll, events] = init_with_poll();
    auto d = must(net::UnixDatagram::bind(temp_path("unix_datagram_deregister")));
    must(poll.registry().register_source(d, kToken1, Interest::writable));
    must(poll.registry().deregister_source(d));
    expect_no_events(poll, events);
}

TEST_CASE("unix datagram is re-armed once a recv would block", "[unix_datagram]") {
    auto [poll, events] = init_with_poll();
    auto [d1, d2] = must(net::UnixDatagram::pair());
    must(poll.registry().register_source(d1, kToken1, Interest::readable));
    must(d2.send(kData1));
    expect_events(poll, events, {{kToken1, kReadable}});
    expect_recv(d1, kData1);
    char buf[64];
    require_would_block(d1.recv(std::span<char>(buf)));
    expect_no_events(poll, events);

    must(d2.send(kData2));
    expect_events(poll, events, {{kToken1, kReadable}});
    expect_recv(d1, kData2);
}

TEST_CASE("unix datagram binds, sends and receives in the abstract namespace", "[unix_datagram]") {
    auto [poll, events] = init_with_poll();
    const auto addr1 = must(net::UnixAddr::from_abstract(unique_abstract_name("dgram1")));
    const auto addr2 = must(net::UnixAddr::from_abstract(unique_abstract_name("dgram2")));
    auto d1 = must(net::UnixDatagram::bind_addr(addr1));
    auto d2 = must(net::UnixDatagram::bind_addr(addr2));
    REQUIRE(must(d1.local_addr()) == addr1);
    must(poll.registry().register_source(d2, kToken2, Interest::readable));
    REQUIRE(must(d1.send_to_addr(kData1, addr2)) == kData1.size());
    expect_events(poll, events, {{kToken2, kReadable}});
    expect_recv_from(d2, kData1, addr1);
}

TEST_CASE("unix datagram send_to or bind on an over-long path is path_too_long",
          "[unix_datagram]") {
    auto d = must(net::UnixDatagram::unbound());
    const std::string too_long = "/tmp/" + std::string(net::UnixAddr::max_path_len(), 'q');
    auto sent = d.send_to(kData1, too_long);
    REQUIRE_FALSE(sent.has_value());
    REQUIRE(sent.error() == Errc::path_too_long);
    auto bound = net::UnixDatagram::bind(too_long);
    REQUIRE_FALSE(bound.has_value());
    REQUIRE(bound.error() == std::errc::filename_too_long);
    auto connected = d.connect(too_long);
    REQUIRE_FALSE(connected.has_value());
    REQUIRE(connected.error() == Errc::path_too_long);
}

TEST_CASE("unix datagram send without a peer is not connected", "[unix_datagram]") {
    auto d = must(net::UnixDatagram::unbound());
    require_fd_flags(d);
    REQUIRE(must(d.local_addr()).is_unnamed());
    require_error(d.send(kData1), std::errc::not_connected);
    require_error(d.peer_addr(), std::errc::not_connected);
}

TEST_CASE("unix datagram from_fd refuses descriptors that are not unix datagram sockets",
          "[unix_datagram]") {
    UniqueFd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    REQUIRE(udp.valid());
    require_error(net::UnixDatagram::from_fd(std::move(udp)),
                  std::errc::address_family_not_supported);
    UniqueFd stream(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(stream.valid());
    require_error(net::UnixDatagram::from_fd(std::move(stream)), std::errc::wrong_protocol_type);
}

TEST_CASE("regression issue 1403: a datagram from an unbound socket has an unnamed sender",
          "[unix_datagram][regressions]") {
    const std::string path = temp_path("issue_1403");
    auto receiver = must(net::UnixDatagram::bind(path));
    auto sender = must(net::UnixDatagram::unbound());
    const std::vector<std::byte> data(1024, std::byte{0x5a});
    REQUIRE(must(sender.send_to(data, path)) == data.size());

    std::vector<std::byte> buf(2048);
    auto [n, from] = must(receiver.recv_from(std::span(buf)));
    REQUIRE(n == data.size());
    REQUIRE(from.is_unnamed());
    REQUIRE_FALSE(from.as_pathname());
}
