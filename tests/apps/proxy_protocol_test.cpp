// The PROXY protocol header mio-proxy sends: the spec's v1 lines and v2 bytes for IPv4, IPv6
// and the unknown/LOCAL case.

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "proxy_protocol.hpp"

using app::encode_proxy_header;
using app::ProxyProtocol;
using mio::net::SocketAddr;

namespace {

std::vector<std::uint8_t> header(ProxyProtocol v, std::optional<SocketAddr> client,
                                 std::optional<SocketAddr> local) {
    std::array<std::byte, app::kMaxProxyHeader> out{};
    const std::size_t n = encode_proxy_header(v, client, local, out);
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
