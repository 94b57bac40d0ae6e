// The admin endpoint of mio-echo: /metrics, /healthz, /readyz, /connections.
#include <spdlog/spdlog.h>

#include "echo_server.hpp"

namespace app {

void EchoServer::open_admin() {
    if (!config_.admin.listen) return;
    const Endpoint& endpoint = *config_.admin.listen;
    if (endpoint.is_unix()) {
        throw std::runtime_error(
            "admin.listen: a Unix socket admin endpoint is not supported yet; "
            "use host:port");
    }
    auto admin = AdminServer::bind(endpoint.inet());
    if (!admin) {
        throw std::runtime_error(fmt::format("admin endpoint: cannot bind {}: {}",
                                             endpoint.to_string(), admin.error().message()));
    }
    admin->set_metrics([this] { return metrics_.render(); });
    admin->set_connections([this] { return render_connections(); });
    admin->set_draining(lifecycle_.draining());
    if (admin->conn_token_count() > kSocketBase - kAdminConnBase) {
        throw std::runtime_error("admin endpoint: too many connection tokens");
    }
    if (auto r = admin->register_with(poll_.registry(), kAdminToken, mio::Token{kAdminConnBase});
        !r) {
        throw std::runtime_error("admin endpoint: " + r.error().message());
    }
    auto addr = admin->local_addr();
    spdlog::info("admin endpoint on {}", addr ? addr->to_string() : endpoint.to_string());
    admin_.emplace(std::move(*admin));
}

std::string EchoServer::render_connections() {
    std::string out = "[";
    bool first = true;
    conns_.for_each([&](SlabKey key, Conn& conn) {
        const ListenerState& state = listeners_[conn.listener];
        const std::string peer = std::visit(
            [](auto& s) {
                auto a = s.peer_addr();
                return a ? a->to_string() : std::string("unknown");
            },
            conn.stream);
        const auto idle_ms = static_cast<std::uint64_t>(now_tick_ - conn.last_active) *
                             static_cast<std::uint64_t>(IdleWheel::kTick.count());
        out += fmt::format(
            "{}{{\"id\":{},\"listener\":{},\"peer\":{},\"idle_ms\":{},"
            "\"buffered\":{},\"peer_closed\":{}}}",
            first ? "" : ",", key.index(), json_quote(state.config.name), json_quote(peer), idle_ms,
            conn.buf.readable_bytes(), conn.peer_closed ? "true" : "false");
        first = false;
    });
    return out + "]\n";
}

}  // namespace app
