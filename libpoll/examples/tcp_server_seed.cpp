// The seed README example: a TcpListener and a client TcpStream on one Poll. The server
// accepts the connection and drops it; the first client event ends the loop.
#include <cstdio>

#include <mio/events.hpp>
#include <mio/interest.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/poll.hpp>
#include <mio/token.hpp>

namespace {

constexpr mio::Token kServer{0};
constexpr mio::Token kClient{1};

int fail(const char* what, const std::error_code& ec) {
    std::fprintf(stderr, "%s: %s\n", what, ec.message().c_str());
    return 1;
}

}  // namespace

int main() {
    auto poll = mio::Poll::create();
    if (!poll) return fail("Poll::create", poll.error());
    mio::Events events(128);

    auto server = mio::net::TcpListener::bind(mio::net::SocketAddr::v4({127, 0, 0, 1}, 0));
    if (!server) return fail("bind", server.error());
    const auto& registry = poll->registry();
    if (auto r = registry.register_source(*server, kServer, mio::Interest::readable); !r) {
        return fail("register server", r.error());
    }

    auto addr = server->local_addr();
    if (!addr) return fail("local_addr", addr.error());
    auto client = mio::net::TcpStream::connect(*addr);
    if (!client) return fail("connect", client.error());
    const auto both = mio::Interest::readable | mio::Interest::writable;
    if (auto r = registry.register_source(*client, kClient, both); !r) {
        return fail("register client", r.error());
    }

    for (;;) {
        if (auto r = poll->poll(events, std::nullopt); !r) {
            if (mio::is_interrupted(r.error())) continue;
            return fail("poll", r.error());
        }
        for (const mio::Event& event : events) {
            if (event.token() == kServer) {
                // Accept until WouldBlock, dropping each connection at once.
                for (;;) {
                    auto accepted = server->accept();
                    if (accepted) continue;
                    if (mio::is_would_block(accepted.error())) break;
                    return fail("accept", accepted.error());
                }
            } else if (event.token() == kClient) {
                std::puts("client event received; connection established");
                return 0;
            }
        }
    }
}
