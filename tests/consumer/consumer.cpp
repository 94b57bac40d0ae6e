// A program of another project using an installed (or vendored) libpoll: one echo exchange
// over loopback TCP through Poll, checking every byte. Exit 0 on success.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <mio/mio.hpp>  // the umbrella header (generated): every public header

static_assert(LIBPOLL_VERSION_MAJOR == 0 && LIBPOLL_VERSION >= 100, "libpoll 0.1 or later");

namespace {

constexpr mio::Token kListener{0}, kServer{1}, kClient{2};
constexpr std::string_view kMessage = "hello through libpoll";

int fail(const char* what) {
    std::fprintf(stderr, "consumer: %s\n", what);
    return 1;
}

// Reads what is there into `into`; false on an error (WouldBlock is not one).
bool read_some(const mio::net::TcpStream& s, std::string& into) {
    char buf[256];
    for (;;) {
        auto n = s.read(std::span(buf));
        if (!n) return mio::is_would_block(n.error());
        if (*n == 0) return true;
        into.append(buf, *n);
    }
}

}  // namespace

int main() {
    auto poll = mio::Poll::create();
    auto addr = mio::net::SocketAddr::parse("127.0.0.1:0");
    if (!poll || !addr) return fail("set-up");
    auto listener = mio::net::TcpListener::bind(*addr);
    if (!listener) return fail("bind");
    auto client = mio::net::TcpStream::connect(listener->local_addr().value());
    if (!client) return fail("connect");
    const mio::Registry& registry = poll->registry();
    if (!registry.register_source(*listener, kListener, mio::Interest::readable) ||
        !registry.register_source(*client, kClient,
                                  mio::Interest::readable | mio::Interest::writable)) {
        return fail("register");
    }
    std::optional<mio::net::TcpStream> server;
    std::string at_server, at_client;
    bool sent = false;
    mio::Events events(16);
    // Bounded: 100 waits of at most a second each.
    for (int round = 0; round < 100 && at_client.size() < kMessage.size(); ++round) {
        if (!poll->poll(events, std::chrono::seconds(1))) return fail("poll");
        for (const mio::Event& event : events) {
            if (event.token() == kListener) {
                auto accepted = listener->accept();
                if (!accepted) continue;
                server.emplace(std::move(accepted->first));
                if (!registry.register_source(*server, kServer, mio::Interest::readable))
                    return fail("register the accepted stream");
            } else if (event.token() == kServer) {
                if (!read_some(*server, at_server)) return fail("server read");
                if (at_server == kMessage && !server->write(at_server)) return fail("echo");
            } else if (event.token() == kClient) {
                if (event.is_writable() && !sent) {
                    if (client->write(kMessage) != kMessage.size()) return fail("client write");
                    sent = true;
                }
                if (!read_some(*client, at_client)) return fail("client read");
            }
        }
    }
    if (at_client != kMessage) return fail("the echo did not come back intact");
    if (mio::version() != LIBPOLL_VERSION_STRING) return fail("headers and library differ");
    std::printf("consumer: echoed %zu bytes with libpoll %.*s (%.*s)\n", at_client.size(),
                static_cast<int>(mio::version().size()), mio::version().data(),
                static_cast<int>(mio::backend_name().size()), mio::backend_name().data());
    return 0;
}
