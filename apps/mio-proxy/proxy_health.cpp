// Active health checks: every `interval`, connect to each server of a checked upstream, send
// `send` (if any), and expect a reply starting with `expect` (if any), within `timeout`.
// `fall` consecutive failures mark a server down (the balancer skips it), `rise` consecutive
// successes mark it up again. The connect is judged exactly as a tunnel's (connect_outcome).
#include <algorithm>

#include "proxy_server.hpp"

namespace app {
namespace {

std::uint64_t check_payload(std::size_t index) {
    return TimerPayload(TimerKind::check, index).bits();
}

}  // namespace

void ProxyServer::add_checks(std::uint32_t u) {
    const Upstream& upstream = upstreams_[u];
    if (!upstream.config().health) return;
    for (std::uint32_t s = 0; s < upstream.servers().size(); ++s) {
        HealthCheck& check = checks_.emplace_back();
        check.upstream = u;
        check.server = s;
        // The first check runs at once.
        check.timer = loop_.timers().schedule(Clock::now(), check_payload(checks_.size() - 1));
    }
}

void ProxyServer::start_check(std::uint32_t index) {
    HealthCheck& check = checks_[index];
    const ServerRuntime& server = upstreams_[check.upstream].servers()[check.server];
    const ActiveHealthConfig& health = *upstreams_[check.upstream].config().health;
    check.reply.clear();
    check.sent = 0;
    check.connected = false;
    auto stream = connect_stream(server.config.address);
    if (!stream) return finish_check(index, false, stream.error().message());
    check.stream.emplace(std::move(*stream));
    if (auto r =
            loop_.registry().register_source(*check.stream, token_of(TokenKind::check, index),
                                             mio::Interest::readable | mio::Interest::writable);
        !r) {
        return finish_check(index, false, r.error().message());
    }
    check.timer = loop_.timers().schedule(Clock::now() + health.timeout, check_payload(index));
}

void ProxyServer::on_check_event(std::uint32_t index) {
    HealthCheck& check = checks_[index];
    if (!check.stream) return;
    if (!check.connected) {
        const ConnectOutcome outcome = connect_outcome(*check.stream);
        if (outcome.state == ConnectOutcome::State::in_progress) return;
        if (outcome.state == ConnectOutcome::State::failed) {
            return finish_check(index, false, outcome.error.message());
        }
        check.connected = true;
    }
    std::string why;
    if (exchange(check, *upstreams_[check.upstream].config().health, &why)) {
        finish_check(index, why.empty(), why);
    }
}

// Sends `send` and reads the reply; true once the check has an answer (`*why` empty: passed).
bool ProxyServer::exchange(HealthCheck& check, const ActiveHealthConfig& health, std::string* why) {
    while (check.sent < health.send.size()) {
        const auto rest = std::as_bytes(std::span(health.send)).subspan(check.sent);
        auto n = check.stream->write(rest);
        if (!n) {
            if (mio::is_would_block(n.error())) return false;
            *why = n.error().message();
            return true;
        }
        check.sent += *n;
    }
    if (health.expect.empty()) return true;
    std::array<std::byte, 512> buf;
    for (;;) {
        auto n = check.stream->read(buf);
        if (!n) {
            if (mio::is_would_block(n.error())) return false;
            *why = n.error().message();
            return true;
        }
        if (*n == 0) {
            *why = "closed before the expected reply";
            return true;
        }
        check.reply.append(reinterpret_cast<const char*>(buf.data()), *n);
        const std::size_t m = std::min(check.reply.size(), health.expect.size());
        if (check.reply.compare(0, m, health.expect, 0, m) != 0) {
            *why = "unexpected reply";
            return true;
        }
        if (check.reply.size() >= health.expect.size()) return true;
    }
}

void ProxyServer::finish_check(std::uint32_t index, bool ok, std::string_view why) {
    HealthCheck& check = checks_[index];
    if (check.timer) loop_.timers().cancel(*check.timer);
    check.timer.reset();
    if (check.stream) {
        (void)loop_.registry().deregister_source(*check.stream);  // closed next: gone either way
        check.stream.reset();
    }
    Upstream& upstream = upstreams_[check.upstream];
    ServerRuntime& server = upstream.servers()[check.server];
    if (server.health.on_check(ok)) {
        if (server.health.up()) {
            spdlog::info("upstream '{}' server {} is up", upstream.config().name, server.label);
        } else {
            spdlog::warn("upstream '{}' server {} is down: {}", upstream.config().name,
                         server.label, why);
        }
    }
    if (upstream.retired || loop_.draining()) return;
    check.timer = loop_.timers().schedule(Clock::now() + upstream.config().health->interval,
                                          check_payload(index));
}

void ProxyServer::on_check_timer(std::uint32_t index) {
    if (index >= checks_.size()) return;
    HealthCheck& check = checks_[index];
    check.timer.reset();
    if (upstreams_[check.upstream].retired) return;
    if (check.stream) return finish_check(index, false, "timeout");
    start_check(index);
}

}  // namespace app
