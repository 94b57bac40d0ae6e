// Units (durations, sizes), edit distance hints and Endpoint parsing.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "config/endpoint.hpp"
#include "config/suggest.hpp"
#include "config/units.hpp"

using namespace std::chrono_literals;
using app::format_duration;
using app::format_size;
using app::parse_duration;
using app::parse_size;

TEST_CASE("parse_duration accepts an integer with a mandatory unit", "[config][units]") {
    CHECK(parse_duration("250ms") == 250ms);
    CHECK(parse_duration("5s") == 5s);
    CHECK(parse_duration("1m") == 1min);
    CHECK(parse_duration("2h") == 2h);
    CHECK(parse_duration("1d") == 24h);
    CHECK(parse_duration("0s") == 0ms);
    CHECK(parse_duration("off") == 0ms);
    CHECK(parse_duration("0ms") == 0ms);
}

TEST_CASE("parse_duration rejects bare numbers, signs, spaces and unknown units",
          "[config][units]") {
    for (const char* bad : {"", "5", "-5s", "+5s", "5 s", " 5s", "5s ", "5parsecs", "5 parsecs",
                            "s", "1.5s", "5S", "5sec", "5mss", "Off", "0x10s"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad).has_value());
    }
}

TEST_CASE("parse_duration rejects overflow", "[config][units]") {
    CHECK_FALSE(parse_duration("99999999999999999999ms").has_value());  // > uint64
    CHECK_FALSE(parse_duration("9223372036854776s").has_value());       // > int64 ms
    CHECK(parse_duration("9223372036854775807ms") == std::chrono::milliseconds::max());
}

TEST_CASE("format_duration uses the largest exact unit", "[config][units]") {
    CHECK(format_duration(0ms) == "0s");
    CHECK(format_duration(1500ms) == "1500ms");
    CHECK(format_duration(60000ms) == "1m");
    CHECK(format_duration(90s) == "90s");
    CHECK(format_duration(10s) == "10s");
    CHECK(format_duration(2h) == "2h");
    CHECK(format_duration(48h) == "2d");
    CHECK(format_duration(25h) == "25h");
}

TEST_CASE("durations round-trip through format and parse", "[config][units]") {
    for (const auto d : {0ms, 1ms, 999ms, 1000ms, 1500ms, 60000ms, 61000ms, 3600000ms, 86400000ms,
                         86400001ms, std::chrono::milliseconds::max()}) {
        INFO(d.count());
        CHECK(parse_duration(format_duration(d)) == d);
    }
}

TEST_CASE("parse_size accepts B, KiB, MiB, GiB, TiB", "[config][units]") {
    CHECK(parse_size("512B") == 512u);
    CHECK(parse_size("16KiB") == 16u * 1024);
    CHECK(parse_size("1MiB") == 1024u * 1024);
    CHECK(parse_size("1GiB") == 1024u * 1024 * 1024);
    CHECK(parse_size("2TiB") == (std::uint64_t{2} << 40));
    CHECK(parse_size("0B") == 0u);
}

TEST_CASE("parse_size rejects missing units, decimal units and overflow", "[config][units]") {
    for (const char* bad : {"", "16", "16K", "16KB", "16kib", "-1B", "1.5MiB", "16 KiB", "KiB",
                            "99999999999999999999B", "17179869184GiB"}) {
        INFO(bad);
        CHECK_FALSE(parse_size(bad).has_value());
    }
}

TEST_CASE("format_size uses the largest exact binary unit and round-trips", "[config][units]") {
    CHECK(format_size(0) == "0B");
    CHECK(format_size(1000) == "1000B");
    CHECK(format_size(16 * 1024) == "16KiB");
    CHECK(format_size(1536) == "1536B");
    CHECK(format_size(3 * 1024 * 1024) == "3MiB");
    CHECK(format_size(std::uint64_t{1} << 30) == "1GiB");
    for (const std::uint64_t n :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1023}, std::uint64_t{1024},
          std::uint64_t{1025}, std::uint64_t{1} << 40, ~std::uint64_t{0}}) {
        INFO(n);
        CHECK(parse_size(format_size(n)) == n);
    }
}

TEST_CASE("edit_distance counts transpositions and ignores case", "[config][suggest]") {
    CHECK(app::edit_distance("bind", "bind") == 0);
    CHECK(app::edit_distance("bnid", "bind") == 1);
    CHECK(app::edit_distance("BIND", "bind") == 0);
    CHECK(app::edit_distance("bnd", "bind") == 1);
    CHECK(app::edit_distance("protocl", "protocol") == 1);
    CHECK(app::edit_distance("abc", "") == 3);
    const std::vector<std::string> keys{"bind", "mode", "protocol"};
    CHECK(app::did_you_mean("protcol", keys) == "; did you mean 'protocol'?");
    CHECK(app::did_you_mean("zzzzzz", keys).empty());
}

TEST_CASE("Endpoint parses host:port and unix:/path and round-trips", "[config][endpoint]") {
    for (const char* text : {"127.0.0.1:7007", "0.0.0.0:7", "[::1]:7007", "[::]:53",
                             "unix:/run/mio/echo.sock", "unix:relative.sock"}) {
        INFO(text);
        const auto endpoint = app::Endpoint::parse(text);
        REQUIRE(endpoint.has_value());
        CHECK(endpoint->to_string() == text);
        CHECK(app::Endpoint::parse(endpoint->to_string()) == endpoint);
    }
    const auto unix_endpoint = app::Endpoint::parse("unix:/tmp/x.sock");
    REQUIRE(unix_endpoint);
    CHECK(unix_endpoint->is_unix());
    CHECK(unix_endpoint->unix_path() == "/tmp/x.sock");
    const auto inet_endpoint = app::Endpoint::parse("127.0.0.1:80");
    REQUIRE(inet_endpoint);
    CHECK_FALSE(inet_endpoint->is_unix());
    CHECK(inet_endpoint->inet().port() == 80);
    CHECK(inet_endpoint != unix_endpoint);
}

TEST_CASE("Endpoint rejects host names, missing ports and long unix paths", "[config][endpoint]") {
    std::string why;
    for (const char* bad :
         {"localhost:80", "127.0.0.1", "::1:80", "127.0.0.1:65536", "unix:", ""}) {
        INFO(bad);
        CHECK_FALSE(app::Endpoint::parse(bad, &why).has_value());
        CHECK_FALSE(why.empty());
    }
    const std::string longest(107, 'a');
    CHECK(app::Endpoint::parse("unix:" + longest).has_value());
    why.clear();
    CHECK_FALSE(app::Endpoint::parse("unix:" + longest + "a", &why).has_value());
    CHECK_THAT(why, Catch::Contains("108 bytes") && Catch::Contains("107"));
}

TEST_CASE("Endpoint names the mistake: port out of range, no port, host name, no brackets",
          "[config][endpoint]") {
    struct Case {
        const char* text;
        const char* why;
    };
    const std::vector<Case> cases{
        {"127.0.0.1:99999", "'127.0.0.1:99999': port 99999 is out of range (0..65535)"},
        {"127.0.0.1:65536", "port 65536 is out of range (0..65535)"},
        {"[::1]:123456789012", "port 123456789012 is out of range (0..65535)"},
        {"127.0.0.1:http", "port 'http' is not a number"},
        {"127.0.0.1:", "missing port after ':'"},
        {"127.0.0.1", "'127.0.0.1': missing port"},
        {"[::1]", "missing port"},
        {"localhost:80", "'localhost' is a host name; host names are not resolved"},
        {"db.internal", "missing port"},
        {":8080", "missing host before ':'"},
        {"::1:80", "an IPv6 address needs brackets"},
        {"300.1.1.1:7", "'300.1.1.1' is not a literal IPv4 address"},
        {"[::g]:7", "'::g' is not a literal IPv6 address"},
        {"[::1:7", "missing ']'"},
        {"", "empty address"},
    };
    for (const Case& c : cases) {
        INFO(c.text);
        std::string why;
        CHECK_FALSE(app::Endpoint::parse(c.text, &why).has_value());
        CHECK_THAT(why, Catch::Contains(c.why));
    }
    std::string why;
    CHECK_FALSE(app::Endpoint::parse("localhost:99999", &why).has_value());
    CHECK_THAT(why, Catch::Contains("out of range") && Catch::Contains("host name"));
}
