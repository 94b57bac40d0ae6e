// Tunnels whose client is a trusted proxy (accept_proxy_protocol): the connection's first
// bytes must be a PROXY header (v1 or v2), read into the tunnel's upward buffer within
// proxy_protocol_timeout. The client it names is the one the listener's rules, balancing,
// logs and any header sent on see; bytes after it stay in the buffer and are relayed.
#include "proxy_server.hpp"

namespace app {

void ProxyServer::read_proxy_header(SlabKey key, Tunnel& t) {
    if (!t.up.buf.ensure(*pool_)) {
        t.starved = true;  // tried again when a buffer comes back (close_tunnel)
        starved_.push_back(key);
        return;
    }
    while (true) {
        const ProxyHeader header = parse_proxy_header(t.up.buf.readable_span());
        if (header.state == ProxyHeader::State::complete)
            return accept_proxy_header(key, t, header);
        if (header.state == ProxyHeader::State::invalid)
            return refuse_header(key, t, HeaderRefusal::malformed, header.error);
        // A buffer smaller than the longest header the parser waits for (the config's
        // smallest buffer_size is 1 KiB, the parser's bound too): refused, not a spin.
        if (t.up.buf.writable_bytes() == 0) {
            return refuse_header(key, t, HeaderRefusal::malformed,
                                 "PROXY header longer than buffer_size");
        }
        if (!t.client.side.can_read) return;
        auto n = t.client.stream->read(t.up.buf.writable_span());
        if (!n) {
            if (!mio::is_would_block(n.error())) {
                return refuse_header(key, t, HeaderRefusal::malformed, n.error().message());
            }
            t.client.side.can_read = false;
            return;
        }
        if (*n == 0) {
            return refuse_header(key, t, HeaderRefusal::malformed,
                                 "connection closed before the end of the PROXY header");
        }
        t.up.buf.commit(*n);
        listeners_[t.listener].metrics->bytes_in += *n;
    }
}

void ProxyServer::accept_proxy_header(SlabKey key, Tunnel& t, const ProxyHeader& header) {
    loop_.timers().cancel(t.timer);
    t.up.buf.consume(header.size);
    t.bytes_in += t.up.buf.readable_bytes();  // the client's own bytes that came with it
    (void)t.up.buf.release_if_empty();        // true or false: both fine
    // LOCAL, UNKNOWN and the like: the connection's own addresses stand.
    if (header.source) {
        t.client_addr = header.source;
        t.client_dest = header.destination;
    }
    ProxyListener& listener = listeners_[t.listener];
    std::string ip = t.client_addr ? t.client_addr->ip_string() : std::string();
    if (auto refused = admit_client(listener, t.client_addr, ip))
        return close_tunnel(key, *refused);
    start_tunnel(key, t, std::move(ip));
}

void ProxyServer::refuse_header(SlabKey key, Tunnel& t, HeaderRefusal why,
                                std::string_view detail) {
    ProxyListener& listener = listeners_[t.listener];
    ++listener.header_refused[static_cast<std::size_t>(why)];
    ++listener.metrics->rejected_total;
    log_conn(spdlog::level::debug, listener.config.name, key.index(), "PROXY header refused: {}",
             detail);
    close_tunnel(key, CloseCause::proxy_header);
}

}  // namespace app
