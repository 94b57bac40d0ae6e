// SocketAddr: parsing, formatting, ordering, hashing and the sockaddr round-trip.
#include <catch2/catch.hpp>

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <array>
#include <cstring>
#include <string>
#include <unordered_set>

#include <mio/net/socket_addr.hpp>

using mio::net::SocketAddr;

namespace {

SocketAddr parse_ok(std::string_view text) {
    auto r = SocketAddr::parse(text);
    INFO("parsing '" << text << "'");
    REQUIRE(r.has_value());
    return *r;
}

std::array<std::uint8_t, 16> v6_loopback() {
    std::array<std::uint8_t, 16> ip{};
    ip[15] = 1;
    return ip;
}

}  // namespace

TEST_CASE("socket addr parses ipv4 with port", "[socket_addr]") {
    const SocketAddr a = parse_ok("127.0.0.1:8080");
    REQUIRE(a.is_ipv4());
    REQUIRE_FALSE(a.is_ipv6());
    REQUIRE(a.port() == 8080);
    REQUIRE(a == SocketAddr::v4({127, 0, 0, 1}, 8080));
    REQUIRE(a.is_loopback());
    REQUIRE_FALSE(a.is_unspecified());
    REQUIRE(parse_ok("0.0.0.0:0").is_unspecified());
    REQUIRE(parse_ok("255.255.255.255:65535").port() == 65535);
}

TEST_CASE("socket addr parses bracketed ipv6 with port and scope", "[socket_addr]") {
    const SocketAddr a = parse_ok("[::1]:443");
    REQUIRE(a.is_ipv6());
    REQUIRE(a.port() == 443);
    REQUIRE(a == SocketAddr::v6(v6_loopback(), 443));
    REQUIRE(a.is_loopback());
    REQUIRE(parse_ok("[::]:1").is_unspecified());

    const SocketAddr scoped = parse_ok("[fe80::1%7]:80");
    REQUIRE(scoped.scope_id() == 7);
    REQUIRE(scoped.octets()[0] == 0xfe);
    REQUIRE(scoped.octets()[1] == 0x80);
    REQUIRE(scoped.octets()[15] == 1);

    const unsigned lo = ::if_nametoindex("lo");
    if (lo != 0) REQUIRE(parse_ok("[fe80::1%lo]:80").scope_id() == lo);
}

TEST_CASE("socket addr rejects malformed text with invalid_argument", "[socket_addr]") {
    for (const char* bad :
         {"127.0.0.1", "1.2.3.4:99999", "::1:80", "[::1]80", "host:80", "", "[::1]",
          "[::1]:", "1.2.3:80", "1.2.3.4:", "1.2.3.4:80x", "[::1%]:80", "[fe80::1%no-such-if]:80",
          "[1.2.3.4]:80", " 1.2.3.4:80", "1.2.3.4:-1"}) {
        INFO("parsing '" << bad << "'");
        auto r = SocketAddr::parse(bad);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error() == std::errc::invalid_argument);
    }
}

TEST_CASE("socket addr formats and parses back to an equal address", "[socket_addr]") {
    REQUIRE(SocketAddr::v4({10, 1, 2, 3}, 99).to_string() == "10.1.2.3:99");
    REQUIRE(SocketAddr::v6(v6_loopback(), 80).to_string() == "[::1]:80");
    REQUIRE(SocketAddr::v6(v6_loopback(), 80).ip_string() == "::1");
    REQUIRE(parse_ok("[fe80::1%3]:80").to_string() == "[fe80::1%3]:80");
    for (const char* text : {"127.0.0.1:1", "[::1]:65535", "[fe80::abcd%2]:9", "[2001:db8::1]:0"}) {
        const SocketAddr a = parse_ok(text);
        REQUIRE(a.to_string() == text);
        REQUIRE(parse_ok(a.to_string()) == a);
    }
    REQUIRE(SocketAddr().to_string() == "0.0.0.0:0");
}

TEST_CASE("socket addr orders ipv4 before ipv6 and compares by value", "[socket_addr]") {
    const SocketAddr v4 = parse_ok("255.255.255.255:65535");
    const SocketAddr v6 = parse_ok("[::]:0");
    REQUIRE(v4 < v6);
    REQUIRE(parse_ok("1.2.3.4:80") < parse_ok("1.2.3.5:80"));
    REQUIRE(parse_ok("1.2.3.4:80") < parse_ok("1.2.3.4:81"));
    REQUIRE(parse_ok("1.2.3.4:80") != parse_ok("1.2.3.4:81"));
    REQUIRE(parse_ok("[fe80::1%1]:80") != parse_ok("[fe80::1%2]:80"));
    SocketAddr a = v4;
    a.set_port(1);
    REQUIRE(a.port() == 1);
    REQUIRE(a != v4);
}

TEST_CASE("socket addr hashes equal addresses equally", "[socket_addr]") {
    const std::hash<SocketAddr> hash;
    REQUIRE(hash(parse_ok("127.0.0.1:80")) == hash(SocketAddr::v4({127, 0, 0, 1}, 80)));
    std::unordered_set<SocketAddr> set{parse_ok("127.0.0.1:80"), parse_ok("127.0.0.1:81"),
                                       parse_ok("[::1]:80"), parse_ok("127.0.0.1:80")};
    REQUIRE(set.size() == 3);
    REQUIRE(set.contains(parse_ok("[::1]:80")));
}

TEST_CASE("socket addr round-trips through sockaddr_storage", "[socket_addr]") {
    for (const char* text : {"127.0.0.1:8080", "0.0.0.0:0", "[::1]:443", "[fe80::1%5]:22"}) {
        const SocketAddr a = parse_ok(text);
        sockaddr_storage storage;
        const std::size_t len = a.to_sockaddr(storage);
        REQUIRE(len == (a.is_ipv4() ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)));
        REQUIRE(storage.ss_family == (a.is_ipv4() ? AF_INET : AF_INET6));
        auto back = SocketAddr::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), len);
        REQUIRE(back.has_value());
        REQUIRE(*back == a);
    }
    sockaddr_storage storage;
    SocketAddr::v4({1, 2, 3, 4}, 0x1234).to_sockaddr(storage);
    sockaddr_in in;
    std::memcpy(&in, &storage, sizeof in);
    REQUIRE(ntohs(in.sin_port) == 0x1234);
    REQUIRE(ntohl(in.sin_addr.s_addr) == 0x01020304u);

    const SocketAddr flow = SocketAddr::v6(v6_loopback(), 1, 0x12345, 3);
    flow.to_sockaddr(storage);
    auto back = SocketAddr::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage),
                                          sizeof(sockaddr_in6));
    REQUIRE(back.has_value());
    REQUIRE(back->flowinfo() == 0x12345);
    REQUIRE(back->scope_id() == 3);
}

TEST_CASE("socket addr refuses other families and short lengths", "[socket_addr]") {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    auto r = SocketAddr::from_sockaddr(reinterpret_cast<const sockaddr*>(&un), sizeof un);
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == std::errc::address_family_not_supported);

    sockaddr_storage storage;
    SocketAddr::v4({1, 2, 3, 4}, 1).to_sockaddr(storage);
    auto short_len = SocketAddr::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), 4);
    REQUIRE_FALSE(short_len.has_value());
    REQUIRE(short_len.error() == std::errc::invalid_argument);
    REQUIRE_FALSE(SocketAddr::from_sockaddr(nullptr, 16).has_value());
}
