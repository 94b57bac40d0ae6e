// mio-proxy end to end: 20 reloads (servers added and removed, weights changed, a listener
// added and removed) under continuous TCP and UDP load through the proxy: no failed
// connection, no lost or corrupted byte, no lost datagram on loopback. The load runs on worker
// threads with plain system calls (Catch2 v2 is not thread-safe: they only count; the main
// thread asserts).
#ifdef MIO_PROXY_PATH

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "proxy_harness.hpp"

using namespace e2e;

namespace {

class UdpEcho : public EchoProcess {
public:
    UdpEcho()
        : EchoProcess(base_toml() + listener_toml("b", "udp", "rate_limit_pps = 0\n"),
                      ProxyProcess::dying_with_parent()),
          addr_(address("b")) {}
    [[nodiscard]] const std::string& addr() const noexcept { return addr_; }

private:
    std::string addr_;
};

struct Counts {
    std::atomic<std::uint64_t> ok{0};
    std::atomic<std::uint64_t> failed{0};
};

// A socket whose blocking calls give up after 10 s (a lost byte or datagram shows as a failure,
// never as a hang).
int timed_socket(int type) {
    const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
    const timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

// One TCP connection through the proxy: `data` out, the same back, then close.
bool tcp_round(const sockaddr_in& to, const std::string& data) {
    const int fd = timed_socket(SOCK_STREAM);
    bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0;
    for (std::size_t sent = 0; ok && sent < data.size();) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        ok = n > 0;
        if (ok) sent += static_cast<std::size_t>(n);
    }
    if (ok) ::shutdown(fd, SHUT_WR);
    std::string back;
    char buf[16384];
    while (ok) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) break;
        ok = n > 0;
        if (ok) back.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return ok && back == data;
}

// One UDP exchange on `fd` (bound once: one session through the whole test).
bool udp_round(int fd, const sockaddr_in& to, const std::string& message) {
    if (::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                 sizeof to) != static_cast<ssize_t>(message.size())) {
        return false;
    }
    char buf[2048];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 && std::string(buf, static_cast<std::size_t>(n)) == message;
}

std::string config(int step, const Backend& t1, const Backend& t2, const UdpEcho& u1,
                   const UdpEcho& u2) {
    std::vector<std::string> tcp = {"address = \"" + t1.addr() +
                                    "\", weight = " + std::to_string(1 + step % 3)};
    std::vector<std::string> udp = {u1.addr()};
    if (step % 2 == 0) tcp.push_back(t2.addr());
    if (step % 3 != 1) udp.push_back(u2.addr());
    std::string out = proxy_base() + proxy_listener("front", "t") +
                      proxy_listener("dgram", "d", "protocol = \"udp\"\n");
    if (step % 4 == 1) out += proxy_listener("extra", "t");
    return out + proxy_upstream("t", tcp) + proxy_upstream("d", udp);
}

}  // namespace

TEST_CASE("proxy: 20 reloads under TCP and UDP load lose nothing", "[e2e][proxy]") {
    Backend t1, t2;
    UdpEcho u1, u2;
    ProxyProcess proxy(config(0, t1, t2, u1, u2));
    const sockaddr_in front = parse_inet(proxy.front());
    const sockaddr_in dgram = parse_inet(proxy.address("dgram"));
    std::atomic<bool> stop{false};
    Counts tcp, udp;
    std::vector<std::thread> workers;
    for (int w = 0; w < 2; ++w) {
        workers.emplace_back([&, w] {
            const std::string data = pattern(20'000 + w, 40 + w);
            while (!stop.load())
                (tcp_round(front, data) ? tcp.ok : tcp.failed)++;
        });
    }
    workers.emplace_back([&] {
        const int fd = timed_socket(SOCK_DGRAM);
        for (std::uint64_t i = 0; !stop.load(); ++i)
            (udp_round(fd, dgram, "datagram " + std::to_string(i)) ? udp.ok : udp.failed)++;
        ::close(fd);
    });
    Client long_lived = Client::tcp(proxy.front());  // open across every reload
    for (int step = 1; step <= 20; ++step) {
        const std::uint64_t tcp_before = tcp.ok.load(), udp_before = udp.ok.load();
        proxy.reload(config(step, t1, t2, u1, u2));
        // Both kinds of traffic between two reloads (bounded: eventually() gives up after kWait).
        CHECK(eventually(
            [&] { return tcp.ok.load() >= tcp_before + 20 && udp.ok.load() >= udp_before + 20; }));
        const std::string chunk = pattern(3000, static_cast<std::uint64_t>(step));
        CHECK(diff(long_lived.echo(chunk), chunk) == "");
    }
    stop = true;
    for (auto& t : workers)
        t.join();
    INFO("tcp ok " << tcp.ok << " failed " << tcp.failed << ", udp ok " << udp.ok << " failed "
                   << udp.failed);
    CHECK(tcp.failed == 0);
    CHECK(udp.failed == 0);
    CHECK(tcp.ok > 100);
    CHECK(udp.ok > 100);
    CHECK(proxy.stderr_text().find("reload refused") == std::string::npos);
}

#endif  // MIO_PROXY_PATH
