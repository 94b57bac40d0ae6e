// mio-echo's set-up, admin routes, drain goodbyes and reload. A reload never cuts connections:
// a listener whose settings change keeps its sockets and its connections pick up the new
// limits and timeouts; one whose bind or protocol changes is closed and opened anew; one that
// disappears stops accepting while its connections finish.
#include "echo_server.hpp"

#include <mio/version.hpp>

#include "runtime/listener_reload.hpp"

namespace app {

EchoServer::EchoServer(EchoConfig config, ReloadFn<EchoConfig> reload)
    : config_(std::move(config)),
      reload_(std::move(reload)),
      loop_("mio_echo",
            ListenerHandlers{
                .may_accept = {},
                .on_accept = [this](const BindingOwner& owner,
                                    StreamListener::Accepted a) { on_accept(owner, std::move(a)); },
                .on_udp = [this](UdpBinding& b) { return serve_datagrams(b); },
                .on_unix_datagram = [this](UnixDatagramBinding& b) { return serve_datagrams(b); },
            }) {
    loop_.set_drain_timeout(config_.runtime.drain_timeout);
    conns_.reserve(config_.runtime.max_connections);
    scratch_.resize(64 * 1024);  // > the largest UDP payload (65507)
    for (const auto& listener : config_.listeners)
        open_listener(listener);
    open_admin();
}

int EchoServer::run() {
    spdlog::info("mio-echo ready ({} listeners, backend {})", listeners_.size(),
                 mio::backend_name());
    const int code = loop_.run(*this);
    if (code != 0) return code;
    spdlog::info("mio-echo stopped ({} connections left)", open_count());
    flush_logs();
    return 0;
}

BufferPool& EchoServer::pool_for(std::uint64_t buffer_size) {
    auto& pool = pools_[buffer_size];
    // Each connection holds at most one buffer, and only while data is in flight, so the
    // global connection cap bounds the pool.
    if (!pool) pool = std::make_unique<BufferPool>(buffer_size, config_.runtime.max_connections);
    return *pool;
}

void EchoServer::open_listener(const EchoListenerConfig& config) {
    const auto index = static_cast<std::uint32_t>(listeners_.size());
    ListenerMetrics& metrics = loop_.metrics().listener(config.name);
    const auto transport = is_datagram(config.protocol) ? ListenerSet::Transport::datagram
                                                        : ListenerSet::Transport::stream;
    const auto actual = loop_.listeners().open(
        {{index, config.name, &metrics}, transport, false, std::span(config.bind)});
    EchoListener& listener = listeners_.emplace_back();
    listener.config = config;
    listener.metrics = &metrics;
    listener.pool = &pool_for(config.buffer_size);
    if (is_datagram(config.protocol)) {
        // A fixed table sized like the listener's connection bound (at most 65,536 buckets,
        // 2.5 MiB): a flood of new source addresses takes buckets over instead of filling
        // the table, so it never locks out the next client, and a datagram costs one probe.
        const std::size_t slots = std::min<std::size_t>(config.max_connections, 65'536);
        listener.limiter = std::make_unique<SourceRateLimiter>(config.rate_limit_pps,
                                                               std::chrono::seconds(1), slots);
    }
    for (const std::string& addr : actual) {
        spdlog::info("listener '{}' ({}, {}) listening on {}", config.name,
                     to_string(config.protocol), to_string(config.mode), addr);
    }
}

void EchoServer::open_admin() {
    loop_.open_admin(config_.admin.listen, [this](AdminServer& admin) {
        admin.set_metrics([this] { return loop_.metrics().render(); });
        admin.set_connections([this] { return render_connections(); });
    });
}

std::string EchoServer::render_connections() {
    std::string out = "[";
    conns_.for_each([&](SlabKey key, EchoConn& conn) {
        const auto idle_ms = static_cast<std::uint64_t>(loop_.now_tick() - conn.last_active) *
                             static_cast<std::uint64_t>(IdleWheel::kTick.count());
        out += fmt::format(
            "{}{{\"id\":{},\"listener\":{},\"peer\":{},\"idle_ms\":{},"
            "\"buffered\":{},\"peer_closed\":{}}}",
            out.size() > 1 ? "," : "", key.index(),
            json_quote(listeners_[conn.listener].config.name), json_quote(conn.stream.peer_text()),
            idle_ms, conn.buf.readable_bytes(), conn.side.eof ? "true" : "false");
    });
    return out + "]\n";
}

std::optional<EchoServer::Clock::time_point> EchoServer::next_deadline(
    Clock::time_point now) const {
    if (!loop_.lifecycle().draining()) return std::nullopt;
    return now + IdleWheel::kTick;  // the goodbye sweep below
}

// While draining: a connection with nothing buffered and no traffic for two wheel ticks
// (100-200 ms) has nothing in flight; send it our FIN, then wait for the client's (the pump
// discards what still arrives). A client that keeps sending is left to finish.
void EchoServer::on_tick(Clock::time_point) {
    if (!loop_.draining()) return;
    conns_.for_each([&](SlabKey, EchoConn& conn) {
        if (conn.side.shut || !conn.buf.empty() || loop_.now_tick() < conn.last_active + 2) return;
        shut_write(end(conn));
        (void)conn.buf.release_if_empty();  // empty, checked above
    });
}

void EchoServer::close_all(std::string_view reason) {
    for (SlabKey key : conns_.keys())
        close_conn(key, reason);
}

void EchoServer::reload() {
    reload_config(reload_, [this](EchoConfig next) { apply(std::move(next)); });
}

void EchoServer::apply(EchoConfig next) {
    if (!(next.log == config_.log)) setup_logging(next.log.level, next.log.format, next.log.target);
    const auto to_open = reconcile_listeners(
        listeners_, next.listeners, loop_.listeners(),
        [](const EchoListenerConfig& a, const EchoListenerConfig& b) {
            return a.bind == b.bind && a.protocol == b.protocol;
        },
        [this](EchoListener& listener, const EchoListenerConfig& wanted) {
            const bool new_rate = wanted.rate_limit_pps != listener.config.rate_limit_pps;
            listener.config = wanted;
            listener.pool = &pool_for(wanted.buffer_size);
            // Only a changed rate restarts the buckets (set_limit refills every one).
            if (listener.limiter && new_rate)
                listener.limiter->set_limit(wanted.rate_limit_pps, std::chrono::seconds(1));
        });
    const bool admin_changed = !(next.admin == config_.admin);
    config_ = std::move(next);
    loop_.set_drain_timeout(config_.runtime.drain_timeout);
    for (const EchoListenerConfig* c : to_open)
        reload_step([&] { open_listener(*c); });
    if (admin_changed) reload_step([this] { open_admin(); });
}

}  // namespace app
