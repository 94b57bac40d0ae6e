// Balancer: each algorithm's distribution, eligibility, backups and hashing stability.

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "balancer.hpp"

namespace {

/// Servers 127.0.0.1:9000, :9001, ... with these weights (and backup flags, if given).
std::vector<app::ServerConfig> servers(const std::vector<std::uint32_t>& weights,
                                       const std::vector<bool>& backup = {}) {
    std::vector<app::ServerConfig> out;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const std::string address = "127.0.0.1:" + std::to_string(9000 + i);
        out.push_back(app::ServerConfig{.address = *app::Endpoint::parse(address),
                                        .weight = weights[i],
                                        .backup = i < backup.size() && backup[i]});
    }
    return out;
}

/// The state handed to pick(): all eligible and idle unless changed.
struct State {
    explicit State(std::size_t n) : eligible(n, 1), active(n, 0) {}
    std::vector<std::uint8_t> eligible;
    std::vector<std::uint32_t> active;
    [[nodiscard]] app::Candidates candidates() const { return {eligible, active}; }
};

/// How many of `picks` picks went to each server.
std::vector<int> count(app::Balancer& balancer, const State& state, int picks,
                       std::uint64_t key = 0) {
    std::vector<int> counts(balancer.size(), 0);
    for (int i = 0; i < picks; ++i) {
        const auto chosen = balancer.pick(state.candidates(), key);
        REQUIRE(chosen.has_value());
        ++counts.at(*chosen);
    }
    return counts;
}

std::uint64_t key_of(std::uint32_t n) {
    return app::stable_hash(std::as_bytes(std::span(&n, 1)));
}

}  // namespace

TEST_CASE("stable_hash is deterministic and spreads", "[balancer]") {
    const std::string a = "127.0.0.1:9000";
    const std::string b = "127.0.0.1:9001";
    CHECK(app::stable_hash(std::as_bytes(std::span(a))) ==
          app::stable_hash(std::as_bytes(std::span(a))));
    CHECK(app::stable_hash(std::as_bytes(std::span(a))) !=
          app::stable_hash(std::as_bytes(std::span(b))));
    // Pinned: the same on every run and machine (FNV-1a 64 of "" is cbf29ce484222325).
    CHECK(app::stable_hash({}) == app::stable_hash(std::span<const std::byte>{}));
    CHECK(app::stable_hash({}) != 0xcbf29ce484222325ull);  // the finaliser is applied
}

TEST_CASE("round_robin gives exact weighted counts in every window", "[balancer]") {
    app::Balancer balancer(app::Balance::round_robin, servers({5, 1, 1}), 1);
    CHECK(balancer.algorithm() == app::Balance::round_robin);
    CHECK(balancer.size() == 3);
    State state(3);
    std::vector<std::size_t> sequence;
    for (int i = 0; i < 70; ++i)
        sequence.push_back(*balancer.pick(state.candidates(), 0));
    for (std::size_t start = 0; start + 7 <= sequence.size(); ++start) {  // sliding windows
        std::vector<int> counts(3, 0);
        for (std::size_t i = start; i < start + 7; ++i)
            ++counts[sequence[i]];
        INFO("window at " << start);
        CHECK(counts == std::vector<int>{5, 1, 1});
    }
    // Smooth: the light servers are interleaved, not bunched at the end of a window.
    CHECK(sequence[0] == 0);
    CHECK(sequence[1] == 0);
    CHECK(sequence[2] != 0);

    app::Balancer equal(app::Balance::round_robin, servers({1, 1, 1, 1}), 1);
    State four(4);
    for (int window = 0; window < 5; ++window) {
        CHECK(count(equal, four, 4) == std::vector<int>{1, 1, 1, 1});
    }
}

TEST_CASE("round_robin skips ineligible servers", "[balancer]") {
    app::Balancer balancer(app::Balance::round_robin, servers({2, 1, 3}), 1);
    State state(3);
    state.eligible[2] = 0;
    CHECK(count(balancer, state, 30) == std::vector<int>{20, 10, 0});
    state.eligible[2] = 1;
    // After the change the long-run shares are the weights again.
    CHECK(count(balancer, state, 600) == std::vector<int>{200, 100, 300});
}

TEST_CASE("backups are used only when no primary is eligible", "[balancer]") {
    for (const app::Balance algorithm :
         {app::Balance::round_robin, app::Balance::least_conn, app::Balance::p2c,
          app::Balance::random, app::Balance::hash, app::Balance::first}) {
        INFO(app::to_string(algorithm));
        app::Balancer balancer(algorithm, servers({1, 1, 1, 1}, {true, false, false, true}), 7);
        State state(4);
        for (std::uint32_t key = 0; key < 200; ++key) {
            const auto chosen = balancer.pick(state.candidates(), key_of(key));
            REQUIRE(chosen.has_value());
            CHECK((*chosen == 1 || *chosen == 2));
        }
        state.eligible[1] = 0;
        for (std::uint32_t key = 0; key < 50; ++key) {
            CHECK(balancer.pick(state.candidates(), key_of(key)) == std::optional<std::size_t>(2));
        }
        state.eligible[2] = 0;
        std::vector<int> counts(4, 0);
        for (std::uint32_t key = 0; key < 400; ++key) {
            const auto chosen = balancer.pick(state.candidates(), key_of(key));
            REQUIRE(chosen.has_value());
            ++counts[*chosen];
        }
        CHECK(counts[1] + counts[2] == 0);
        CHECK(counts[0] + counts[3] == 400);
        state.eligible[0] = 0;
        state.eligible[3] = 0;
        CHECK_FALSE(balancer.pick(state.candidates(), 1).has_value());
    }
}

TEST_CASE("nothing eligible gives nullopt for every algorithm", "[balancer]") {
    for (const app::Balance algorithm :
         {app::Balance::round_robin, app::Balance::least_conn, app::Balance::p2c,
          app::Balance::random, app::Balance::hash, app::Balance::first}) {
        app::Balancer balancer(algorithm, servers({1, 2}), 3);
        State state(2);
        state.eligible = {0, 0};
        CHECK_FALSE(balancer.pick(state.candidates(), 42).has_value());
        app::Balancer empty(algorithm, {}, 3);
        CHECK_FALSE(empty.pick(app::Candidates{}, 42).has_value());
    }
}

TEST_CASE("least_conn follows load per weight", "[balancer]") {
    app::Balancer balancer(app::Balance::least_conn, servers({1, 2, 4}), 1);
    State state(3);
    state.active = {3, 5, 9};  // per weight: 3, 2.5, 2.25
    CHECK(count(balancer, state, 10) == std::vector<int>{0, 0, 10});
    state.active = {2, 5, 9};  // 2, 2.5, 2.25
    CHECK(count(balancer, state, 10) == std::vector<int>{10, 0, 0});
    state.eligible[0] = 0;
    CHECK(count(balancer, state, 10) == std::vector<int>{0, 0, 10});

    // Ties (here: all idle) are broken by weighted round robin.
    app::Balancer tied(app::Balance::least_conn, servers({1, 1, 2}), 1);
    State idle(3);
    CHECK(count(tied, idle, 8) == std::vector<int>{2, 2, 4});
    idle.active = {1, 1, 5};  // 1, 1, 2.5: servers 0 and 1 tie
    CHECK(count(tied, idle, 10) == std::vector<int>{5, 5, 0});
}

TEST_CASE("least_conn simulated: connections spread by weight", "[balancer]") {
    app::Balancer balancer(app::Balance::least_conn, servers({1, 3}), 1);
    State state(2);
    for (int i = 0; i < 400; ++i)
        ++state.active[*balancer.pick(state.candidates(), 0)];
    CHECK(state.active == std::vector<std::uint32_t>{100, 300});
}

TEST_CASE("p2c avoids the heavily loaded server", "[balancer]") {
    app::Balancer balancer(app::Balance::p2c, servers({1, 1, 1}), 12345);
    State state(3);
    state.active = {100, 0, 0};
    const std::vector<int> counts = count(balancer, state, 10000);
    CHECK(counts[0] < 500);
    CHECK(counts[1] > 4000);
    CHECK(counts[2] > 4000);
    // With equal loads it spreads like weighted random.
    app::Balancer even(app::Balance::p2c, servers({1, 1}), 99);
    State idle(2);
    const std::vector<int> spread = count(even, idle, 10000);
    CHECK(spread[0] > 4000);
    CHECK(spread[1] > 4000);
}

TEST_CASE("random honours weights", "[balancer]") {
    app::Balancer balancer(app::Balance::random, servers({3, 1}), 2024);
    State state(2);
    const std::vector<int> counts = count(balancer, state, 40000);
    CHECK(counts[0] > 40000 * 72 / 100);
    CHECK(counts[0] < 40000 * 78 / 100);
    // The same seed gives the same sequence.
    app::Balancer a(app::Balance::random, servers({1, 1, 1}), 5);
    app::Balancer b(app::Balance::random, servers({1, 1, 1}), 5);
    State three(3);
    for (int i = 0; i < 100; ++i) {
        CHECK(a.pick(three.candidates(), 0) == b.pick(three.candidates(), 0));
    }
}

TEST_CASE("hash maps a key to the same server", "[balancer]") {
    app::Balancer balancer(app::Balance::hash, servers({1, 1, 1, 1, 1}), 1);
    app::Balancer other(app::Balance::hash, servers({1, 1, 1, 1, 1}), 999);  // seed irrelevant
    State state(5);
    for (std::uint32_t key = 0; key < 1000; ++key) {
        const auto first = balancer.pick(state.candidates(), key_of(key));
        CHECK(balancer.pick(state.candidates(), key_of(key)) == first);
        CHECK(other.pick(state.candidates(), key_of(key)) == first);
    }
}

TEST_CASE("hash: removing a server moves only its keys", "[balancer]") {
    constexpr std::uint32_t kKeys = 10000;
    app::Balancer balancer(app::Balance::hash, servers({1, 1, 1, 1, 1}), 1);
    State state(5);
    std::vector<std::size_t> before;
    std::vector<int> counts(5, 0);
    for (std::uint32_t key = 0; key < kKeys; ++key) {
        before.push_back(*balancer.pick(state.candidates(), key_of(key)));
        ++counts[before.back()];
    }
    for (const int c : counts) {  // about 1/5 each
        CHECK(c > 1800);
        CHECK(c < 2200);
    }
    state.eligible[2] = 0;
    int moved = 0;
    std::vector<int> moved_to(5, 0);
    for (std::uint32_t key = 0; key < kKeys; ++key) {
        const std::size_t now = *balancer.pick(state.candidates(), key_of(key));
        CHECK(now != 2);
        if (before[key] != 2) {
            CHECK(now == before[key]);
        } else {
            ++moved;
            ++moved_to[now];
        }
    }
    CHECK(moved == counts[2]);
    CHECK(moved > static_cast<int>(kKeys / 5) - 200);
    CHECK(moved < static_cast<int>(kKeys / 5) + 200);
    for (const std::size_t i : {0, 1, 3, 4}) {
        CHECK(moved_to[i] > moved / 4 - 150);  // the moved keys spread over the others
    }
    // Back again: every key returns to its old server.
    state.eligible[2] = 1;
    for (std::uint32_t key = 0; key < kKeys; ++key) {
        CHECK(*balancer.pick(state.candidates(), key_of(key)) == before[key]);
    }
}

TEST_CASE("hash: weights shift the share of keys", "[balancer]") {
    app::Balancer balancer(app::Balance::hash, servers({3, 1}), 1);
    State state(2);
    std::vector<int> counts(2, 0);
    for (std::uint32_t key = 0; key < 20000; ++key) {
        ++counts[*balancer.pick(state.candidates(), key_of(key))];
    }
    CHECK(counts[0] > 20000 * 72 / 100);
    CHECK(counts[0] < 20000 * 78 / 100);
}

TEST_CASE("first picks the lowest eligible index", "[balancer]") {
    app::Balancer balancer(app::Balance::first, servers({1, 5, 1}), 1);
    State state(3);
    CHECK(count(balancer, state, 5) == std::vector<int>{5, 0, 0});
    state.active = {1000, 0, 0};  // load does not matter
    CHECK(balancer.pick(state.candidates(), 0) == std::optional<std::size_t>(0));
    state.eligible[0] = 0;
    CHECK(count(balancer, state, 5) == std::vector<int>{0, 5, 0});
}
