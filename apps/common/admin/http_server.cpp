#include "admin/http_server.hpp"

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <mio/net/tcp_listener.hpp>
#include <mio/registry.hpp>

#include "admin/admin_conn.hpp"
#include "runtime/retry.hpp"

namespace app {
namespace {

struct Route {
    std::string method;
    std::string path;
    AdminServer::Handler handler;
};

http::Response error_response(int status) {
    return http::Response::text(status, fmt::format("{}\n", http::reason_phrase(status)));
}

}  // namespace

struct AdminServer::Impl {
    mio::net::TcpListener listener;
    AdminOptions options;
    AdminConnLimits conn_limits;
    std::vector<Route> routes;
    std::vector<std::optional<AdminConn>> conns;  // slot i uses token first_conn + i
    const mio::Registry* registry = nullptr;      // set by register_with()
    mio::Token listener_token{};
    mio::Token first_conn{};
    bool draining = false;
    std::size_t open = 0;
    std::uint64_t requests = 0;
    std::uint64_t rejected = 0;

    Impl(mio::net::TcpListener l, const AdminOptions& o)
        : listener(std::move(l)),
          options(o),
          conn_limits{o.max_head_bytes, o.linger_timeout, 64 * 1024},
          conns(o.max_connections) {}

    [[nodiscard]] mio::Token token(std::size_t slot) const noexcept {
        return mio::Token{first_conn.value + slot};
    }
    void accept_all();
    void adopt(mio::net::TcpStream stream);
    void drive(std::size_t slot);
    void close(std::size_t slot) noexcept;
    std::string respond(const AdminConn& conn);
    http::Response dispatch(const http::Request& req);
    void add_route(std::string method, std::string path, Handler handler);
};

void AdminServer::Impl::accept_all() {
    for (;;) {
        auto accepted = retry_on_eintr([&] { return listener.accept(); });
        if (!accepted) {
            const std::error_code ec = accepted.error();
            if (mio::is_would_block(ec)) return;
            if (ec == std::errc::connection_aborted) continue;
            // EMFILE and friends: give up for this event rather than spin.
            spdlog::warn("admin: accept failed: {}", ec.message());
            return;
        }
        adopt(std::move(accepted->first));
    }
}

void AdminServer::Impl::adopt(mio::net::TcpStream stream) {
    const auto free_slot =
        std::find_if(conns.begin(), conns.end(), [](const auto& c) { return !c.has_value(); });
    if (free_slot == conns.end()) {
        ++rejected;  // the stream closes here: the limit is a hard one
        return;
    }
    const auto slot = static_cast<std::size_t>(free_slot - conns.begin());
    auto& conn =
        conns[slot].emplace(std::move(stream), Clock::now() + options.request_timeout, conn_limits);
    if (auto r = conn.register_with(*registry, token(slot)); !r) {
        spdlog::warn("admin: cannot register a connection: {}", r.error().message());
        conns[slot].reset();
        return;
    }
    ++open;
}

void AdminServer::Impl::drive(std::size_t slot) {
    for (;;) {
        AdminConn& conn = *conns[slot];
        switch (conn.advance(*registry, token(slot))) {
            case AdminConn::Step::wait:
                return;
            case AdminConn::Step::close:
                close(slot);
                return;
            case AdminConn::Step::need_response:
                conn.respond(respond(conn));
                ++requests;
                break;
        }
    }
}

void AdminServer::Impl::close(std::size_t slot) noexcept {
    if (!conns[slot]) return;
    if (registry != nullptr) (void)conns[slot]->deregister_from(*registry);
    conns[slot].reset();
    --open;
}

std::string AdminServer::Impl::respond(const AdminConn& conn) {
    if (conn.error_status() != 0)
        return http::serialize(error_response(conn.error_status()), false);
    const http::ParseResult parsed = http::parse_request_head(conn.head());
    if (parsed.status != 0) return http::serialize(error_response(parsed.status), false);
    const http::Request& req = parsed.request;
    const http::Response response = dispatch(req);
    spdlog::debug("admin: {} {} -> {}", req.method, req.path, response.status);
    return http::serialize(response, req.method == "HEAD");
}

http::Response AdminServer::Impl::dispatch(const http::Request& req) {
    const std::string_view method = req.method == "HEAD" ? std::string_view("GET") : req.method;
    std::string allow;
    for (const Route& route : routes) {
        if (route.path != req.path) continue;
        if (route.method == method) {
            try {
                return route.handler(req);
            } catch (const std::exception& e) {
                spdlog::error("admin: handler for {} {} failed: {}", route.method, route.path,
                              e.what());
                return error_response(500);
            }
        }
        allow += allow.empty() ? route.method : ", " + route.method;
        if (route.method == "GET") allow += ", HEAD";
    }
    if (allow.empty()) return error_response(404);
    http::Response r = error_response(405);
    r.headers.emplace_back("Allow", std::move(allow));
    return r;
}

void AdminServer::Impl::add_route(std::string method, std::string path, Handler handler) {
    for (Route& route : routes) {
        if (route.method == method && route.path == path) {
            route.handler = std::move(handler);
            return;
        }
    }
    routes.push_back(Route{std::move(method), std::move(path), std::move(handler)});
}

mio::Result<AdminServer> AdminServer::bind(const mio::net::SocketAddr& addr,
                                           const AdminOptions& options) {
    if (options.max_connections == 0) return mio::fail(std::errc::invalid_argument);
    auto listener = mio::net::TcpListener::bind(addr);
    if (!listener) return mio::fail(listener.error());
    auto impl = std::make_unique<Impl>(std::move(*listener), options);
    Impl* self = impl.get();  // stable: the Impl never moves
    impl->add_route("GET", "/healthz",
                    [](const http::Request&) { return http::Response::text(200, "ok\n"); });
    impl->add_route("GET", "/readyz", [self](const http::Request&) {
        return self->draining ? http::Response::text(503, "draining\n")
                              : http::Response::text(200, "ready\n");
    });
    return AdminServer(std::move(impl));
}

AdminServer::AdminServer(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
AdminServer::AdminServer(AdminServer&&) noexcept = default;
AdminServer& AdminServer::operator=(AdminServer&&) noexcept = default;
// libpoll's own types remove themselves from their Poll when destroyed, so this does not touch
// the registry (which may already be gone).
AdminServer::~AdminServer() = default;

mio::Result<mio::net::SocketAddr> AdminServer::local_addr() const {
    return impl_->listener.local_addr();
}

void AdminServer::add_route(std::string method, std::string path, Handler handler) {
    impl_->add_route(std::move(method), std::move(path), std::move(handler));
}

void AdminServer::set_metrics(std::function<std::string()> render) {
    add_route("GET", "/metrics", [render = std::move(render)](const http::Request&) {
        http::Response r = http::Response::text(200, render());
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        return r;
    });
}

void AdminServer::set_connections(std::function<std::string()> render) {
    add_route("GET", "/connections", [render = std::move(render)](const http::Request&) {
        return http::Response::json(200, render());
    });
}

void AdminServer::set_draining(bool draining) noexcept {
    impl_->draining = draining;
}
bool AdminServer::draining() const noexcept {
    return impl_->draining;
}
std::size_t AdminServer::conn_token_count() const noexcept {
    return impl_->conns.size();
}

mio::Result<void> AdminServer::register_with(const mio::Registry& registry,
                                             mio::Token listener_token,
                                             mio::Token first_conn_token) {
    const std::size_t n = impl_->conns.size();
    if (listener_token.value >= first_conn_token.value &&
        listener_token.value - first_conn_token.value < n) {
        return mio::fail(std::errc::invalid_argument);
    }
    auto r = registry.register_source(impl_->listener, listener_token, mio::Interest::readable);
    if (!r) return r;
    impl_->registry = &registry;
    impl_->listener_token = listener_token;
    impl_->first_conn = first_conn_token;
    return {};
}

mio::Result<void> AdminServer::deregister() {
    if (impl_->registry == nullptr) return mio::fail(mio::Errc::not_registered);
    for (std::size_t i = 0; i < impl_->conns.size(); ++i)
        impl_->close(i);
    auto r = impl_->registry->deregister_source(impl_->listener);
    impl_->registry = nullptr;
    return r;
}

bool AdminServer::owns(mio::Token token) const noexcept {
    if (impl_->registry == nullptr) return false;
    if (token == impl_->listener_token) return true;
    return token.value >= impl_->first_conn.value &&
           token.value - impl_->first_conn.value < impl_->conns.size();
}

void AdminServer::handle(const mio::Event& event) {
    if (!owns(event.token())) return;
    Impl& s = *impl_;
    if (event.token() == s.listener_token) {
        s.accept_all();
        return;
    }
    const std::size_t slot = event.token().value - s.first_conn.value;
    if (!s.conns[slot]) return;  // stale event for a closed connection
    if (s.conns[slot]->expired(Clock::now())) {
        s.close(slot);
        return;
    }
    s.drive(slot);
}

void AdminServer::tick(Clock::time_point now) {
    for (std::size_t i = 0; i < impl_->conns.size(); ++i) {
        if (impl_->conns[i] && impl_->conns[i]->expired(now)) impl_->close(i);
    }
}

std::optional<AdminServer::Clock::time_point> AdminServer::next_deadline() const noexcept {
    std::optional<Clock::time_point> earliest;
    for (const auto& conn : impl_->conns) {
        if (conn && (!earliest || conn->deadline() < *earliest)) earliest = conn->deadline();
    }
    return earliest;
}

std::size_t AdminServer::connection_count() const noexcept {
    return impl_->open;
}
std::uint64_t AdminServer::requests_total() const noexcept {
    return impl_->requests;
}
std::uint64_t AdminServer::rejected_total() const noexcept {
    return impl_->rejected;
}

}  // namespace app
