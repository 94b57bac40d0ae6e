// Stream connections (TCP and Unix): admission, and each mode's pump. The edge-triggered read
// and write rules are the shared pump's (runtime/stream_pump.hpp); a connection whose budget
// ran out goes to the ready list and is resumed after the other events.
#include <array>
#include <cstring>

#include "echo_server.hpp"

namespace app {
namespace {

// RFC 864 character generator: 95 rotating lines of 72 printable characters + CRLF.
constexpr std::size_t kLineLen = 74;
constexpr std::size_t kPatternLen = 95 * kLineLen;
const std::array<std::byte, kPatternLen>& chargen_pattern() {
    static const auto pattern = [] {
        std::array<std::byte, kPatternLen> p{};
        for (std::size_t line = 0; line < 95; ++line) {
            for (std::size_t i = 0; i < 72; ++i)
                p[line * kLineLen + i] = static_cast<std::byte>(' ' + (line + i) % 95);
            p[line * kLineLen + 72] = std::byte{'\r'};
            p[line * kLineLen + 73] = std::byte{'\n'};
        }
        return p;
    }();
    return pattern;
}

}  // namespace

PumpEnd EchoServer::end(EchoConn& conn) noexcept {
    return PumpEnd{conn.stream, conn.side, token_of(TokenKind::connection, conn.key.value)};
}

bool EchoServer::admit(const EchoListener& listener) const {
    return !listener.retired && !loop_.draining() &&
           listener.open < listener.config.max_connections &&
           conns_.size() < config_.runtime.max_connections;
}

void EchoServer::on_accept(const BindingOwner& owner, StreamListener::Accepted accepted) {
    EchoListener& listener = listeners_[owner.id];
    if (!admit(listener)) {
        ++listener.metrics->rejected_total;  // closed at once by going out of scope
        return;
    }
    // Latency over batching: an echo's small replies must not wait for Nagle.
    (void)accepted.stream.set_nodelay(true);  // a failure only costs latency
    const SlabKey key = conns_.emplace(EchoConn{.stream = std::move(accepted.stream),
                                                .buf = IoBuffer{},
                                                .key = SlabKey{},
                                                .listener = owner.id,
                                                .last_active = loop_.now_tick()});
    EchoConn& conn = *conns_.get(key);
    conn.key = key;
    if (auto r =
            loop_.registry().register_source(conn.stream, end(conn).token, mio::Interest::readable);
        !r) {
        spdlog::error("listener '{}': cannot register a connection: {}", owner.name,
                      r.error().message());
        listener.metrics->add_error(ErrorKind::other);
        (void)conns_.remove(key);
        return;
    }
    ++listener.open;
    listener.metrics->on_open();
    if (listener.config.idle_timeout.count() > 0) {
        loop_.idle().add(key.value,
                         loop_.now_tick() + IdleWheel::ticks_in(listener.config.idle_timeout));
    }
    log_conn(spdlog::level::debug, owner.name, key.index(), "accepted");
    if (listener.config.mode == EchoMode::info) start_info(conn);
    // Modes that speak first start now: only readable interest is registered, so no event
    // would come for a client that waits for us.
    if (listener.config.mode == EchoMode::info || listener.config.mode == EchoMode::chargen) {
        ready_.push(conn.key, conn);
    }
}

void EchoServer::on_event(TokenId id, const mio::Event& event) {
    if (id.kind() != TokenKind::connection) return;
    EchoConn* conn = conns_.get(SlabKey{id.value()});
    if (conn == nullptr) return;  // a stale token: that connection is gone
    conn->side.on_event(event);
    if (!conn->queued) finish(*conn, pump(*conn));  // else the ready list will get to it
}

void EchoServer::run_ready() {
    ready_.run(conns_, [this](SlabKey, EchoConn& conn) { finish(conn, pump(conn)); });
}

// Acts on what a pump call left: close on the end or a failure (counted), queue for more.
void EchoServer::finish(EchoConn& conn, Flow flow) {
    ListenerMetrics& metrics = *listeners_[conn.listener].metrics;
    switch (flow) {
        case Flow::idle:
        case Flow::to_splice:
            return;
        case Flow::more:
            return ready_.push(conn.key, conn);
        case Flow::read_failed:
            metrics.add_error(ErrorKind::read);
            break;
        case Flow::write_failed:
            metrics.add_error(ErrorKind::write);
            break;
        case Flow::rearm_failed:
            metrics.add_error(ErrorKind::other);
            break;
        case Flow::finished:
            break;
    }
    close_conn(conn.key, "closed");
}

Flow EchoServer::pump(EchoConn& conn) {
    EchoListener& listener = listeners_[conn.listener];
    PumpTally tally;
    Flow flow = Flow::idle;
    const EchoMode mode = listener.config.mode;
    if (conn.side.shut || mode == EchoMode::discard) {
        // After our FIN (a drain, the end of info, a discard service) input is read and
        // dropped until the client's FIN, so that closing never resets unread data.
        flow = discard_input(end(conn), scratch_, tally);
        if (mode == EchoMode::discard && loop_.draining() && flow == Flow::idle && !conn.side.shut)
            shut_write(end(conn));
    } else if (mode == EchoMode::echo) {
        // The client's FIN becomes ours once everything is echoed: Flow::finished closes.
        flow = pump_stream(loop_.registry(), end(conn), end(conn), conn.buf, *listener.pool,
                           PumpPolicy{.forward_fin = false}, tally);
    } else if (mode == EchoMode::chargen) {
        flow = pump_chargen(conn, tally);
    } else {
        flow = pump_info(conn, tally);
    }
    listener.metrics->bytes_in += tally.read;
    listener.metrics->bytes_out += tally.written;
    if (tally.progress) conn.last_active = loop_.now_tick();
    return flow;
}

Flow EchoServer::pump_chargen(EchoConn& conn, PumpTally& tally) {
    const Flow input = discard_input(end(conn), scratch_, tally);
    if (input == Flow::finished || input == Flow::read_failed) return input;
    if (loop_.draining()) {
        if (input == Flow::idle) shut_write(end(conn));
        return input;
    }
    const auto& pattern = chargen_pattern();
    for (int round = 0; round < kPumpRounds && conn.side.can_write; ++round) {
        // Up to one pattern length per write, starting where the last write stopped.
        auto n = conn.stream.write(std::span(pattern).subspan(conn.chargen_pos));
        if (!n) {
            if (!mio::is_would_block(n.error())) return Flow::write_failed;
            if (!watch_writable(loop_.registry(), end(conn))) return Flow::rearm_failed;
            break;
        }
        conn.chargen_pos = static_cast<std::uint16_t>((conn.chargen_pos + *n) % kPatternLen);
        tally.written += *n;
        tally.progress = true;
    }
    return conn.side.can_write || conn.side.can_read ? Flow::more : Flow::idle;
}

Flow EchoServer::pump_info(EchoConn& conn, PumpTally& tally) {
    while (!conn.buf.empty() && conn.side.can_write) {
        auto n = conn.stream.write(conn.buf.readable_span());
        if (n) {
            conn.buf.consume(*n);
            tally.written += *n;
        } else if (!mio::is_would_block(n.error())) {
            return Flow::write_failed;
        } else if (!watch_writable(loop_.registry(), end(conn))) {
            return Flow::rearm_failed;
        }
    }
    if (!conn.buf.empty()) return Flow::idle;
    // The line is out: send our FIN, then read (and drop) until the client's.
    (void)conn.buf.release_if_empty();  // empty, checked above
    shut_write(end(conn));
    return discard_input(end(conn), scratch_, tally);
}

void EchoServer::start_info(EchoConn& conn) {
    const EchoListener& listener = listeners_[conn.listener];
    const std::string line = fmt::format(
        "{{\"peer\":{},\"local\":{},\"listener\":{},\"protocol\":\"{}\",\"conn\":{}}}\n",
        json_quote(conn.stream.peer_text()), json_quote(conn.stream.local_text()),
        json_quote(listener.config.name), to_string(listener.config.protocol), conn.key.index());
    if (!conn.buf.ensure(*listener.pool) || conn.buf.writable_bytes() < line.size()) return;
    std::memcpy(conn.buf.writable_span().data(), line.data(), line.size());
    conn.buf.commit(line.size());
}

void EchoServer::close_conn(SlabKey key, std::string_view reason) {
    auto conn = conns_.remove(key);
    if (!conn) return;
    // Closing the socket (going out of scope) removes it from the poll set either way.
    (void)loop_.registry().deregister_source(conn->stream);
    EchoListener& listener = listeners_[conn->listener];
    --listener.open;
    listener.metrics->on_close();
    log_conn(spdlog::level::debug, listener.config.name, key.index(), "{}", reason);
    loop_.listeners().resume_accepting();
}

std::optional<std::uint32_t> EchoServer::check_idle(std::uint64_t key, std::uint32_t expiry) {
    EchoConn* conn = conns_.get(SlabKey{key});
    if (conn == nullptr) return std::nullopt;
    const auto timeout = listeners_[conn->listener].config.idle_timeout;
    if (timeout.count() <= 0) return std::nullopt;  // switched off by a reload
    const std::uint32_t due = conn->last_active + IdleWheel::ticks_in(timeout);
    if (due > expiry) return due;  // active since it was filed
    listeners_[conn->listener].metrics->add_error(ErrorKind::timeout);
    close_conn(SlabKey{key}, "idle timeout");
    return std::nullopt;
}

}  // namespace app
