// ServerHealth: passive ejection windows and active rise/fall.

#include <catch2/catch.hpp>

#include <chrono>

#include "server_health.hpp"

using namespace std::chrono_literals;
using Clock = app::ServerHealth::Clock;

namespace {

const Clock::time_point t0 = Clock::time_point{} + 1h;

app::PassiveHealthConfig passive(std::uint32_t max_fails = 3) {
    return app::PassiveHealthConfig{.max_fails = max_fails, .fail_window = 10s, .eject_for = 30s};
}

app::ActiveHealthConfig active(std::uint32_t rise = 2, std::uint32_t fall = 3) {
    app::ActiveHealthConfig config;
    config.rise = rise;
    config.fall = fall;
    return config;
}

}  // namespace

TEST_CASE("a new server is up, not ejected and eligible", "[health]") {
    const app::ServerHealth health(passive(), active());
    CHECK(health.up());
    CHECK_FALSE(health.ejected(t0));
    CHECK(health.eligible(t0));
    CHECK_FALSE(health.ejected_until().has_value());
    CHECK(health.ejections_total() == 0);
    CHECK(health.connect_failures_total() == 0);
}

TEST_CASE("max_fails failures within the window eject for eject_for", "[health]") {
    app::ServerHealth health(passive(3), std::nullopt);
    health.on_connect_failure(t0);
    health.on_connect_failure(t0 + 4s);
    CHECK(health.eligible(t0 + 4s));
    health.on_connect_failure(t0 + 9s);  // 3 within 10s
    CHECK(health.ejected(t0 + 9s));
    CHECK_FALSE(health.eligible(t0 + 9s));
    REQUIRE(health.ejected_until().has_value());
    CHECK(*health.ejected_until() == t0 + 39s);
    CHECK(health.ejections_total() == 1);
    CHECK(health.connect_failures_total() == 3);
    CHECK(health.ejected(t0 + 38999ms));
    // The ejection ends after eject_for; the count starts afresh.
    CHECK_FALSE(health.ejected(t0 + 39s));
    CHECK(health.eligible(t0 + 39s));
    health.on_connect_failure(t0 + 40s);
    health.on_connect_failure(t0 + 41s);
    CHECK(health.eligible(t0 + 41s));
    health.on_connect_failure(t0 + 42s);
    CHECK_FALSE(health.eligible(t0 + 42s));
    CHECK(health.ejections_total() == 2);
    CHECK(*health.ejected_until() == t0 + 72s);
}

TEST_CASE("failures spread wider than the window do not eject", "[health]") {
    app::ServerHealth health(passive(3), std::nullopt);
    for (int i = 0; i < 20; ++i) {
        health.on_connect_failure(t0 + i * 5s);  // any 10s window holds at most 2
        CHECK(health.eligible(t0 + i * 5s));
    }
    CHECK(health.ejections_total() == 0);
    CHECK(health.connect_failures_total() == 20);
    // Exactly fail_window apart is outside the window.
    app::ServerHealth edge(passive(2), std::nullopt);
    edge.on_connect_failure(t0);
    edge.on_connect_failure(t0 + 10s);
    CHECK(edge.eligible(t0 + 10s));
    edge.on_connect_failure(t0 + 19999ms);
    CHECK_FALSE(edge.eligible(t0 + 19999ms));
}

TEST_CASE("failures while ejected only count in the total", "[health]") {
    app::ServerHealth health(passive(1), std::nullopt);
    health.on_connect_failure(t0);
    CHECK(health.ejected(t0));
    health.on_connect_failure(t0 + 1s);          // e.g. a connection started before the ejection
    CHECK(*health.ejected_until() == t0 + 30s);  // not extended
    CHECK(health.ejections_total() == 1);
    CHECK(health.connect_failures_total() == 2);
}

TEST_CASE("max_fails 0 never ejects", "[health]") {
    app::ServerHealth health(passive(0), std::nullopt);
    for (int i = 0; i < 100; ++i)
        health.on_connect_failure(t0 + i * 1ms);
    CHECK(health.eligible(t0 + 1s));
    CHECK(health.ejections_total() == 0);
    CHECK(health.connect_failures_total() == 100);
}

TEST_CASE("a successful connect clears the recent failures", "[health]") {
    app::ServerHealth health(passive(3), std::nullopt);
    health.on_connect_failure(t0);
    health.on_connect_failure(t0 + 1s);
    health.on_connect_success(t0 + 2s);
    health.on_connect_failure(t0 + 3s);
    health.on_connect_failure(t0 + 4s);
    CHECK(health.eligible(t0 + 4s));  // only 2 since the success
    health.on_connect_failure(t0 + 5s);
    CHECK_FALSE(health.eligible(t0 + 5s));
}

TEST_CASE("active checks: fall consecutive failures mark down, rise successes up", "[health]") {
    app::ServerHealth health(passive(), active(2, 3));
    CHECK_FALSE(health.on_check(false));
    CHECK_FALSE(health.on_check(false));
    CHECK(health.up());
    CHECK(health.on_check(false));  // third in a row
    CHECK_FALSE(health.up());
    CHECK_FALSE(health.eligible(t0));
    CHECK_FALSE(health.ejected(t0));  // down is not an ejection
    CHECK_FALSE(health.on_check(false));
    CHECK_FALSE(health.on_check(true));
    CHECK_FALSE(health.on_check(false));  // breaks the rise streak
    CHECK_FALSE(health.on_check(true));
    CHECK_FALSE(health.up());
    CHECK(health.on_check(true));
    CHECK(health.up());
    CHECK(health.eligible(t0));
    CHECK(health.ejections_total() == 0);
}

TEST_CASE("active checks: intermittent failures do not mark down", "[health]") {
    app::ServerHealth health(passive(), active(2, 3));
    for (int i = 0; i < 30; ++i) {  // fail, fail, ok: never 3 failures in a row
        CHECK_FALSE(health.on_check(false));
        CHECK_FALSE(health.on_check(false));
        CHECK_FALSE(health.on_check(true));
    }
    CHECK(health.up());
}

TEST_CASE("eligible needs up and not ejected", "[health]") {
    app::ServerHealth health(passive(1), active(1, 1));
    health.on_connect_failure(t0);
    CHECK(health.up());
    CHECK_FALSE(health.eligible(t0));  // ejected
    CHECK(health.on_check(false));
    CHECK_FALSE(health.eligible(t0 + 31s));  // ejection over, but down
    CHECK(health.on_check(true));
    CHECK(health.eligible(t0 + 31s));
}

TEST_CASE("without active checks on_check changes nothing", "[health]") {
    app::ServerHealth health(passive(), std::nullopt);
    for (int i = 0; i < 10; ++i)
        CHECK_FALSE(health.on_check(false));
    CHECK(health.up());
}

TEST_CASE("reconfigure keeps state and applies new limits", "[health]") {
    app::ServerHealth health(passive(3), active(2, 1));
    health.on_connect_failure(t0);
    health.on_connect_failure(t0 + 1s);
    CHECK(health.on_check(false));
    CHECK_FALSE(health.up());
    health.reconfigure(passive(2), active(1, 1));  // still down; 2 failures kept
    CHECK_FALSE(health.up());
    CHECK(health.on_check(true));        // rise is now 1
    health.on_connect_failure(t0 + 2s);  // 2 of 2 (the oldest is still in the window)
    CHECK(health.ejected(t0 + 2s));
    CHECK(health.ejections_total() == 1);
    // Dropping active checks marks the server up; max_fails 0 stops ejections.
    CHECK(health.on_check(false));
    health.reconfigure(passive(0), std::nullopt);
    CHECK(health.up());
    CHECK(health.ejected(t0 + 2s));  // the current ejection stands
    for (int i = 0; i < 10; ++i)
        health.on_connect_failure(t0 + 40s);
    CHECK(health.eligible(t0 + 40s));
    CHECK(health.ejections_total() == 1);
}
