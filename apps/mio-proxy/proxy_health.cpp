// Active health checks: every `interval`, connect to each server of a checked upstream, send
// `send` (if any), and expect a reply starting with `expect` (if any), within `timeout`.
// `fall` consecutive failures mark a server down (the balancer skips it), `rise` consecutive
// successes mark it up again. The exchange itself is a StreamProbe (runtime/stream_probe.hpp).
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
    if (auto r = check.probe.start(loop_.registry(), server.config.address,
                                   token_of(TokenKind::check, index));
        !r) {
        return finish_check(index, false, r.error().message());
    }
    check.timer = loop_.timers().schedule(Clock::now() + health.timeout, check_payload(index));
}

void ProxyServer::on_check_event(std::uint32_t index) {
    HealthCheck& check = checks_[index];
    const ActiveHealthConfig& health = *upstreams_[check.upstream].config().health;
    if (auto verdict = check.probe.on_event({health.send, health.expect})) {
        finish_check(index, verdict->empty(), *verdict);
    }
}

void ProxyServer::finish_check(std::uint32_t index, bool ok, std::string_view why) {
    HealthCheck& check = checks_[index];
    loop_.timers().cancel(check.timer);
    check.probe.stop(loop_.registry());
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
    if (check.probe.running()) return finish_check(index, false, "timeout");
    start_check(index);
}

}  // namespace app
