// mio-echo end to end, UDP: byte-exact datagrams, the size cap, the source-port deny list and
// the per-source rate limit.
//
// Negative checks ("no reply") never wait for a timeout: a control datagram is sent after the
// one that must go unanswered, and both reach the same server socket in order (loopback
// delivers during sendto), so once the control's reply is in, any reply to the first one
// would already be queued too.
#include "echo_process.hpp"

using namespace e2e;

TEST_CASE("udp datagrams of 1 and 1472 and 65507 bytes are echoed byte-exact", "[e2e][echo]") {
    EchoProcess echo(base_toml() + listener_toml("udp", "udp"));
    const std::string address = echo.address("udp");
    DatagramClient c = DatagramClient::udp();
    for (const std::size_t size : {std::size_t{1}, std::size_t{1472}, std::size_t{65507}}) {
        INFO("size " << size);
        const std::string data = pattern(size, size);
        c.send_to(address, data);
        const auto reply = c.recv();
        REQUIRE(reply.has_value());
        CHECK(reply->size() == size);
        CHECK(diff(*reply, data) == "");
    }
}

TEST_CASE("udp: a datagram over max_datagram gets no reply and one at the cap does",
          "[e2e][echo]") {
    // 65,508 bytes cannot be sent over IPv4 at all, so the cap is tested at 1000.
    EchoProcess echo(base_toml() + listener_toml("udp", "udp", "max_datagram = 1000"));
    const std::string address = echo.address("udp");
    DatagramClient c = DatagramClient::udp();
    c.send_to(address, pattern(1001, 1));
    const std::string fits = pattern(1000, 2);
    c.send_to(address, fits);
    const auto reply = c.recv();
    REQUIRE(reply.has_value());
    CHECK(diff(*reply, fits) == "");  // the first reply is the 1000-byte one: the 1001 got none
    CHECK(c.drain().empty());
    CHECK(wait_metric(echo.admin_address(), "mio_echo_rejected_total", "udp", 1) == 1u);
}

TEST_CASE("udp: a client on a denied source port gets no reply", "[e2e][echo]") {
    DatagramClient denied = DatagramClient::udp();
    const std::uint16_t port = denied.local_port();
    EchoProcess echo(
        base_toml() +
        listener_toml("udp", "udp", "deny_source_ports = [" + std::to_string(port) + "]"));
    const std::string address = echo.address("udp");
    denied.send_to(address, "from a denied port");
    DatagramClient control = DatagramClient::udp();
    control.send_to(address, "control");
    CHECK(control.recv() == std::optional<std::string>("control"));
    CHECK(denied.drain().empty());
    CHECK(wait_metric(echo.admin_address(), "mio_echo_rejected_total", "udp", 1) == 1u);
}

TEST_CASE("udp: a burst over rate_limit_pps is mostly refused and counted", "[e2e][echo]") {
    EchoProcess echo(base_toml() + listener_toml("udp", "udp", "rate_limit_pps = 5"));
    const std::string address = echo.address("udp");
    DatagramClient burst = DatagramClient::udp("127.0.0.1");
    constexpr int kBurst = 50;
    for (int i = 0; i < kBurst; ++i)
        burst.send_to(address, "datagram " + std::to_string(i));
    // The control comes from another source IP (all of 127/8 is loopback), so it has its own
    // bucket and is answered.
    DatagramClient control = DatagramClient::udp("127.0.0.2");
    control.send_to(address, "control");
    CHECK(control.recv() == std::optional<std::string>("control"));
    const auto replies = burst.drain();
    INFO(replies.size() << " replies to a burst of " << kBurst);
    // A bucket of 5 plus what refills while the burst is read: a handful, never all.
    CHECK(replies.size() >= 1);
    CHECK(replies.size() < static_cast<std::size_t>(kBurst));
    for (const auto& reply : replies)
        CHECK(reply.rfind("datagram ", 0) == 0);
    const std::uint64_t refused = kBurst - replies.size();
    CHECK(wait_metric(echo.admin_address(), "mio_echo_rejected_total", "udp", refused) == refused);
}

// A flood of new source addresses (the reflection abuse the limit guards against, here from
// 300 addresses of 127/8) neither fills the per-source table nor locks anyone out: each new
// source takes over a bucket, so every one of them and then a fresh client are answered, with
// a table of 64 buckets.
TEST_CASE("udp: a flood of new sources never locks the next client out", "[e2e][echo]") {
    EchoProcess echo(base_toml() +
                     listener_toml("udp", "udp", "rate_limit_pps = 5\nmax_connections = 8"));
    const std::string address = echo.address("udp");
    constexpr int kSources = 300;
    for (int i = 0; i < kSources; ++i) {
        const std::string ip =
            "127.1." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1);
        DatagramClient source = DatagramClient::udp(ip);
        source.send_to(address, "from " + ip);
        INFO("source " << ip);
        REQUIRE(source.recv() == std::optional<std::string>("from " + ip));
    }
    DatagramClient control = DatagramClient::udp("127.0.0.3");
    control.send_to(address, "control");
    CHECK(control.recv() == std::optional<std::string>("control"));
    const HttpReply metrics = http_get(echo.admin_address(), "/metrics");
    CHECK(metric(metrics.body, "mio_echo_rejected_total", "udp") == 0u);
}
