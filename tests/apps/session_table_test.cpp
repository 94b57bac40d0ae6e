// SessionTable: lookup by client, least-recently-used order, detach, erase and the bound.

#include <catch2/catch.hpp>

#include <map>
#include <vector>

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

TEST_CASE("session table agrees with a reference map over many inserts and erases",
          "[proxy][sessions]") {
    SessionTable table(100000);
    std::map<std::uint16_t, SlabKey> reference;  // client port -> session
    std::uint32_t next_index = 0;
    std::uint64_t state = 88172645463325252ull;
    auto rnd = [&] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    std::vector<std::uint32_t> free_indices;
    for (int step = 0; step < 20000; ++step) {
        const auto port = static_cast<std::uint16_t>(1 + rnd() % 3000);
        const auto it = reference.find(port);
        if (it == reference.end()) {
            std::uint32_t index = next_index;
            if (!free_indices.empty()) {
                index = free_indices.back();
                free_indices.pop_back();
            } else {
                ++next_index;
            }
            const SlabKey k = key(index, static_cast<std::uint32_t>(step + 1));
            table.insert(client(port), k);
            reference.emplace(port, k);
        } else {
            table.erase(it->second);
            free_indices.push_back(it->second.index());
            reference.erase(it);
        }
        if (step % 997 == 0) {
            for (std::uint16_t p = 1; p <= 3000; ++p) {
                const auto want = reference.find(p);
                const auto got = table.find(client(p));
                REQUIRE(got.has_value() == (want != reference.end()));
                if (got) REQUIRE(*got == want->second);
            }
        }
    }
    CHECK(table.size() == reference.size());
}
