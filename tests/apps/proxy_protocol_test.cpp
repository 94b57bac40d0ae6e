// The PROXY protocol: the header mio-proxy sends (the spec's v1 lines and v2 bytes for IPv4,
// IPv6 and the unknown/LOCAL case, TCP and UDP) and the one it accepts (the spec's examples,
// every truncation of a valid header, TLVs skipped, malformed headers refused with a reason).

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "proxy_protocol.hpp"

using app::encode_proxy_header;
using app::parse_proxy_header;
using app::ProxyHeader;
using app::ProxyProtocol;
using app::ProxyTransport;
using mio::net::SocketAddr;

namespace {

std::vector<std::uint8_t> header(ProxyProtocol v, std::optional<SocketAddr> client,
                                 std::optional<SocketAddr> local,
                                 ProxyTransport transport = ProxyTransport::stream) {
    std::array<std::byte, app::kMaxProxyHeader> out{};
    const std::size_t n = encode_proxy_header(v, transport, client, local, out);
    std::vector<std::uint8_t> bytes(n);
    if (n > 0) std::memcpy(bytes.data(), out.data(), n);  // an empty vector has no data()
    return bytes;
}

std::string text(const std::vector<std::uint8_t>& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

SocketAddr addr(std::string_view text) {
    auto a = SocketAddr::parse(text);
    REQUIRE(a.has_value());
    return *a;
}

}  // namespace

TEST_CASE("PROXY v1 lines", "[proxy][proxy_protocol]") {
    CHECK(text(header(ProxyProtocol::v1, addr("192.0.2.1:56324"), addr("198.51.100.7:443"))) ==
          "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n");
    CHECK(text(header(ProxyProtocol::v1, addr("[2001:db8::1]:1000"), addr("[2001:db8::2]:80"))) ==
          "PROXY TCP6 2001:db8::1 2001:db8::2 1000 80\r\n");
    CHECK(text(header(ProxyProtocol::v1, std::nullopt, std::nullopt)) == "PROXY UNKNOWN\r\n");
    CHECK(text(header(ProxyProtocol::v1, addr("192.0.2.1:1"), addr("[::1]:2"))) ==
          "PROXY UNKNOWN\r\n");  // mixed families cannot be said in v1
    CHECK(header(ProxyProtocol::off, addr("192.0.2.1:1"), addr("192.0.2.2:2")).empty());
}

TEST_CASE("PROXY v2 headers", "[proxy][proxy_protocol]") {
    const std::vector<std::uint8_t> sig = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                           0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    auto v4 = header(ProxyProtocol::v2, addr("192.0.2.1:56324"), addr("198.51.100.7:443"));
    std::vector<std::uint8_t> want = sig;
    want.insert(want.end(),
                {0x21, 0x11, 0x00, 0x0C, 192, 0, 2, 1, 198, 51, 100, 7, 0xDC, 0x04, 0x01, 0xBB});
    CHECK(v4 == want);

    auto v6 = header(ProxyProtocol::v2, addr("[2001:db8::1]:1"), addr("[2001:db8::2]:2"));
    REQUIRE(v6.size() == 16 + 36);
    CHECK(std::vector<std::uint8_t>(v6.begin() + 12, v6.begin() + 16) ==
          std::vector<std::uint8_t>{0x21, 0x21, 0x00, 0x24});
    CHECK(v6[16] == 0x20);
    CHECK(v6[17] == 0x01);
    CHECK(v6[16 + 15] == 0x01);  // ...::1
    CHECK(v6[32 + 15] == 0x02);  // ...::2
    CHECK(std::vector<std::uint8_t>(v6.begin() + 48, v6.end()) ==
          std::vector<std::uint8_t>{0, 1, 0, 2});

    auto local = header(ProxyProtocol::v2, std::nullopt, std::nullopt);
    want = sig;
    want.insert(want.end(), {0x20, 0x00, 0x00, 0x00});
    CHECK(local == want);
}

TEST_CASE("PROXY v2 for UDP says DGRAM", "[proxy][proxy_protocol]") {
    auto v4 = header(ProxyProtocol::v2, addr("192.0.2.1:53"), addr("198.51.100.7:53"),
                     ProxyTransport::datagram);
    REQUIRE(v4.size() == 28);
    CHECK(v4[13] == 0x12);
    auto v6 = header(ProxyProtocol::v2, addr("[2001:db8::1]:1"), addr("[2001:db8::2]:2"),
                     ProxyTransport::datagram);
    REQUIRE(v6.size() == 52);
    CHECK(v6[13] == 0x22);
}

namespace {

ProxyHeader parse(const std::vector<std::uint8_t>& bytes) {
    return parse_proxy_header(std::as_bytes(std::span(bytes.data(), bytes.size())));
}

ProxyHeader parse(std::string_view text) {
    return parse_proxy_header(std::as_bytes(std::span(text.data(), text.size())));
}

// Every proper prefix of a valid header asks for more; the whole header is complete.
void check_every_truncation(const std::vector<std::uint8_t>& bytes) {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        INFO("prefix of " << n << " bytes");
        const ProxyHeader h = parse_proxy_header(std::as_bytes(std::span(bytes.data(), n)));
        CHECK(h.state == ProxyHeader::State::incomplete);
    }
    CHECK(parse(bytes).state == ProxyHeader::State::complete);
}

std::vector<std::uint8_t> bytes_of(std::string_view text) {
    return std::vector<std::uint8_t>(text.begin(), text.end());
}

}  // namespace

TEST_CASE("PROXY v1 accepted: the spec's examples", "[proxy][proxy_protocol]") {
    const std::string line = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
    const ProxyHeader h = parse(line + "GET / HTTP/1.1\r\n");
    REQUIRE(h.state == ProxyHeader::State::complete);
    CHECK(h.size == line.size());
    CHECK(h.source == addr("192.168.0.1:56324"));
    CHECK(h.destination == addr("192.168.0.11:443"));

    const ProxyHeader v6 = parse("PROXY TCP6 ffff:f...f:ffff ::1 65535 65535\r\n");
    CHECK(v6.state == ProxyHeader::State::invalid);  // the spec's placeholder is not an address
    const ProxyHeader v6ok = parse("PROXY TCP6 2001:db8::1 ::1 65535 1\r\n");
    REQUIRE(v6ok.state == ProxyHeader::State::complete);
    CHECK(v6ok.source == addr("[2001:db8::1]:65535"));
    CHECK(v6ok.destination == addr("[::1]:1"));

    const ProxyHeader unknown = parse("PROXY UNKNOWN ffff:f...f:ffff ::1 65535 65535\r\n");
    REQUIRE(unknown.state == ProxyHeader::State::complete);
    CHECK_FALSE(unknown.source);
    CHECK(parse("PROXY UNKNOWN\r\n").state == ProxyHeader::State::complete);

    check_every_truncation(bytes_of(line));
    check_every_truncation(bytes_of("PROXY UNKNOWN\r\n"));
    check_every_truncation(bytes_of("PROXY TCP6 2001:db8::1 ::1 65535 1\r\n"));
}

TEST_CASE("PROXY v1 refused: malformed lines name the problem", "[proxy][proxy_protocol]") {
    const auto state_of = [](std::string_view text) { return parse(text).state; };
    constexpr auto bad = ProxyHeader::State::invalid;
    CHECK(state_of("GET / HTTP/1.1\r\n") == bad);  // refused on its first byte
    CHECK(state_of("G") == bad);
    CHECK(state_of("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n") == bad);      // LF without CR
    CHECK(state_of("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n") == bad);    // protocol
    CHECK(state_of("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n") == bad);      // field missing
    CHECK(state_of("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n") == bad);  // field too many
    CHECK(state_of("PROXY TCP4 ::1 5.6.7.8 1 2\r\n") == bad);        // family mismatch
    CHECK(state_of("PROXY TCP6 1.2.3.4 ::1 1 2\r\n") == bad);
    CHECK(state_of("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n") == bad);  // port range
    CHECK(state_of("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n") == bad);
    CHECK(state_of("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n") == bad);  // double space
    CHECK(state_of("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n") == bad);  // no scope in v1
    CHECK(state_of("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 ") == ProxyHeader::State::incomplete);
    const std::string endless = "PROXY UNKNOWN " + std::string(93, 'x');
    CHECK(state_of(endless) == bad);  // 107 bytes and no CRLF
    const ProxyHeader h = parse("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n");
    CHECK(std::string_view(h.error) == "v1 line has too many fields");
}

namespace {

std::vector<std::uint8_t> v2(std::uint8_t command, std::uint8_t family,
                             const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> out(app::kProxyV2Signature.begin(), app::kProxyV2Signature.end());
    out.push_back(command);
    out.push_back(family);
    out.push_back(static_cast<std::uint8_t>(body.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

}  // namespace

TEST_CASE("PROXY v2 accepted: IPv4, IPv6, UNSPEC, LOCAL, TLVs", "[proxy][proxy_protocol]") {
    // IPv4 TCP with a TLV (PP2_TYPE_AUTHORITY "example.com") after the addresses: skipped.
    std::vector<std::uint8_t> body = {192,  0,    2,    1,    198,  51,   100, 7,
                                      0xDC, 0x04, 0x01, 0xBB, 0x02, 0x00, 0x0B};
    for (char c : std::string_view("example.com"))
        body.push_back(static_cast<std::uint8_t>(c));
    auto bytes = v2(0x21, 0x11, body);
    const std::size_t size = bytes.size();
    bytes.insert(bytes.end(), {'h', 'i'});  // the client's own bytes follow
    ProxyHeader h = parse(bytes);
    REQUIRE(h.state == ProxyHeader::State::complete);
    CHECK(h.size == size);
    CHECK(h.source == addr("192.0.2.1:56324"));
    CHECK(h.destination == addr("198.51.100.7:443"));
    bytes.resize(size);
    check_every_truncation(bytes);

    // What our own encoder writes parses back to the same addresses, TCP and UDP.
    for (ProxyTransport t : {ProxyTransport::stream, ProxyTransport::datagram}) {
        const auto six =
            header(ProxyProtocol::v2, addr("[2001:db8::1]:1000"), addr("[2001:db8::2]:80"), t);
        const ProxyHeader p = parse(six);
        REQUIRE(p.state == ProxyHeader::State::complete);
        CHECK(p.source == addr("[2001:db8::1]:1000"));
        CHECK(p.destination == addr("[2001:db8::2]:80"));
        check_every_truncation(six);
    }

    // LOCAL (the proxy's own health check) and UNSPEC: the connection's addresses stand.
    const auto local = v2(0x20, 0x00, {});
    CHECK(parse(local).state == ProxyHeader::State::complete);
    CHECK_FALSE(parse(local).source);
    check_every_truncation(local);
    const auto local_with_addresses = v2(0x20, 0x11, std::vector<std::uint8_t>(12, 1));
    CHECK(parse(local_with_addresses).state == ProxyHeader::State::complete);
    CHECK_FALSE(parse(local_with_addresses).source);
    const auto unspec = v2(0x21, 0x00, {1, 2, 3});
    CHECK(parse(unspec).state == ProxyHeader::State::complete);
    CHECK_FALSE(parse(unspec).source);
    const auto unix_addresses = v2(0x21, 0x31, std::vector<std::uint8_t>(216, 0));
    CHECK(parse(unix_addresses).state == ProxyHeader::State::complete);
    CHECK_FALSE(parse(unix_addresses).source);
}

TEST_CASE("PROXY v2 refused: malformed headers name the problem", "[proxy][proxy_protocol]") {
    const auto why = [](const std::vector<std::uint8_t>& b) {
        const ProxyHeader h = parse(b);
        CHECK(h.state == ProxyHeader::State::invalid);
        return std::string(h.error);
    };
    const std::vector<std::uint8_t> ipv4(12, 1);
    CHECK(why(v2(0x11, 0x11, ipv4)) == "v2 version is not 2");
    CHECK(why(v2(0x22, 0x11, ipv4)) == "v2 command not LOCAL or PROXY");
    CHECK(why(v2(0x21, 0x41, ipv4)) == "v2 address family or transport unknown");
    CHECK(why(v2(0x21, 0x13, ipv4)) == "v2 address family or transport unknown");
    CHECK(why(v2(0x21, 0x11, std::vector<std::uint8_t>(11, 1))) == "v2 address block truncated");
    CHECK(why(v2(0x21, 0x21, ipv4)) == "v2 address block truncated");
    CHECK(why(v2(0x21, 0x11, std::vector<std::uint8_t>(app::kMaxProxyHeaderIn - 15, 0))) ==
          "v2 header longer than 1024 bytes");
    // Refused from the header's fixed part alone: nothing more is waited for.
    auto long_header = v2(0x21, 0x11, std::vector<std::uint8_t>(2000, 0));
    long_header.resize(16);
    CHECK(why(long_header) == "v2 header longer than 1024 bytes");
    std::vector<std::uint8_t> wrong_signature(app::kProxyV2Signature.begin(),
                                              app::kProxyV2Signature.end());
    wrong_signature[11] = 'X';
    CHECK(why(wrong_signature) == "not a PROXY protocol header");
    CHECK(parse(v2(0x21, 0x11, std::vector<std::uint8_t>(app::kMaxProxyHeaderIn - 16, 0))).state ==
          ProxyHeader::State::complete);  // exactly at the bound
}
