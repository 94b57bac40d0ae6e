#include "cli/health_probe.hpp"

#include <array>
#include <iostream>
#include <string_view>

#include <mio/events.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/net/unix_stream.hpp>
#include <mio/poll.hpp>

#include "cli/cli.hpp"

namespace app {
namespace {

using Clock = std::chrono::steady_clock;
constexpr mio::Token kProbe{1};
// The status line and a little more: the body does not matter, and an endpoint that sends
// kilobytes without a line end is not the admin endpoint.
constexpr std::size_t kMaxHead = 512;

HealthOutcome unhealthy(const std::string& url, std::string_view why) {
    return HealthOutcome{false, url + ": " + std::string(why)};
}

// The outcome for a complete status line ("HTTP/1.1 200 OK").
HealthOutcome judge(const std::string& url, std::string_view line) {
    if (!line.starts_with("HTTP/1.") || line.size() < 12 || line[8] != ' ')
        return unhealthy(url, "not an HTTP answer: '" + std::string(line.substr(0, 40)) + "'");
    const std::string_view status = line.substr(9);
    return HealthOutcome{status.starts_with("200"), url + ": " + std::string(status)};
}

// One exchange on a connecting `stream` (TcpStream or UnixStream), bounded by `deadline`.
template <class Stream>
HealthOutcome exchange(mio::Poll& poll, Stream& stream, const std::string& url,
                       Clock::time_point deadline) {
    if (auto r = poll.registry().register_source(stream, kProbe,
                                                 mio::Interest::readable | mio::Interest::writable);
        !r)
        return unhealthy(url, "register: " + r.error().message());
    mio::Events events(4);
    bool sent = false;
    std::string head;
    while (Clock::now() < deadline) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (auto r = poll.poll(events, left); !r)
            return unhealthy(url, "poll: " + r.error().message());
        for (const mio::Event& event : events) {
            if (!sent && (event.is_writable() || event.is_error())) {
                auto error = stream.take_error();
                if (error && *error) return unhealthy(url, "connect: " + (*error)->message());
                auto n = stream.write(std::string_view(
                    "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
                if (!n && mio::is_would_block(n.error())) continue;  // not connected yet
                if (!n) return unhealthy(url, "send: " + n.error().message());
                sent = true;  // 60 bytes fit in any new socket's send buffer
            }
            std::array<char, 256> buf{};
            while (sent && head.size() < kMaxHead) {
                auto n = stream.read(std::span(buf));
                if (!n && mio::is_would_block(n.error())) break;
                if (!n) return unhealthy(url, "receive: " + n.error().message());
                if (*n == 0) return unhealthy(url, "closed before a status line");
                head.append(buf.data(), *n);
                if (const auto end = head.find("\r\n"); end != std::string::npos)
                    return judge(url, std::string_view(head).substr(0, end));
            }
            if (head.size() >= kMaxHead) return unhealthy(url, "no status line");
        }
    }
    return unhealthy(url, sent ? "no answer in time" : "connect timed out");
}

}  // namespace

Endpoint health_target(const Endpoint& listen) {
    if (listen.is_unix() || !listen.inet().is_unspecified()) return listen;
    const mio::net::SocketAddr& addr = listen.inet();
    return Endpoint(addr.is_ipv4()
                        ? mio::net::SocketAddr::v4({127, 0, 0, 1}, addr.port())
                        : mio::net::SocketAddr::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
                                                   addr.port()));
}

HealthOutcome probe_health(const Endpoint& target, std::chrono::milliseconds timeout) {
    const std::string url = target.is_unix() ? target.to_string() + " /healthz"
                                             : "http://" + target.to_string() + "/healthz";
    const Clock::time_point deadline = Clock::now() + timeout;
    auto poll = mio::Poll::create();
    if (!poll) return unhealthy(url, "poll: " + poll.error().message());
    if (target.is_unix()) {
        auto stream = mio::net::UnixStream::connect_addr(target.unix_addr());
        if (!stream) return unhealthy(url, "connect: " + stream.error().message());
        return exchange(*poll, *stream, url, deadline);
    }
    auto stream = mio::net::TcpStream::connect(target.inet());
    if (!stream) return unhealthy(url, "connect: " + stream.error().message());
    return exchange(*poll, *stream, url, deadline);
}

int run_health_probe(const Endpoint& target, std::chrono::milliseconds timeout) {
    const HealthOutcome outcome = probe_health(target, timeout);
    if (outcome.healthy) {
        std::cout << "healthy: " << outcome.detail << std::endl;
        return kExitOk;
    }
    std::cerr << "unhealthy: " << outcome.detail << std::endl;
    return kExitFailure;
}

}  // namespace app
