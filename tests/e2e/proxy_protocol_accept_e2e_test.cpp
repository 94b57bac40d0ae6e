// mio-proxy end to end, PROXY protocol from a proxy in front (accept_proxy_protocol): v1 and
// v2 headers name the client that servers, ACLs and the access log then see; a malformed,
// truncated, late or untrusted header closes the connection and is counted by reason; HAProxy
// with send-proxy-v2 in front passes real traffic; UDP sessions send v2 before every datagram.
#ifdef MIO_PROXY_PATH

#include <signal.h>

#include <cstdio>
#include <filesystem>

#include "proxy_harness.hpp"

using namespace e2e;

namespace {

std::string be16(std::uint16_t v) {
    return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xff)};
}

const std::string kSignature("\r\n\r\n\0\r\nQUIT\n", 12);

// Bytes, NULs included (a string literal would stop at the first).
std::string bytes(std::initializer_list<unsigned char> list) {
    return std::string(list.begin(), list.end());
}

// A v2 PROXY TCP4 header from src:sport to dst:dport (4 bytes each).
std::string v2_tcp4(const std::string& src, std::uint16_t sport, const std::string& dst,
                    std::uint16_t dport) {
    return kSignature + bytes({0x21, 0x11}) + be16(12) + src + dst + be16(sport) + be16(dport);
}

std::string accepting_listener(std::string_view name, std::string_view trusted,
                               std::string_view extra = "") {
    return proxy_listener(name, "u",
                          "accept_proxy_protocol = true\ntrusted_proxies = [\"" +
                              std::string(trusted) + "\"]\n" + std::string(extra));
}

std::uint64_t refused(const ProxyProcess& proxy, std::string_view listener,
                      std::string_view reason) {
    return series(proxy.metrics(), "mio_proxy_proxy_header_refused_total{listener=\"" +
                                       std::string(listener) + "\",reason=\"" +
                                       std::string(reason) + "\"}")
        .value_or(~0ull);
}

// The read ends with EOF (or a reset) and no byte: the proxy closed the connection.
bool closed_without_data(Client& c) {
    const auto r = c.read_to_eof();
    return r.data.empty() && (r.eof || r.error != 0);
}

}  // namespace

TEST_CASE("proxy: accept_proxy_protocol takes v1 and v2; the header's client goes on",
          "[e2e][proxy]") {
    PlainServer server;
    ProxyProcess proxy(proxy_base() + accepting_listener("front", "127.0.0.0/8") +
                       proxy_upstream("u", {server.addr()}, "proxy_protocol = \"v1\"\n"));
    {
        Client c = Client::tcp(proxy.front());
        const std::string header = "PROXY TCP4 192.0.2.1 198.51.100.7 5000 443\r\n";
        c.send_all(header.substr(0, 10));  // in pieces: the proxy waits for the rest
        c.send_all(header.substr(10) + "hello");
        Client s = server.accept();
        const std::string want = "PROXY TCP4 192.0.2.1 198.51.100.7 5000 443\r\nhello";
        CHECK(s.recv_exact(want.size()) == want);
        s.send_all("back");
        CHECK(c.recv_exact(4) == "back");
    }
    {
        Client c = Client::tcp(proxy.front());
        c.send_all(v2_tcp4(bytes({192, 0, 2, 9}), 6000, bytes({198, 51, 100, 8}), 8443) + "data");
        Client s = server.accept();
        const std::string want = "PROXY TCP4 192.0.2.9 198.51.100.8 6000 8443\r\ndata";
        CHECK(s.recv_exact(want.size()) == want);
    }
    {
        // LOCAL (a health check of the proxy in front): the connection's own addresses.
        Client c = Client::tcp(proxy.front());
        c.send_all(kSignature + bytes({0x20, 0x00}) + be16(0) + "x");
        Client s = server.accept();
        const std::string want = "PROXY TCP4 127.0.0.1 127.0.0.1 " +
                                 std::to_string(c.local_port()) + " " +
                                 proxy.front().substr(proxy.front().rfind(':') + 1) + "\r\nx";
        CHECK(s.recv_exact(want.size()) == want);
    }
}

TEST_CASE("proxy: a malformed, truncated, late or untrusted PROXY header closes and is counted",
          "[e2e][proxy]") {
    Backend echo;
    ProxyProcess proxy(
        proxy_base() +
        accepting_listener("front", "127.0.0.0/8", "proxy_protocol_timeout = \"300ms\"\n") +
        accepting_listener("other", "10.0.0.0/8") + proxy_upstream("u", {echo.addr()}));
    {
        Client c = Client::tcp(proxy.front());
        c.send_all("GET / HTTP/1.0\r\n\r\n");  // no header at all
        CHECK(closed_without_data(c));
    }
    {
        Client c = Client::tcp(proxy.front());
        c.send_all(kSignature + bytes({0x21, 0x11}) + be16(12) +
                   bytes({1, 2}));  // then the client's FIN
        c.shutdown_write();
        CHECK(closed_without_data(c));
    }
    CHECK(refused(proxy, "front", "malformed") == 2);
    {
        Client c = Client::tcp(proxy.front());
        c.send_all("PROXY TCP4 ");  // and nothing more
        CHECK(closed_without_data(c));
        CHECK(refused(proxy, "front", "timeout") == 1);
    }
    {
        Client c = Client::tcp(proxy.address("other"));  // 127.0.0.1 is not in 10.0.0.0/8
        c.send_all("PROXY TCP4 192.0.2.1 198.51.100.7 5000 443\r\n");
        CHECK(closed_without_data(c));
        CHECK(refused(proxy, "other", "untrusted") == 1);
    }
    // And a good one still passes.
    Client c = Client::tcp(proxy.front());
    c.send_all("PROXY TCP4 192.0.2.1 198.51.100.7 5000 443\r\n");
    CHECK(c.echo("still served") == "still served");
}

TEST_CASE("proxy: behind a PROXY header, allow/deny see the real client", "[e2e][proxy]") {
    Backend echo;
    ProxyProcess proxy(proxy_base() +
                       accepting_listener("front", "127.0.0.0/8", "allow = [\"192.0.2.0/24\"]\n") +
                       proxy_upstream("u", {echo.addr()}));
    Client ok = Client::tcp(proxy.front());  // from 127.0.0.1, which allow does not list
    ok.send_all("PROXY TCP4 192.0.2.1 198.51.100.7 5000 443\r\n");
    CHECK(ok.echo("allowed") == "allowed");
    Client no = Client::tcp(proxy.front());
    no.send_all("PROXY TCP4 198.51.100.1 198.51.100.7 5000 443\r\n");
    CHECK(closed_without_data(no));
    CHECK(series(proxy.metrics(), "mio_proxy_denied_total{listener=\"front\"}") == 1u);
}

TEST_CASE("proxy: HAProxy with send-proxy-v2 in front; the access log names the real client",
          "[e2e][proxy]") {
    Backend echo;
    TempDir logs;
    const std::string access = logs.file("access.log");
    ProxyProcess proxy(proxy_base() + "[access_log]\ntarget = \"" + access + "\"\n" +
                       accepting_listener("front", "127.0.0.1/32") +
                       proxy_upstream("u", {echo.addr()}));
    TcpHaproxy haproxy("", proxy.front(), "send-proxy-v2");
    // From 127.0.0.2: HAProxy itself connects from 127.0.0.1, so the two cannot be confused.
    Client c = tcp_from(haproxy.addr(), "127.0.0.2");
    const std::string data = pattern(100'000, 7);
    CHECK(diff(c.echo(data), data) == "");
    const std::string client = "\"client\":\"127.0.0.2:" + std::to_string(c.local_port()) + "\"";
    c.close();
    CHECK(eventually([&] { return read_file(access).find(client) != std::string::npos; }));
    const std::string log = read_file(access);
    INFO(log);
    CHECK(log.find("\"bytes_in\":100000,\"bytes_out\":100000") != std::string::npos);
}

TEST_CASE("proxy udp: proxy_protocol = v2 goes before every datagram of a session",
          "[e2e][proxy]") {
    DatagramClient server = DatagramClient::udp();
    const std::string server_addr = "127.0.0.1:" + std::to_string(server.local_port());
    ProxyProcess proxy(proxy_base() + proxy_listener("front", "u", "protocol = \"udp\"\n") +
                       proxy_upstream("u", {server_addr}, "proxy_protocol = \"v2\"\n"));
    DatagramClient c = DatagramClient::udp();
    const std::string front = proxy.front();
    const auto fport = static_cast<std::uint16_t>(std::stoul(front.substr(front.rfind(':') + 1)));
    const std::string loopback = bytes({127, 0, 0, 1});
    const std::string header = kSignature + bytes({0x21, 0x12}) + be16(12) + loopback + loopback +
                               be16(c.local_port()) + be16(fport);
    for (const std::string payload : {"first query", "second"}) {
        c.send_to(front, payload);
        CHECK(server.recv() == header + payload);
    }
}

TEST_CASE("proxy: the access log has a line per connection and session, and why it ended",
          "[e2e][proxy]") {
    Backend echo;
    TempDir logs;
    const std::string access = logs.file("access.log");
    ProxyProcess proxy(proxy_base() + "[access_log]\ntarget = \"" + access +
                       "\"\ninterval = \"100ms\"\n" +
                       proxy_listener("front", "u", "deny = [\"127.0.0.3/32\"]\n") +
                       proxy_upstream("u", {echo.addr()}));
    const auto has = [&](std::string_view needle) {
        return eventually([&] { return read_file(access).find(needle) != std::string::npos; });
    };
    {
        Client c = Client::tcp(proxy.front());
        CHECK(c.echo("hello") == "hello");
        c.shutdown_write();  // the client finishes first
        CHECK(c.read_to_eof().eof);
    }
    CHECK(has("\"listener\":\"front\",\"protocol\":\"tcp\",\"client\":\"127.0.0.1:"));
    CHECK(has("\"retries\":0,\"bytes_in\":5,\"bytes_out\":5,\"connect_ms\":"));
    CHECK(has("\"closed_by\":\"client\",\"reason\":\"client_fin\"}"));
    {
        Client denied = tcp_from(proxy.front(), "127.0.0.3");
        CHECK(denied.read_to_eof().data.empty());
    }
    CHECK(has("\"client\":\"127.0.0.3:"));
    CHECK(has("\"closed_by\":\"proxy\",\"reason\":\"acl\"}"));
    // A long-lived one is logged every interval while it lasts.
    Client lasting = Client::tcp(proxy.front());
    CHECK(lasting.echo("x") == "x");
    CHECK(has("\"event\":\"interval\""));
    // SIGUSR1 reopens the file (log rotation): later lines go to the new one.
    REQUIRE(std::rename(access.c_str(), (access + ".1").c_str()) == 0);
    proxy.send_signal(SIGUSR1);
    CHECK(eventually([&] {
        std::error_code ec;
        return std::filesystem::exists(access, ec);
    }));
    lasting.close();
    CHECK(has("\"reason\":\"client_fin\""));
}

#endif  // MIO_PROXY_PATH
