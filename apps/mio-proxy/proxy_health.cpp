// Active health checks: every `interval`, connect to each server of a checked upstream, send
// `send` (if any), and expect a reply starting with `expect` (if any), within `timeout`.
// `fall` consecutive failures mark a server down (the balancer skips it), `rise` consecutive
// successes mark it up again. The exchange itself is a StreamProbe (runtime/stream_probe.hpp).
#include <algorithm>

#include "proxy_server.hpp"

namespace app {
namespace {

std::uint64_t check_payload(std::size_t index) {
    return TimerPayload(TimerKind::check, index).bits();
}

}  // namespace

// Slots that retired upstreams left are taken first, so that reloads do not grow checks_.
void ProxyServer::add_checks(std::uint32_t u) {
    const Upstream& upstream = upstreams_[u];
    if (!upstream.config().health) return;
    std::size_t index = 0;
    for (std::uint32_t s = 0; s < upstream.servers().size(); ++s) {
        while (index < checks_.size() && checks_[index].upstream != HealthCheck::kFree)
            ++index;
        if (index == checks_.size()) checks_.emplace_back();
        HealthCheck& check = checks_[index];
        check.upstream = u;
        check.server = s;
        // The first check runs at once.
        check.timer = loop_.timers().schedule(Clock::now(), check_payload(index));
    }
}

// The checks of a retired upstream end now: their verdicts would change nothing.
void ProxyServer::stop_checks(std::uint32_t u) {
    for (HealthCheck& check : checks_) {
        if (check.upstream != u) continue;
        loop_.timers().cancel(check.timer);
        check.probe.stop(loop_.registry());
        check.upstream = HealthCheck::kFree;
    }
}

bool ProxyServer::checks_idle(std::uint32_t u) const {
    return std::none_of(checks_.begin(), checks_.end(),
                        [u](const HealthCheck& check) { return check.upstream == u; });
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
    // A stopped probe's event still in this turn's batch.
    if (check.upstream == HealthCheck::kFree || !check.probe.running()) return;
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
    if (loop_.draining()) return;
    check.timer = loop_.timers().schedule(Clock::now() + upstream.config().health->interval,
                                          check_payload(index));
}

void ProxyServer::on_check_timer(std::uint32_t index) {
    if (index >= checks_.size()) return;
    HealthCheck& check = checks_[index];
    check.timer.reset();
    if (check.upstream == HealthCheck::kFree) return;
    if (check.probe.running()) return finish_check(index, false, "timeout");
    start_check(index);
}

}  // namespace app
