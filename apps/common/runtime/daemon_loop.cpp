#include "runtime/daemon_loop.hpp"

#include <stdexcept>

namespace app {

DaemonLoop::DaemonLoop(std::string metrics_prefix, ListenerHandlers handlers)
    : poll_(unwrap_or_throw(mio::Poll::create(), "creating the poll")),
      signals_(unwrap_or_throw(SignalSource::install(), "installing signal handlers")),
      metrics_(std::move(metrics_prefix)),
      listeners_(poll_.registry(), std::move(handlers)),
      idle_(Clock::now()) {
    unwrap_or_throw(poll_.registry().register_source(signals_, token_of(TokenKind::signals, 0),
                                                     mio::Interest::readable),
                    "registering the signal pipe");
}

DaemonLoop::~DaemonLoop() {
    listeners_.close_all();
}

void DaemonLoop::open_admin(const std::optional<Endpoint>& listen,
                            const std::function<void(AdminServer&)>& setup) {
    admin_.reset();
    if (!listen) return;
    if (listen->is_unix()) {
        throw std::runtime_error(
            "admin.listen: a Unix socket admin endpoint is not supported yet; use host:port");
    }
    auto admin = AdminServer::bind(listen->inet());
    if (!admin) {
        throw std::runtime_error(fmt::format("admin endpoint: cannot bind {}: {}",
                                             listen->to_string(), admin.error().message()));
    }
    setup(*admin);
    admin->set_draining(lifecycle_.draining());
    if (auto r = admin->register_with(poll_.registry(), token_of(TokenKind::admin_listener, 0),
                                      token_of(TokenKind::admin_connection, 0));
        !r) {
        throw std::runtime_error("admin endpoint: " + r.error().message());
    }
    auto addr = admin->local_addr();
    spdlog::info("admin endpoint on {}", addr ? addr->to_string() : listen->to_string());
    admin_.emplace(std::move(*admin));
}

std::optional<std::chrono::nanoseconds> DaemonLoop::poll_timeout(
    Clock::time_point now, bool work_queued, std::optional<Clock::time_point> server_deadline) {
    if (work_queued || listeners_.has_ready()) return std::chrono::nanoseconds(0);
    DeadlineSet deadlines;
    deadlines.consider(idle_.next_deadline());
    if (auto t = timers_.next_timeout(now)) deadlines.consider(now + *t);
    if (admin_) deadlines.consider(admin_->next_deadline());
    deadlines.consider(lifecycle_.drain_deadline());
    deadlines.consider(listeners_.next_deadline());
    deadlines.consider(server_deadline);
    return deadlines.timeout(now);
}

}  // namespace app
