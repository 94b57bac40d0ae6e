// An edge-triggered TCP echo server: the shape to copy for a libpoll server.
//
// usage: tcp_echo_server [ADDR] [--exit-after N]     ADDR defaults to 127.0.0.1:9000
// Prints "listening on ADDR" once bound; with --exit-after, exits 0 after N connections closed.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <mio/events.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/poll.hpp>

namespace {

constexpr mio::Token kListener{0};

struct Connection {
    explicit Connection(mio::net::TcpStream s) : stream(std::move(s)) {}

    mio::net::TcpStream stream;
    std::vector<std::byte> pending;  // read but not yet echoed back
    bool peer_closed = false;        // EOF seen: close once `pending` is flushed
    bool want_write = false;         // currently registered for writable too
};

// Reads until WouldBlock (or EOF), queueing the bytes; false on a read error.
bool drain_reads(Connection& conn) {
    std::byte buf[16 * 1024];
    for (;;) {
        auto n = conn.stream.read(buf);
        if (!n) return mio::is_would_block(n.error());
        if (*n == 0) {
            conn.peer_closed = true;
            return true;
        }
        conn.pending.insert(conn.pending.end(), buf, buf + *n);
    }
}

// Writes pending bytes until all are gone or WouldBlock; false on a write error.
bool flush_writes(Connection& conn) {
    std::size_t done = 0;
    while (done < conn.pending.size()) {
        auto n = conn.stream.write(std::span(conn.pending).subspan(done));
        if (!n) {
            if (!mio::is_would_block(n.error())) return false;
            break;  // the writable event will tell us when to go on
        }
        done += *n;
    }
    conn.pending.erase(conn.pending.begin(), conn.pending.begin() + static_cast<long>(done));
    return true;
}

// Asks for writable events only while output is pending; false on a registry error.
bool update_interest(const mio::Registry& registry, mio::Token token, Connection& conn) {
    const bool want = !conn.pending.empty();
    if (want == conn.want_write) return true;
    conn.want_write = want;
    const auto interest =
        want ? mio::Interest::readable | mio::Interest::writable : mio::Interest::readable;
    return registry.reregister_source(conn.stream, token, interest).has_value();
}

// Handles one event of a connection; false once it should be closed.
bool handle(const mio::Registry& registry, const mio::Event& event, Connection& conn) {
    if (event.is_readable() && !conn.peer_closed && !drain_reads(conn)) return false;
    if (!flush_writes(conn)) return false;
    if (conn.peer_closed && conn.pending.empty()) return false;
    return update_interest(registry, event.token(), conn);
}

int die(const char* what, const std::error_code& ec) {
    std::fprintf(stderr, "tcp_echo_server: %s: %s\n", what, ec.message().c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::string address = "127.0.0.1:9000";
    long exit_after = -1;  // -1: serve forever
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--exit-after" && i + 1 < argc)
            exit_after = std::strtol(argv[++i], nullptr, 10);
        else
            address = arg;
    }
    auto addr = mio::net::SocketAddr::parse(address);
    if (!addr) return die(address.c_str(), addr.error());
    auto poll = mio::Poll::create();
    if (!poll) return die("Poll::create", poll.error());
    auto listener = mio::net::TcpListener::bind(*addr);
    if (!listener) return die("bind", listener.error());
    const mio::Registry& registry = poll->registry();
    if (auto r = registry.register_source(*listener, kListener, mio::Interest::readable); !r) {
        return die("register", r.error());
    }
    std::printf("listening on %s\n", listener->local_addr()->to_string().c_str());
    std::fflush(stdout);

    std::map<std::size_t, Connection> connections;  // by token value
    std::size_t next_token = 1;
    long closed = 0;
    mio::Events events(256);
    while (exit_after < 0 || closed < exit_after) {
        if (auto r = poll->poll(events, std::nullopt); !r) {
            if (mio::is_interrupted(r.error())) continue;  // a signal: poll again
            return die("poll", r.error());
        }
        for (const mio::Event& event : events) {
            if (event.token() == kListener) {
                // Accept until WouldBlock. Other errors (e.g. EMFILE) also end the
                // loop; a production server would log them and back off.
                for (auto accepted = listener->accept(); accepted; accepted = listener->accept()) {
                    const mio::Token token{next_token++};
                    Connection conn{std::move(accepted->first)};
                    if (registry.register_source(conn.stream, token, mio::Interest::readable)) {
                        connections.emplace(token.value, std::move(conn));
                    }
                }
                continue;
            }
            const auto it = connections.find(event.token().value);
            if (it == connections.end()) continue;  // closed earlier in this batch
            if (!handle(registry, event, it->second)) {
                connections.erase(it);  // the destructor deregisters and closes
                ++closed;
            }
        }
    }
    return 0;
}
