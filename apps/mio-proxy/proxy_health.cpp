// Active health checks: every `interval`, connect to each server of a checked upstream, send
// `send` (if any), and expect a reply starting with `expect` (if any), within `timeout`.
// `fall` consecutive failures mark a server down (the balancer skips it), `rise` consecutive
// successes mark it up again.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "proxy_server.hpp"

namespace app {
void ProxyServer::setup_checks() {
    const auto now = Clock::now();
    for (std::uint32_t u = 0; u < upstreams_.size(); ++u) {
        const Upstream& upstream = upstreams_[u];
        if (upstream.retired || !upstream.config().health) continue;
        for (std::uint32_t s = 0; s < upstream.servers().size(); ++s) {
            HealthCheck& check = checks_.emplace_back();
            check.upstream = u;
            check.server = s;
            const auto index = static_cast<std::uint64_t>(checks_.size() - 1);
            check.timer = timers_.schedule(now, kServerSide | index);  // first check at once
        }
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
    check.stream = std::move(*stream);
    auto registered = std::visit(
        [&](auto& s) {
            return poll_.registry().register_source(
                s, mio::Token{kCheckBase + index},
                mio::Interest::readable | mio::Interest::writable);
        },
        *check.stream);
    if (!registered) return finish_check(index, false, registered.error().message());
    check.timer = timers_.schedule(Clock::now() + health.timeout, kServerSide | index);
}

void ProxyServer::on_check_event(std::uint32_t index, const mio::Event&) {
    HealthCheck& check = checks_[index];
    if (!check.stream) return;
    const ActiveHealthConfig& health = *upstreams_[check.upstream].config().health;
    auto& stream = *check.stream;
    if (!check.connected) {
        auto error = std::visit([](auto& s) { return s.take_error(); }, stream);
        if (!error) return finish_check(index, false, error.error().message());
        if (*error) return finish_check(index, false, (*error)->message());
        auto peer = std::visit([](auto& s) { return s.peer_addr().has_value(); }, stream);
        if (!peer) return;  // not connected yet
        check.connected = true;
    }
    while (check.sent < health.send.size()) {
        auto n = std::visit(
            [&](auto& s) { return s.write(std::string_view(health.send).substr(check.sent)); },
            stream);
        if (!n) {
            if (mio::is_would_block(n.error())) return;
            return finish_check(index, false, n.error().message());
        }
        check.sent += *n;
    }
    if (health.expect.empty()) return finish_check(index, true, "");
    char buf[512];
    for (;;) {
        auto n = std::visit([&](auto& s) { return s.read(std::span<char>(buf)); }, stream);
        if (!n) {
            if (mio::is_would_block(n.error())) return;
            return finish_check(index, false, n.error().message());
        }
        if (*n == 0) return finish_check(index, false, "closed before the expected reply");
        check.reply.append(buf, *n);
        const std::size_t m = std::min(check.reply.size(), health.expect.size());
        if (check.reply.compare(0, m, health.expect, 0, m) != 0) {
            return finish_check(index, false, "unexpected reply");
        }
        if (check.reply.size() >= health.expect.size()) return finish_check(index, true, "");
    }
}

void ProxyServer::finish_check(std::uint32_t index, bool ok, std::string_view why) {
    HealthCheck& check = checks_[index];
    if (check.timer) timers_.cancel(*check.timer);
    check.timer.reset();
    if (check.stream) {
        std::visit([&](auto& s) { (void)poll_.registry().deregister_source(s); }, *check.stream);
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
    if (upstream.retired || lifecycle_.draining()) return;
    check.timer =
        timers_.schedule(Clock::now() + upstream.config().health->interval, kServerSide | index);
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
