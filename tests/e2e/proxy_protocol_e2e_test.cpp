// mio-proxy end to end, PROXY protocol towards servers: the exact v1 line and v2 bytes reach a
// server of our own before the client's bytes, and HAProxy with `accept-proxy` in front of a
// mio-echo passes real traffic with either version.
#ifdef MIO_PROXY_PATH

#include "proxy_harness.hpp"

using namespace e2e;

namespace {

std::uint16_t port_number(const std::string& address) {
    return static_cast<std::uint16_t>(std::stoul(address.substr(address.rfind(':') + 1)));
}

std::string proxy_with(const std::string& server, std::string_view version) {
    return proxy_base() + proxy_listener("front", "u") +
           proxy_upstream("u", {server}, "proxy_protocol = \"" + std::string(version) + "\"\n");
}

std::string be16(std::uint16_t v) {
    return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xff)};
}

}  // namespace

TEST_CASE("proxy: PROXY v1 and v2 headers reach the server before the client's bytes",
          "[e2e][proxy]") {
    for (const std::string version : {"v1", "v2"}) {
        INFO(version);
        PlainServer server;
        ProxyProcess proxy(proxy_with(server.addr(), version));
        Client c = Client::tcp(proxy.front());
        c.send_all("hello");
        Client s = server.accept();
        const std::uint16_t cport = c.local_port(), fport = port_number(proxy.front());
        std::string want;
        if (version == "v1") {
            want = "PROXY TCP4 127.0.0.1 127.0.0.1 " + std::to_string(cport) + " " +
                   std::to_string(fport) + "\r\n";
        } else {
            const std::string loopback("\x7f\x00\x00\x01", 4);  // 127.0.0.1
            want = std::string("\r\n\r\n\0\r\nQUIT\n", 12) + "\x21\x11" + be16(12) + loopback +
                   loopback + be16(cport) + be16(fport);
        }
        want += "hello";
        CHECK(s.recv_exact(want.size()) == want);
        s.send_all("back");
        CHECK(c.recv_exact(4) == "back");
    }
}

TEST_CASE("proxy: HAProxy with accept-proxy takes mio-proxy's PROXY v1 and v2", "[e2e][proxy]") {
    Backend echo;
    for (const std::string version : {"v1", "v2"}) {
        INFO(version);
        TcpHaproxy haproxy("accept-proxy", echo.addr());
        ProxyProcess proxy(proxy_with(haproxy.addr(), version));
        const std::string data = pattern(100'000, 5);
        Client c = Client::tcp(proxy.front());
        CHECK(diff(c.echo(data), data) == "");
    }
}

#endif  // MIO_PROXY_PATH
