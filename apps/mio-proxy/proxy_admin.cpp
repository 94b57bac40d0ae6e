// mio-proxy's admin endpoint: mio-echo's (/metrics, /healthz, /readyz, /connections) plus
// GET /upstreams and per-upstream, per-server Prometheus metrics.
#include "proxy_server.hpp"

namespace app {
namespace {

std::string labels(const Upstream& u, const ServerRuntime& s) {
    return fmt::format("upstream=\"{}\",server=\"{}\"", escape_label_value(u.config().name),
                       escape_label_value(s.label));
}

// /sessions lists at most this many (the total is always given): the answer stays small
// whatever the table holds.
constexpr std::size_t kMaxListedSessions = 1000;

}  // namespace

void ProxyServer::open_admin() {
    loop_.open_admin(config_.admin.listen, [this](AdminServer& admin) {
        admin.set_metrics([this] { return render_metrics(); });
        admin.set_connections([this] { return render_connections(); });
        admin.add_route("GET", "/upstreams", [this](const http::Request&) {
            return http::Response::json(200, render_upstreams());
        });
        admin.add_route("GET", "/sessions", [this](const http::Request&) {
            return http::Response::json(200, render_sessions());
        });
        // The outcome in the answer: 200 when the new configuration runs, 409 with the reason
        // when it was refused (the running one is kept).
        admin.add_route("POST", "/reload", [this](const http::Request&) {
            const std::optional<std::string> error = reload_now();
            if (!error) return http::Response::json(200, "{\"reloaded\":true}\n");
            return http::Response::json(
                409, "{\"reloaded\":false,\"error\":" + json_quote(*error) + "}\n");
        });
    });
}

std::string ProxyServer::render_metrics() {
    std::string out = loop_.metrics().render();
    const auto now = Clock::now();
    struct Family {
        const char* name;
        const char* type;
        const char* help;
        std::uint64_t (*value)(const ServerRuntime&, Clock::time_point);
    };
    static const Family families[] = {
        {"upstream_server_up", "gauge", "1 if the server is eligible (healthy, not ejected)",
         [](const ServerRuntime& s, Clock::time_point t) -> std::uint64_t {
             return s.health.eligible(t) ? 1 : 0;
         }},
        {"upstream_server_active_connections", "gauge", "Open proxied connections",
         [](const ServerRuntime& s, Clock::time_point) -> std::uint64_t { return s.active; }},
        {"upstream_server_connections_total", "counter", "Connections attempted",
         [](const ServerRuntime& s, Clock::time_point) { return s.connections_total; }},
        {"upstream_server_bytes_sent_total", "counter", "Bytes sent to the server",
         [](const ServerRuntime& s, Clock::time_point) { return s.bytes_to_server; }},
        {"upstream_server_bytes_received_total", "counter", "Bytes received from the server",
         [](const ServerRuntime& s, Clock::time_point) { return s.bytes_from_server; }},
        {"upstream_server_connect_errors_total", "counter", "Failed connects (incl. timeouts)",
         [](const ServerRuntime& s, Clock::time_point) { return s.connect_errors; }},
        {"upstream_server_ejections_total", "counter", "Passive ejections",
         [](const ServerRuntime& s, Clock::time_point) { return s.health.ejections_total(); }},
    };
    render_listener_metrics(out);
    for (const Family& f : families) {
        out += fmt::format("# HELP mio_proxy_{} {}\n# TYPE mio_proxy_{} {}\n", f.name, f.help,
                           f.name, f.type);
        for (const Upstream& u : upstreams_) {
            if (u.retired) continue;
            for (const ServerRuntime& s : u.servers()) {
                out +=
                    fmt::format("mio_proxy_{}{{{}}} {}\n", f.name, labels(u, s), f.value(s, now));
            }
        }
    }
    return out;
}

std::string ProxyServer::render_upstreams() {
    const auto now = Clock::now();
    std::string out = "[";
    bool first_upstream = true;
    for (const Upstream& u : upstreams_) {
        if (u.retired) continue;
        out += fmt::format("{}{{\"name\":{},\"balance\":\"{}\",\"servers\":[",
                           first_upstream ? "" : ",", json_quote(u.config().name),
                           to_string(u.config().balance));
        first_upstream = false;
        bool first = true;
        for (const ServerRuntime& s : u.servers()) {
            const auto until = s.health.ejected_until();
            const long long ejected_ms =
                s.health.ejected(now) && until
                    ? std::chrono::duration_cast<std::chrono::milliseconds>(*until - now).count()
                    : 0;
            out += fmt::format(
                "{}{{\"address\":{},\"weight\":{},\"backup\":{},\"healthy\":{},\"ejected\":{},"
                "\"ejected_for_ms\":{},\"eligible\":{},\"active\":{},\"connections_total\":{},"
                "\"bytes_sent\":{},\"bytes_received\":{},\"connect_errors\":{},\"ejections\":{}}}",
                first ? "" : ",", json_quote(s.label), s.config.weight,
                s.config.backup ? "true" : "false", s.health.up() ? "true" : "false",
                s.health.ejected(now) ? "true" : "false", ejected_ms,
                s.health.eligible(now) ? "true" : "false", s.active, s.connections_total,
                s.bytes_to_server, s.bytes_from_server, s.connect_errors,
                s.health.ejections_total());
            first = false;
        }
        out += "]}";
    }
    return out + "]\n";
}

std::string ProxyServer::render_connections() {
    std::string out = "[";
    bool first = true;
    tunnels_.for_each([&](SlabKey key, Tunnel& t) {
        const std::string peer = t.client.stream->peer_text();
        const std::string server =
            t.server_index ? upstreams_[t.upstream].servers()[*t.server_index].label : "";
        out += fmt::format(
            "{}{{\"id\":{},\"listener\":{},\"client\":{},\"upstream\":{},\"server\":{},"
            "\"state\":\"{}\"}}",
            first ? "" : ",", key.index(), json_quote(listeners_[t.listener].config.name),
            json_quote(peer), json_quote(upstreams_[t.upstream].config().name), json_quote(server),
            t.state == Tunnel::State::open ? "open" : "connecting");
        first = false;
    });
    return out + "]\n";
}

void ProxyServer::render_listener_metrics(std::string& out) const {
    auto family = [&](const char* name, const char* type, const char* help) {
        out +=
            fmt::format("# HELP mio_proxy_{} {}\n# TYPE mio_proxy_{} {}\n", name, help, name, type);
    };
    auto each_udp = [&](auto&& f) {
        for (const ProxyListener& l : listeners_) {
            if (l.sessions && !l.retired) f(l, escape_label_value(l.config.name));
        }
    };
    family("denied_total", "counter", "Connections and datagrams refused by allow/deny");
    for (const ProxyListener& l : listeners_) {
        if (l.retired) continue;
        out += fmt::format("mio_proxy_denied_total{{listener=\"{}\"}} {}\n",
                           escape_label_value(l.config.name), l.denied_total);
    }
    family("rate_limited_total", "counter",
           "New connections and UDP sessions refused by rate_limit_per_ip");
    for (const ProxyListener& l : listeners_) {
        if (l.retired) continue;
        out += fmt::format("mio_proxy_rate_limited_total{{listener=\"{}\"}} {}\n",
                           escape_label_value(l.config.name), l.rate_limited_total);
    }
    family("proxy_header_refused_total", "counter",
           "Connections closed before relaying: their PROXY header was untrusted, malformed "
           "or late");
    for (const ProxyListener& l : listeners_) {
        if (l.retired || !l.config.accept_proxy_protocol) continue;
        for (const auto& [name, why] : kHeaderRefusalNames) {
            out += fmt::format(
                "mio_proxy_proxy_header_refused_total{{listener=\"{}\",reason=\"{}\"}} {}\n",
                escape_label_value(l.config.name), name,
                l.header_refused[static_cast<std::size_t>(why)]);
        }
    }
    family("udp_sessions_evicted_total", "counter", "UDP sessions evicted at max_sessions");
    each_udp([&](const ProxyListener& l, const std::string& name) {
        out += fmt::format("mio_proxy_udp_sessions_evicted_total{{listener=\"{}\"}} {}\n", name,
                           l.udp.sessions_evicted);
    });
    family("udp_sessions_expired_total", "counter", "UDP sessions ended by idle_timeout");
    each_udp([&](const ProxyListener& l, const std::string& name) {
        out += fmt::format("mio_proxy_udp_sessions_expired_total{{listener=\"{}\"}} {}\n", name,
                           l.udp.sessions_expired);
    });
    family("udp_datagrams_total", "counter", "Datagrams from (in) and to (out) clients");
    each_udp([&](const ProxyListener& l, const std::string& name) {
        out += fmt::format(
            "mio_proxy_udp_datagrams_total{{listener=\"{}\",direction=\"in\"}} {}\n"
            "mio_proxy_udp_datagrams_total{{listener=\"{}\",direction=\"out\"}} {}\n",
            name, l.udp.datagrams_in, name, l.udp.datagrams_out);
    });
    family("udp_dropped_total", "counter", "Datagrams dropped, by reason");
    each_udp([&](const ProxyListener& l, const std::string& name) {
        for (const auto& [reason, why] : kUdpDropNames) {
            out += fmt::format("mio_proxy_udp_dropped_total{{listener=\"{}\",reason=\"{}\"}} {}\n",
                               name, reason, l.udp.dropped[static_cast<std::size_t>(why)]);
        }
    });
}

std::string ProxyServer::render_sessions() {
    const auto now = Clock::now();
    const auto tick_ms = static_cast<std::uint64_t>(IdleWheel::kTick.count());
    std::string list;
    std::size_t listed = 0;
    sessions_.for_each([&](SlabKey key, const UdpSession& s) {
        if (listed == kMaxListedSessions) return;
        const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.created);
        list += fmt::format(
            "{}{{\"id\":{},\"listener\":{},\"client\":{},\"server\":{},\"age_ms\":{},"
            "\"idle_ms\":{},\"requests\":{},\"responses\":{}}}",
            listed == 0 ? "" : ",", key.index(), json_quote(listeners_[s.listener].config.name),
            json_quote(s.client.to_string()),
            json_quote(upstreams_[s.upstream].servers()[s.server].label), age.count(),
            static_cast<std::uint64_t>(loop_.now_tick() - s.last_active) * tick_ms, s.requests,
            s.responses);
        ++listed;
    });
    return fmt::format("{{\"total\":{},\"listed\":{},\"sessions\":[{}]}}\n", sessions_.size(),
                       listed, list);
}

}  // namespace app
