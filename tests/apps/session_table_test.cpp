// SessionTable: lookup by client, least-recently-used order, detach, erase and the bound.

#include <catch2/catch.hpp>

#include "session_table.hpp"

using app::SessionKey;
using app::SessionTable;
using app::SlabKey;
using mio::net::SocketAddr;

namespace {

SessionKey client(std::uint16_t port, std::uint32_t binding = 0) {
    return SessionKey{binding, SocketAddr::v4({127, 0, 0, 1}, port)};
}

SlabKey key(std::uint32_t index, std::uint32_t generation = 1) {
    return SlabKey::make(index, generation);
}

}  // namespace

TEST_CASE("session table finds sessions by client and binding", "[proxy][sessions]") {
    SessionTable table(8);
    table.insert(client(1000), key(0));
    table.insert(client(1000, 1), key(1));  // same client, other listener socket
    CHECK(table.find(client(1000)) == key(0));
    CHECK(table.find(client(1000, 1)) == key(1));
    CHECK_FALSE(table.find(client(1001)).has_value());
    CHECK(table.size() == 2);
}

TEST_CASE("session table keeps least-recently-used order", "[proxy][sessions]") {
    SessionTable table(3);
    table.insert(client(1), key(0));
    table.insert(client(2), key(1));
    table.insert(client(3), key(2));
    CHECK(table.full());
    CHECK(table.least_recent() == key(0));
    table.touch(key(0));
    CHECK(table.least_recent() == key(1));
    table.erase(key(1));  // evicted
    CHECK_FALSE(table.full());
    CHECK(table.least_recent() == key(2));
    CHECK_FALSE(table.find(client(2)).has_value());
    table.insert(client(4), key(1, 2));  // the slot reused with a new generation
    table.erase(key(1, 1));              // stale key: ignored
    CHECK(table.size() == 3);
    table.erase(key(2));
    table.erase(key(0));
    CHECK(table.least_recent() == key(1, 2));
    table.erase(key(1, 2));
    CHECK(table.size() == 0);
    CHECK_FALSE(table.least_recent().has_value());
}

TEST_CASE("a detached session stays listed but no longer takes its client's datagrams",
          "[proxy][sessions]") {
    SessionTable table(4);
    table.insert(client(7), key(0));
    table.detach(key(0));
    CHECK_FALSE(table.find(client(7)).has_value());
    CHECK(table.size() == 1);
    table.insert(client(7), key(1));  // the client's next datagram: a new session
    CHECK(table.find(client(7)) == key(1));
    table.erase(key(0));  // the old one ends: the new mapping stays
    CHECK(table.find(client(7)) == key(1));
    CHECK(table.size() == 1);
}
