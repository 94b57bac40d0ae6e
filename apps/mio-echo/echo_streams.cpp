// Stream connections (TCP and Unix): accepting, and the per-connection state machine for each
// mode. Edge-triggered rules: a side is only retried after an event for it, and every read
// and write loop runs until WouldBlock or until the per-wake-up budget is spent, in which
// case the connection goes to the ready list and is resumed after the other events.
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "echo_server.hpp"
#include "runtime/logging.hpp"

namespace app {
namespace {

// At most this many read+write rounds per wake-up (with 16 KiB buffers: 128 KiB each way).
constexpr int kRounds = 8;
constexpr int kAcceptBudget = 64;
constexpr auto kAcceptRetry = std::chrono::milliseconds(250);

// RFC 864 character generator: 95 rotating lines of 72 printable characters + CRLF.
constexpr std::size_t kLineLen = 74;
constexpr std::size_t kPatternLen = 95 * kLineLen;
const std::array<std::byte, kPatternLen>& chargen_pattern() {
    static const auto pattern = [] {
        std::array<std::byte, kPatternLen> p{};
        for (std::size_t line = 0; line < 95; ++line) {
            for (std::size_t i = 0; i < 72; ++i) {
                p[line * kLineLen + i] = static_cast<std::byte>(' ' + (line + i) % 95);
            }
            p[line * kLineLen + 72] = std::byte{'\r'};
            p[line * kLineLen + 73] = std::byte{'\n'};
        }
        return p;
    }();
    return pattern;
}

}  // namespace

mio::Result<std::size_t> EchoServer::read_into(Conn& conn, std::span<std::byte> buf) {
    return std::visit([&](auto& s) { return s.read(buf); }, conn.stream);
}

mio::Result<std::size_t> EchoServer::write_from(Conn& conn, std::span<const std::byte> buf) {
    return std::visit([&](auto& s) { return s.write(buf); }, conn.stream);
}

bool EchoServer::admit(ListenerState& state) {
    return !state.retired && !lifecycle_.draining() && state.open < state.config.max_connections &&
           open_total_ < config_.runtime.max_connections;
}

void EchoServer::accept_all(std::uint32_t index) {
    for (int n = 0; n < kAcceptBudget; ++n) {
        BoundSocket& socket = sockets_[index];
        if (!socket.socket || socket.accept_paused) return;
        ListenerState& state = listeners_[socket.listener];
        auto accepted = std::visit(
            [](auto& l) -> mio::Result<StreamSocket> {
                if constexpr (requires { l.accept(); }) {
                    auto r = l.accept();
                    if (!r) return mio::fail(r.error());
                    return StreamSocket(std::move(r->first));
                } else {
                    return mio::fail(std::errc::operation_not_supported);
                }
            },
            *socket.socket);
        if (!accepted) {
            const std::error_code ec = accepted.error();
            if (mio::is_would_block(ec)) return;
            if (is_transient_accept_error(ec)) continue;
            state.metrics->add_error(ErrorKind::accept);
            if (is_out_of_descriptors(ec)) {
                // Leave the connection in the backlog and serve the existing ones; accepting
                // resumes when a connection closes, or after a short pause.
                spdlog::warn("listener '{}' {}: {}; pausing accepts", state.config.name,
                             socket.endpoint, ec.message());
                socket.accept_paused = true;
                accept_retry_armed_ = true;
                accept_retry_at_ = Clock::now() + kAcceptRetry;
            } else {
                spdlog::error("listener '{}' {}: accept failed: {}", state.config.name,
                              socket.endpoint, ec.message());
            }
            return;
        }
        if (!admit(state)) {
            ++state.metrics->rejected_total;  // closed at once by going out of scope
            continue;
        }
        add_conn(std::move(*accepted), socket.listener);
    }
    BoundSocket& socket = sockets_[index];
    if (!socket.ready) {
        socket.ready = true;
        ready_sockets_.push_back(index);
    }
}

void EchoServer::add_conn(StreamSocket stream, std::uint32_t listener) {
    ListenerState& state = listeners_[listener];
    if (auto* tcp = std::get_if<mio::net::TcpStream>(&stream)) (void)tcp->set_nodelay(true);
    const SlabKey key =
        conns_.emplace(Conn{std::move(stream), IoBuffer{}, SlabKey{}, listener, now_tick_});
    Conn& conn = *conns_.get(key);
    conn.key = key;
    auto registered = std::visit(
        [&](auto& s) {
            return poll_.registry().register_source(s, conns_.token(key), mio::Interest::readable);
        },
        conn.stream);
    if (!registered) {
        spdlog::error("listener '{}': cannot register a connection: {}", state.config.name,
                      registered.error().message());
        state.metrics->add_error(ErrorKind::other);
        (void)conns_.remove(key);
        return;
    }
    ++state.open;
    ++open_total_;
    state.metrics->on_open();
    if (state.config.idle_timeout.count() > 0) {
        idle_.add(key.value, now_tick_ + IdleWheel::ticks_in(state.config.idle_timeout));
    }
    log_conn(spdlog::level::debug, state.config.name, key.index(), "accepted");
    if (state.config.mode == EchoMode::info) start_info(conn, key);
    // Modes that speak first start now: only readable interest is registered, so no event
    // would come for a client that waits for us.
    if (state.config.mode == EchoMode::info || state.config.mode == EchoMode::chargen) {
        queue(key, conn);
    }
}

// A write found the socket full: wait for writable. Writable interest is registered only from
// then on (and kept): on an idle socket it would bring an event for every ACK that frees
// send space.
void EchoServer::watch_writes(Conn& conn) {
    conn.can_write = false;
    if (conn.watch_write) return;
    conn.watch_write = true;
    (void)std::visit(
        [&](auto& s) {
            return poll_.registry().reregister_source(
                s, conns_.token(conn.key), mio::Interest::readable | mio::Interest::writable);
        },
        conn.stream);
}

void EchoServer::queue(SlabKey key, Conn& conn) {
    if (conn.queued) return;
    conn.queued = true;
    ready_conns_.push_back(key);
}

void EchoServer::on_conn_event(const mio::Event& event) {
    const auto key = conns_.from_token(event.token());
    Conn* conn = key ? conns_.get(*key) : nullptr;
    if (conn == nullptr) return;  // a stale token: that connection is gone
    if (event.is_readable() || event.is_read_closed() || event.is_error()) conn->can_read = true;
    if (event.is_read_closed()) conn->fin_hint = true;
    if (event.is_writable() || event.is_write_closed() || event.is_error()) conn->can_write = true;
    if (conn->queued) return;  // the ready list will get to it
    switch (pump(*conn)) {
        case Pump::close:
            close_conn(*key, "closed");
            break;
        case Pump::more:
            queue(*key, *conn);
            break;
        case Pump::idle:
            break;
    }
}

EchoServer::Pump EchoServer::pump(Conn& conn) {
    ListenerState& state = listeners_[conn.listener];
    if (conn.write_shut) return discard_input(conn, state);
    switch (state.config.mode) {
        case EchoMode::echo:
            return pump_echo(conn, state);
        case EchoMode::discard:
            return pump_discard(conn, state);
        case EchoMode::chargen:
            return pump_chargen(conn, state);
        case EchoMode::info:
            break;
    }
    return pump_info(conn, state);
}

EchoServer::Pump EchoServer::pump_echo(Conn& conn, ListenerState& state) {
    for (int round = 0; round < kRounds; ++round) {
        bool progress = false;
        if (!conn.buf.empty() && conn.can_write) {
            const std::size_t offered = conn.buf.readable_bytes();
            auto n = write_from(conn, conn.buf.readable_span());
            if (n) {
                conn.buf.consume(*n);
                state.metrics->bytes_out += *n;
                progress = *n > 0;
                // A short write filled the socket buffer: wait for writable (libpoll re-arms).
                if (*n < offered) watch_writes(conn);
            } else if (mio::is_would_block(n.error())) {
                watch_writes(conn);
            } else {
                state.metrics->add_error(ErrorKind::write);
                return Pump::close;
            }
        }
        // Backpressure: read only while there is room; a full buffer waits for writable.
        if (conn.can_read && !conn.peer_closed && conn.buf.ensure(*state.pool)) {
            if (conn.buf.writable_bytes() == 0) conn.buf.compact();
            if (conn.buf.writable_bytes() > 0) {
                const std::size_t room = conn.buf.writable_bytes();
                auto n = read_into(conn, conn.buf.writable_span());
                if (n && *n > 0) {
                    conn.buf.commit(*n);
                    state.metrics->bytes_in += *n;
                    progress = true;
                    // A short read emptied the socket: skip the read that would say WouldBlock
                    // (libpoll re-arms on it), unless a FIN is known to be waiting behind it.
                    if (*n < room && !conn.fin_hint) conn.can_read = false;
                } else if (n) {
                    conn.peer_closed = true;
                } else if (mio::is_would_block(n.error())) {
                    conn.can_read = false;
                } else {
                    state.metrics->add_error(ErrorKind::read);
                    return Pump::close;
                }
            }
        }
        // An idle connection holds no buffer: it goes back to the pool as soon as it is empty.
        if (conn.buf.empty()) (void)conn.buf.release_if_empty();
        if (progress) conn.last_active = now_tick_;
        // Half-close mirrored: the client's FIN becomes ours once everything is echoed.
        if (conn.peer_closed && conn.buf.empty()) return Pump::close;
        if (!progress) return Pump::idle;
    }
    return Pump::more;
}

EchoServer::Pump EchoServer::discard_input(Conn& conn, ListenerState& state) {
    for (int round = 0; round < kRounds && conn.can_read; ++round) {
        auto n = read_into(conn, datagram_buf_);
        if (n && *n > 0) {
            state.metrics->bytes_in += *n;
            conn.last_active = now_tick_;
        } else if (n) {
            return Pump::close;  // the peer's FIN
        } else if (mio::is_would_block(n.error())) {
            conn.can_read = false;
        } else {
            state.metrics->add_error(ErrorKind::read);
            return Pump::close;
        }
    }
    return conn.can_read ? Pump::more : Pump::idle;
}

EchoServer::Pump EchoServer::pump_discard(Conn& conn, ListenerState& state) {
    const Pump p = discard_input(conn, state);
    if (lifecycle_.draining() && p == Pump::idle && !conn.write_shut) {
        (void)std::visit([](auto& s) { return s.shutdown(mio::net::Shutdown::write); },
                         conn.stream);
        conn.write_shut = true;
    }
    return p;
}

EchoServer::Pump EchoServer::pump_chargen(Conn& conn, ListenerState& state) {
    if (const Pump p = discard_input(conn, state); p == Pump::close) return p;
    if (lifecycle_.draining()) return pump_discard(conn, state);
    const auto& pattern = chargen_pattern();
    for (int round = 0; round < kRounds && conn.can_write; ++round) {
        // Up to one pattern length per write, starting where the last write stopped.
        std::span<const std::byte> rest(pattern.data() + conn.chargen_pos,
                                        pattern.size() - conn.chargen_pos);
        auto n = write_from(conn, rest);
        if (n) {
            conn.chargen_pos = static_cast<std::uint16_t>((conn.chargen_pos + *n) % kPatternLen);
            state.metrics->bytes_out += *n;
            conn.last_active = now_tick_;
        } else if (mio::is_would_block(n.error())) {
            watch_writes(conn);
        } else {
            state.metrics->add_error(ErrorKind::write);
            return Pump::close;
        }
    }
    return conn.can_write || conn.can_read ? Pump::more : Pump::idle;
}

EchoServer::Pump EchoServer::pump_info(Conn& conn, ListenerState& state) {
    while (!conn.buf.empty() && conn.can_write) {
        auto n = write_from(conn, conn.buf.readable_span());
        if (n) {
            conn.buf.consume(*n);
            state.metrics->bytes_out += *n;
        } else if (mio::is_would_block(n.error())) {
            watch_writes(conn);
        } else {
            state.metrics->add_error(ErrorKind::write);
            return Pump::close;
        }
    }
    if (!conn.buf.empty()) return Pump::idle;
    // The line is out: send our FIN, then read (and drop) until the client's, so that
    // closing never resets the connection under the unread line.
    (void)conn.buf.release_if_empty();
    (void)std::visit([](auto& s) { return s.shutdown(mio::net::Shutdown::write); }, conn.stream);
    conn.write_shut = true;
    return discard_input(conn, state);
}

void EchoServer::start_info(Conn& conn, SlabKey key) {
    ListenerState& state = listeners_[conn.listener];
    auto text = [](auto r) { return r ? r->to_string() : std::string("unknown"); };
    const std::string peer = std::visit([&](auto& s) { return text(s.peer_addr()); }, conn.stream);
    const std::string local =
        std::visit([&](auto& s) { return text(s.local_addr()); }, conn.stream);
    const std::string line = fmt::format(
        "{{\"peer\":{},\"local\":{},\"listener\":{},\"protocol\":\"{}\",\"conn\":{}}}\n",
        json_quote(peer), json_quote(local), json_quote(state.config.name),
        to_string(state.config.protocol), key.index());
    if (!conn.buf.ensure(*state.pool) || conn.buf.writable_bytes() < line.size()) return;
    auto out = conn.buf.writable_span();
    std::memcpy(out.data(), line.data(), line.size());
    conn.buf.commit(line.size());
}

void EchoServer::close_conn(SlabKey key, std::string_view reason) {
    auto conn = conns_.remove(key);
    if (!conn) return;
    std::visit([&](auto& s) { (void)poll_.registry().deregister_source(s); }, conn->stream);
    ListenerState& state = listeners_[conn->listener];
    --state.open;
    --open_total_;
    state.metrics->on_close();
    log_conn(spdlog::level::debug, state.config.name, key.index(), "{}", reason);
    resume_accepting();
}

void EchoServer::resume_accepting() {
    for (std::uint32_t i = 0; i < sockets_.size(); ++i) {
        BoundSocket& socket = sockets_[i];
        if (!socket.accept_paused || !socket.socket) continue;
        socket.accept_paused = false;
        if (!socket.ready) {
            socket.ready = true;
            ready_sockets_.push_back(i);
        }
    }
}

std::optional<std::uint32_t> EchoServer::check_idle(std::uint64_t key, std::uint32_t expiry) {
    Conn* conn = conns_.get(SlabKey{key});
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
