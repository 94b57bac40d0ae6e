// The access log ([access_log]): a record for every tunnel and UDP session when it ends, for a
// connection refused at accept, and every `interval` for each one still open. Nothing is
// built when the log is off.
#include "proxy_server.hpp"

namespace app {
namespace {

std::chrono::microseconds since(std::chrono::steady_clock::time_point from,
                                std::chrono::steady_clock::time_point to) {
    return std::chrono::duration_cast<std::chrono::microseconds>(to - from);
}

}  // namespace

void ProxyServer::log_tunnel(const Tunnel& t, std::optional<CloseCause> cause) {
    if (!access_log_) return;
    const auto now = Clock::now();
    const Upstream& upstream = upstreams_[t.upstream];
    AccessRecord r{
        .time = std::chrono::system_clock::now(),
        .listener = listeners_[t.listener].config.name,
        .protocol = "tcp",
        .client = t.client_addr,
        .server = t.server_index ? std::string_view(upstream.servers()[*t.server_index].label)
                                 : std::string_view{},
        .retries = t.attempts > 0 ? t.attempts - 1u : 0u,
        .bytes_in = t.bytes_in,
        .bytes_out = t.bytes_out,
        .duration = since(t.started, now),
        .ended = cause.has_value(),
        .cause = cause.value_or(CloseCause::error),
    };
    if (t.connected != Clock::time_point{}) r.connect = since(t.started, t.connected);
    write_access_log(format_access_record(r));
}

void ProxyServer::log_session(const UdpSession& s, std::optional<CloseCause> cause) {
    if (!access_log_) return;
    const auto now = Clock::now();
    const AccessRecord r{
        .time = std::chrono::system_clock::now(),
        .listener = listeners_[s.listener].config.name,
        .protocol = "udp",
        .client = s.client,
        .server = upstreams_[s.upstream].servers()[s.server].label,
        .bytes_in = s.bytes_in,
        .bytes_out = s.bytes_out,
        .datagrams_in = s.requests,
        .datagrams_out = s.responses,
        .duration = since(s.created, now),
        .ended = cause.has_value(),
        .cause = cause.value_or(CloseCause::error),
    };
    write_access_log(format_access_record(r));
}

void ProxyServer::log_refused(const ProxyListener& listener,
                              const std::optional<mio::net::SocketAddr>& client, CloseCause cause) {
    if (!access_log_) return;
    const AccessRecord r{
        .time = std::chrono::system_clock::now(),
        .listener = listener.config.name,
        .protocol = "tcp",
        .client = client,
        .cause = cause,
    };
    write_access_log(format_access_record(r));
}

// Every `interval`, a record of each connection and session open for at least that long.
void ProxyServer::log_open_ones(Clock::time_point now) {
    const auto interval = config_.access_log.interval;
    if (!access_log_ || interval.count() <= 0) return;
    if (next_access_interval_ == Clock::time_point{}) next_access_interval_ = now + interval;
    if (now < next_access_interval_) return;
    next_access_interval_ = now + interval;
    for (SlabKey key : tunnels_.keys()) {
        const Tunnel& t = *tunnels_.get(key);
        if (now - t.started >= interval) log_tunnel(t, std::nullopt);
    }
    for (SlabKey key : sessions_.keys()) {
        const UdpSession& s = *sessions_.get(key);
        if (now - s.created >= interval) log_session(s, std::nullopt);
    }
}

}  // namespace app
