// mio's tests/close_on_drop.rs: a connection the server drops is seen by the client as
// readable and then EOF.
#include <mio/net/tcp_listener.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/poll.hpp>

#include "test_util.hpp"

using namespace mio;
using namespace mio::test;
using namespace std::chrono_literals;

TEST_CASE("a connection dropped by the server reads as end of file", "[close_on_drop]") {
    enum class State { initial, after_read };
    constexpr Token kServer{0};
    constexpr Token kClient{1};
    auto [poll, events] = init_with_poll();
    auto listener = must(net::TcpListener::bind(any_local_address()));
    must(poll.registry().register_source(listener, kServer, Interest::readable));
    auto client = must(net::TcpStream::connect(must(listener.local_addr())));
    must(poll.registry().register_source(client, kClient, Interest::writable));

    State state = State::initial;
    bool server_dropped = false;
    for (int round = 0; round < 20 && state != State::after_read; ++round) {
        must(poll.poll(events, 500ms));
        for (const Event& ev : events) {
            if (ev.token() == kServer) {
                // Accept and drop every pending connection at once.
                while (auto accepted = listener.accept())
                    server_dropped = true;
            } else if (ev.token() == kClient) {
                if (ev.is_writable() && !ev.is_readable()) {
                    must(poll.registry().reregister_source(client, kClient, Interest::readable));
                    continue;
                }
                char buf[16];
                auto n = client.read(std::span<char>(buf));
                if (n && *n == 0) state = State::after_read;
            }
        }
    }
    REQUIRE(server_dropped);
    REQUIRE(state == State::after_read);
}
