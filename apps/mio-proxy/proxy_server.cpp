// mio-proxy's set-up, timers and reload. A reload never cuts tunnels: changed upstreams are
// rebuilt (open tunnels keep the server they have), changed listeners are re-bound, removed
// ones stop accepting while their tunnels finish.
#include "proxy_server.hpp"

#include <algorithm>
#include <stdexcept>

#include <mio/version.hpp>

#include "runtime/listener_reload.hpp"

namespace app {

ProxyServer::ProxyServer(ProxyConfig config, ReloadFn<ProxyConfig> reload)
    : config_(std::move(config)),
      reload_(std::move(reload)),
      loop_("mio_proxy",
            ListenerHandlers{
                // The memory budget is reached: leave clients in the backlog instead of growing.
                .may_accept = [this] { return pool_->available() >= 2; },
                .on_accept = [this](const BindingOwner& owner,
                                    StreamListener::Accepted a) { on_accept(owner, std::move(a)); },
                .on_udp = [this](UdpBinding& binding) { return on_datagrams(binding); },
                .on_unix_datagram = {},
            }) {
    loop_.set_drain_timeout(config_.runtime.drain_timeout);
    // The memory budget is a number of buffers; each tunnel holds at most two, and only
    // while data is in flight.
    const std::size_t buffers =
        std::max<std::uint64_t>(2, config_.runtime.memory_limit / config_.runtime.buffer_size);
    pool_ = std::make_unique<BufferPool>(config_.runtime.buffer_size, buffers);
    pipes_ = std::make_unique<PipePool>(config_.runtime.buffer_size, PipePool::default_max_pipes(),
                                        *pool_);
    relay_ = std::make_unique<StreamRelay>(*pool_, *pipes_, config_.runtime.splice);
    MetricsRegistry& metrics = loop_.metrics();
    metrics.add_gauge("buffers_in_use", "Relay buffers and splice pipes in use (memory_limit)",
                      [this] { return pool_->in_use(); });
    metrics.add_gauge("splice_pipes_in_use", "Splice pipes held by connections",
                      [this] { return pipes_->in_use(); });
    metrics.add_counter("spliced_bytes_total",
                        "Bytes relayed through splice pipes (both directions)",
                        [this] { return relay_->spliced_bytes(); });
    metrics.add_gauge("upstreams_held",
                      "Upstreams in memory: the configured ones and retired ones still in use",
                      [this] { return upstreams_.size(); });
    metrics.add_counter("splice_pipes_refused_total",
                        "Times a direction wanted a splice pipe and relayed through a buffer",
                        [this] { return pipes_->refused_total(); });
    constexpr std::size_t kSlotBytes = kMaxProxyHeader + kMaxUdpPayload + 1;
    udp_arena_ = std::make_unique_for_overwrite<std::byte[]>(kUdpBatch * kSlotBytes);
    for (std::size_t i = 0; i < kUdpBatch; ++i) {
        udp_slots_[i].buffer = {udp_arena_.get() + i * kSlotBytes + kMaxProxyHeader,
                                kMaxUdpPayload + 1};
    }
    open_access_log(config_.access_log.target);
    tunnels_.reserve(config_.runtime.max_connections);
    loop_.timers().reserve(config_.runtime.max_connections);
    (void)rebuild_upstreams(config_);  // nothing to undo at start
    for (const auto& l : config_.listeners)
        open_listener(l);
    open_admin();
}

int ProxyServer::run() {
    spdlog::info("mio-proxy ready ({} listeners, {} upstreams, backend {}, splice {})",
                 listeners_.size(), upstreams_.size(), mio::backend_name(),
                 to_string(config_.runtime.splice));
    const int code = loop_.run(*this);
    if (code != 0) return code;
    spdlog::info("mio-proxy stopped ({} connections left)", open_count());
    flush_logs();
    return 0;
}

std::uint32_t ProxyServer::upstream_index(const std::string& name) const {
    for (std::uint32_t i = 0; i < upstreams_.size(); ++i) {
        if (!upstreams_[i].retired && upstreams_[i].config().name == name) return i;
    }
    throw std::runtime_error("no upstream named '" + name + "'");  // validated by the config
}

void ProxyServer::open_listener(const ProxyListenerConfig& config) {
    const auto index = static_cast<std::uint32_t>(listeners_.size());
    ListenerMetrics& metrics = loop_.metrics().listener(config.name);
    const std::uint32_t upstream = upstream_index(config.upstream);
    const bool udp = config.protocol == Protocol::udp;
    const auto actual = loop_.listeners().open(
        {{index, config.name, &metrics},
         udp ? ListenerSet::Transport::datagram : ListenerSet::Transport::stream,
         config.reuseport,
         std::span(config.bind)});
    ProxyListener& listener = listeners_.emplace_back();
    listener.config = config;
    listener.metrics = &metrics;
    listener.upstream = upstream;
    listener.access = AccessList(config.allow, config.deny);
    listener.trusted = AccessList(config.trusted_proxies, {});
    listener.rate_limit.set_limit(config.rate_limit_per_ip, config.rate_limit_window);
    if (udp) listener.sessions.emplace(config.udp.max_sessions);
    for (const std::string& addr : actual) {
        spdlog::info("listener '{}' ({}) listening on {} -> upstream '{}'", config.name,
                     to_string(config.protocol), addr, config.upstream);
    }
}

void ProxyServer::on_event(TokenId id, const mio::Event& event) {
    if (id.kind() == TokenKind::session) {
        const SlabKey key{id.value()};
        UdpSession* s = sessions_.get(key);
        if (s != nullptr && !s->queued && serve_session(key, *s)) session_ready_.push(key, *s);
        return;
    }
    if (id.kind() == TokenKind::check) {
        if (id.value() < checks_.size()) on_check_event(static_cast<std::uint32_t>(id.value()));
        return;
    }
    const bool server_side = id.kind() == TokenKind::connection_upstream;
    if (!server_side && id.kind() != TokenKind::connection) return;
    const SlabKey key{id.value()};
    Tunnel* t = tunnels_.get(key);
    if (t == nullptr) return;  // stale: that tunnel is gone
    TunnelEnd& end = server_side ? t->server : t->client;
    if (!end.stream) return;
    end.side.on_event(event);
    if (server_side && t->state == Tunnel::State::connecting) return on_connect_event(key, *t);
    if (!t->queued) advance(key, *t);
}

void ProxyServer::run_ready() {
    ready_.run(tunnels_, [this](SlabKey key, Tunnel& t) { advance(key, t); });
    session_ready_.run(sessions_, [this](SlabKey key, UdpSession& s) {
        if (serve_session(key, s)) session_ready_.push(key, s);
    });
    flush_replies();  // the loop calls this once per turn, after the turn's events
}

void ProxyServer::on_timer(TimerPayload payload) {
    switch (payload.kind()) {
        case TimerKind::connection:
            return on_tunnel_timer(SlabKey{payload.value()});
        case TimerKind::check:
            return on_check_timer(static_cast<std::uint32_t>(payload.value()));
        case TimerKind::session:
            return;  // UDP sessions expire through the idle wheel, not timers
    }
}

void ProxyServer::close_all(std::string_view reason) {
    for (SlabKey key : tunnels_.keys())
        close_tunnel(key, reason.empty() ? CloseCause::drain : CloseCause::drain_timeout);
}

std::optional<std::string> ProxyServer::reload_now() {
    flush_replies();  // before a binding's socket may close or its index be reused
    return reload_config(reload_, [this](ProxyConfig next) { apply(std::move(next)); });
}

void ProxyServer::on_tick(Clock::time_point now) {
    log_open_ones(now);
    if (!admin_pending_) return;
    // Deferred to here: a POST /reload is answered by the endpoint that a reload replaces.
    admin_pending_ = false;
    reload_step([this] { open_admin(); });
}

// Upstreams: unchanged ones keep their state (health, counters); changed or new ones are built
// afresh (with their active checks) and the old objects retire once no tunnel uses them.
// A retired upstream's slot is reused once no tunnel, session or check uses it, so that
// reloads do not make the proxy grow.
ProxyServer::UpstreamChanges ProxyServer::rebuild_upstreams(const ProxyConfig& next) {
    UpstreamChanges changes;
    const std::size_t before = upstreams_.size();
    for (std::uint32_t i = 0; i < before; ++i) {
        Upstream& old = upstreams_[i];
        if (old.retired) continue;
        const UpstreamConfig* wanted = next.upstream(old.config().name);
        if (wanted != nullptr && *wanted == old.config()) continue;
        retire_upstream(i);
        changes.retired.push_back(i);
    }
    for (const UpstreamConfig& u : next.upstreams) {
        bool kept = false;
        for (std::uint32_t i = 0; i < upstreams_.size(); ++i)
            kept = kept || (!upstreams_[i].retired && upstreams_[i].config().name == u.name);
        if (kept) continue;
        const std::uint32_t index = place_upstream(u, ++seed_, changes.retired);
        changes.added.push_back(index);
        add_checks(index);
    }
    return changes;
}

// `keep`: retired by this reload, so a refusal can bring them back: not reused yet.
std::uint32_t ProxyServer::place_upstream(const UpstreamConfig& config, std::uint64_t seed,
                                          std::span<const std::uint32_t> keep) {
    for (std::uint32_t i = 0; i < upstreams_.size(); ++i) {
        if (!upstreams_[i].retired || upstreams_[i].users != 0 || !checks_idle(i)) continue;
        if (std::find(keep.begin(), keep.end(), i) != keep.end()) continue;
        upstreams_[i] = Upstream(config, seed);
        return i;
    }
    upstreams_.emplace_back(config, seed);
    return static_cast<std::uint32_t>(upstreams_.size() - 1);
}

void ProxyServer::retire_upstream(std::uint32_t index) {
    upstreams_[index].retired = true;
    stop_checks(index);
}

// A refused reload: the upstreams it added retire, the old ones return (with their checks).
void ProxyServer::revert_upstreams(const UpstreamChanges& changes) {
    for (std::uint32_t i : changes.added)
        retire_upstream(i);
    for (std::uint32_t i : changes.retired) {
        upstreams_[i].retired = false;
        add_checks(i);
    }
}

// Closes what `plan` closes and opens what it opens. If one listener cannot open, everything
// goes back as it was (the listeners opened here close, the closed ones re-open, the upstream
// changes are undone) and the reason is returned. Connections are never cut either way.
std::optional<std::string> ProxyServer::switch_listeners(
    const ListenerPlan<ProxyListenerConfig>& plan, const UpstreamChanges& changes) {
    for (std::uint32_t i : plan.close)
        retire_listener(listeners_[i], i, loop_.listeners());
    const std::size_t first_new = listeners_.size();
    try {
        for (const ProxyListenerConfig* c : plan.open)
            open_listener(*c);
        end_closed_listeners(plan.close);
        return std::nullopt;
    } catch (const std::exception& e) {
        for (std::size_t i = first_new; i < listeners_.size(); ++i)
            retire_listener(listeners_[i], static_cast<std::uint32_t>(i), loop_.listeners());
        revert_upstreams(changes);
        for (std::uint32_t i : plan.close) {
            const ProxyListenerConfig old = listeners_[i].config;
            reload_step([&] { open_listener(old); });
        }
        end_closed_listeners(plan.close);
        return std::string(e.what());
    }
}

// The UDP sessions of listeners whose sockets closed end (their replies would have to leave
// from the socket that is gone; a client's next datagram starts a session on the new one).
void ProxyServer::end_closed_listeners(std::span<const std::uint32_t> closed) {
    for (std::uint32_t i : closed) {
        if (listeners_[i].sessions) close_sessions_of(i);
        release_if_done(listeners_[i]);
    }
}

// A retired listener whose last tunnel or session ended gives back what it holds (a UDP
// listener's session table is sized for max_sessions); its small record stays.
void ProxyServer::release_if_done(ProxyListener& listener) {
    if (!listener.retired || listener.open != 0) return;
    listener.sessions.reset();
    listener.access = AccessList();
    listener.trusted = AccessList();
}

// Throws std::runtime_error naming the target if it cannot be opened.
void ProxyServer::open_access_log(const std::string& target) {
    try {
        setup_access_log(target);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(fmt::format("access_log.target '{}': {}", target, e.what()));
    }
    access_log_ = target != "off";
}

void ProxyServer::apply(ProxyConfig next) {
    // First, as it can fail: a refused reload changes nothing.
    if (next.access_log.target != config_.access_log.target) {
        try {
            open_access_log(next.access_log.target);
        } catch (const std::runtime_error& e) {
            throw ReloadRefused(e.what());
        }
    }
    const auto plan = plan_listeners(
        listeners_, next.listeners, [](const ProxyListenerConfig& a, const ProxyListenerConfig& b) {
            return a.bind == b.bind && a.reuseport == b.reuseport && a.protocol == b.protocol;
        });
    const UpstreamChanges changes = rebuild_upstreams(next);
    if (auto failure = switch_listeners(plan, changes)) throw ReloadRefused(*failure);
    for (const auto& [index, wanted] : plan.update) {
        ProxyListener& l = listeners_[index];
        if (wanted->rate_limit_per_ip != l.config.rate_limit_per_ip ||
            wanted->rate_limit_window != l.config.rate_limit_window) {
            l.rate_limit.set_limit(wanted->rate_limit_per_ip, wanted->rate_limit_window);
        }
        l.config = *wanted;
        l.upstream = upstream_index(wanted->upstream);
        l.access = AccessList(wanted->allow, wanted->deny);
        l.trusted = AccessList(wanted->trusted_proxies, {});
        if (l.sessions) l.sessions->set_max_sessions(wanted->udp.max_sessions);
    }
    if (!(next.log == config_.log)) setup_logging(next.log.level, next.log.format, next.log.target);
    keep_pool_sizes(next);
    admin_pending_ = admin_pending_ || !(next.admin == config_.admin);
    config_ = std::move(next);
    loop_.set_drain_timeout(config_.runtime.drain_timeout);
    relay_->set_mode(config_.runtime.splice);
}

// The buffer and pipe pools are sized once: their keys apply at the next start.
void ProxyServer::keep_pool_sizes(ProxyConfig& next) const {
    if (next.runtime.buffer_size == config_.runtime.buffer_size &&
        next.runtime.memory_limit == config_.runtime.memory_limit) {
        return;
    }
    spdlog::warn(
        "reload: runtime.buffer_size and runtime.memory_limit take effect at the next start; "
        "keeping {} and {} bytes",
        config_.runtime.buffer_size, config_.runtime.memory_limit);
    next.runtime.buffer_size = config_.runtime.buffer_size;
    next.runtime.memory_limit = config_.runtime.memory_limit;
}

}  // namespace app
