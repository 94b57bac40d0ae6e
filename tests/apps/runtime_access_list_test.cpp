// Cidr parsing and AccessList decisions: most specific rule wins, deny wins a tie, allow rules
// make the default deny, IPv4-mapped IPv6 clients match IPv4 rules.

#include <catch2/catch.hpp>

#include <string>

#include "runtime/access_list.hpp"

using app::AccessList;
using app::Cidr;
using mio::net::SocketAddr;

namespace {

Cidr cidr(std::string_view text) {
    std::string error;
    auto c = Cidr::parse(text, &error);
    INFO(text << ": " << error);
    REQUIRE(c.has_value());
    return *c;
}

std::string parse_error(std::string_view text) {
    std::string error;
    CHECK_FALSE(Cidr::parse(text, &error).has_value());
    return error;
}

SocketAddr ip(std::string_view text) {
    auto a = SocketAddr::parse(text);
    REQUIRE(a.has_value());
    return *a;
}

}  // namespace

TEST_CASE("cidr parses blocks and hosts and prints them back", "[runtime][acl]") {
    CHECK(cidr("10.0.0.0/8").to_string() == "10.0.0.0/8");
    CHECK(cidr("192.168.1.7").to_string() == "192.168.1.7/32");
    CHECK(cidr("2001:db8::/32").to_string() == "2001:db8::/32");
    CHECK(cidr("::1").to_string() == "::1/128");
    CHECK(cidr("0.0.0.0/0").contains(ip("203.0.113.9:1")));
    CHECK(cidr("10.0.0.0/8").contains(ip("10.200.3.4:80")));
    CHECK_FALSE(cidr("10.0.0.0/8").contains(ip("11.0.0.1:80")));
    CHECK_FALSE(cidr("10.0.0.0/8").contains(ip("[::1]:80")));  // families never match
    CHECK(cidr("10.1.0.0/17").contains(ip("10.1.127.255:1")));
    CHECK_FALSE(cidr("10.1.0.0/17").contains(ip("10.1.128.0:1")));
}

TEST_CASE("cidr mistakes are named", "[runtime][acl]") {
    CHECK(parse_error("10.0.0.0/33") == "prefix '33' is out of range (0..32)");
    CHECK(parse_error("::/129") == "prefix '129' is out of range (0..128)");
    CHECK(parse_error("10.0.0.0/") == "prefix '' is out of range (0..32)");
    CHECK(parse_error("10.0.0.1/8") == "host bits are set: did you mean '10.0.0.0/8'?");
    CHECK(parse_error("localhost") == "'localhost' is not an IP address");
    CHECK(parse_error("10.0.0.256/8") == "'10.0.0.256' is not an IP address");
}

TEST_CASE("access list: most specific wins, deny wins a tie, allow makes default deny",
          "[runtime][acl]") {
    CHECK(AccessList().allows(ip("1.2.3.4:5")));
    const AccessList deny_only({}, {cidr("10.0.0.0/8")});
    CHECK_FALSE(deny_only.allows(ip("10.1.2.3:5")));
    CHECK(deny_only.allows(ip("11.1.2.3:5")));  // no allow rules: the rest is allowed

    const AccessList list({cidr("10.0.0.0/8"), cidr("10.9.9.9")}, {cidr("10.9.0.0/16")});
    CHECK(list.allows(ip("10.1.2.3:5")));
    CHECK_FALSE(list.allows(ip("10.9.1.1:5")));   // the /16 deny is more specific than the /8
    CHECK(list.allows(ip("10.9.9.9:5")));         // the /32 allow is more specific still
    CHECK_FALSE(list.allows(ip("192.0.2.1:5")));  // allow rules exist: the rest is denied

    const AccessList tie({cidr("10.0.0.0/8")}, {cidr("10.0.0.0/8")});
    CHECK_FALSE(tie.allows(ip("10.0.0.1:5")));
}

TEST_CASE("access list matches IPv4-mapped IPv6 clients as IPv4", "[runtime][acl]") {
    const AccessList list({cidr("127.0.0.0/8")}, {});
    CHECK(list.allows(ip("[::ffff:127.0.0.1]:80")));
    CHECK_FALSE(list.allows(ip("[::ffff:10.0.0.1]:80")));
    CHECK_FALSE(list.allows(ip("[::1]:80")));
}
