// DeadlineSet (the poll timeout from several deadlines) and Lifecycle (the daemons' signal
// conventions), the latter with real signals: raise() runs the handler on this thread before
// it returns, so the SignalSource's pipe holds the signal when on_signals() drains it.

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/daemon_support.hpp"
#include "runtime/logging.hpp"
#include "runtime/signals.hpp"
#include "test_util.hpp"

using namespace std::chrono_literals;
using app::DeadlineSet;
using app::Lifecycle;
using mio::test::must;

namespace {

const DeadlineSet::Clock::time_point t0 = DeadlineSet::Clock::now();

// What the daemon loop does with the actions, recorded; drain starts the drain as it does.
struct Recorder {
    Lifecycle lifecycle;
    std::vector<std::string> drains;
    int reloads = 0;

    Lifecycle::Actions actions() {
        return {[this](std::string_view why) {
                    drains.emplace_back(why);
                    lifecycle.start_drain(30s);
                },
                [this] { ++reloads; }};
    }
    void deliver(app::SignalSource& signals, std::initializer_list<int> signos) {
        for (int signo : signos)
            REQUIRE(std::raise(signo) == 0);
        lifecycle.on_signals(signals, actions());
    }
};

std::string file_text(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("deadline set: no deadline means wait forever", "[runtime][daemon]") {
    DeadlineSet none;
    CHECK_FALSE(none.timeout(t0).has_value());
    DeadlineSet only_absent;
    only_absent.consider(std::nullopt);
    only_absent.consider(std::nullopt);
    CHECK_FALSE(only_absent.timeout(t0).has_value());
}

TEST_CASE("deadline set: the earliest of several deadlines gives the timeout",
          "[runtime][daemon]") {
    DeadlineSet set;
    set.consider(t0 + 3s);
    set.consider(std::nullopt);
    set.consider(t0 + 1s);
    set.consider(t0 + 2s);  // a later one does not replace the earliest
    CHECK(set.timeout(t0) == std::optional<std::chrono::nanoseconds>(1s));
    CHECK(set.timeout(t0 + 250ms) == std::optional<std::chrono::nanoseconds>(750ms));
}

TEST_CASE("deadline set: a deadline that has come or passed gives zero", "[runtime][daemon]") {
    DeadlineSet set;
    set.consider(t0 + 5s);
    set.consider(t0 - 1s);
    CHECK(set.timeout(t0) == std::optional<std::chrono::nanoseconds>(0ns));
    DeadlineSet now;
    now.consider(t0);
    CHECK(now.timeout(t0) == std::optional<std::chrono::nanoseconds>(0ns));
    CHECK(now.timeout(t0 + 1h) == std::optional<std::chrono::nanoseconds>(0ns));
}

TEST_CASE("lifecycle: SIGTERM drains once, a second one stops", "[runtime][daemon]") {
    auto signals = must(app::SignalSource::install(), "install");
    Recorder r;
    CHECK_FALSE(r.lifecycle.draining());
    CHECK_FALSE(r.lifecycle.drain_deadline().has_value());

    r.lifecycle.on_signals(signals, r.actions());  // nothing arrived: nothing happens
    CHECK(r.drains.empty());

    const auto before = Lifecycle::Clock::now();
    r.deliver(signals, {SIGTERM});
    CHECK(r.drains == std::vector<std::string>{"SIGTERM"});
    CHECK(r.lifecycle.draining());
    CHECK_FALSE(r.lifecycle.stop_requested());
    REQUIRE(r.lifecycle.drain_deadline().has_value());
    CHECK(*r.lifecycle.drain_deadline() >= before + 30s);

    r.deliver(signals, {SIGTERM});
    CHECK(r.drains.size() == 1);  // not drained again
    CHECK(r.lifecycle.stop_requested());
    CHECK(r.reloads == 0);
}

TEST_CASE("lifecycle: SIGINT and SIGQUIT drain too, and two in one batch stop",
          "[runtime][daemon]") {
    auto signals = must(app::SignalSource::install(), "install");
    Recorder interrupted;
    interrupted.deliver(signals, {SIGINT});
    CHECK(interrupted.drains == std::vector<std::string>{"SIGINT"});
    CHECK_FALSE(interrupted.lifecycle.stop_requested());

    Recorder quit;
    quit.deliver(signals, {SIGQUIT, SIGTERM});  // both drained by one on_signals()
    CHECK(quit.drains == std::vector<std::string>{"SIGQUIT"});
    CHECK(quit.lifecycle.stop_requested());
}

TEST_CASE("lifecycle: SIGHUP reloads, every time, without draining", "[runtime][daemon]") {
    auto signals = must(app::SignalSource::install(), "install");
    Recorder r;
    r.deliver(signals, {SIGHUP});
    CHECK(r.reloads == 1);
    r.deliver(signals, {SIGHUP, SIGHUP});
    CHECK(r.reloads == 3);
    CHECK(r.drains.empty());
    CHECK_FALSE(r.lifecycle.draining());
    CHECK_FALSE(r.lifecycle.stop_requested());
}

TEST_CASE("lifecycle: SIGUSR1 reopens the log file", "[runtime][daemon]") {
    struct RestoreLogging {
        ~RestoreLogging() { app::setup_logging(app::LogSettings{.level = "warn"}); }
    } restore;
    const std::string path = mio::test::temp_path("lifecycle.log");
    const std::string rotated = path + ".1";
    app::setup_logging({.level = "info", .format = "text", .target = path});
    auto signals = must(app::SignalSource::install(), "install");
    Recorder r;

    spdlog::info("before rotation");
    REQUIRE(std::rename(path.c_str(), rotated.c_str()) == 0);
    r.deliver(signals, {SIGUSR1});
    spdlog::info("after rotation");
    app::flush_logs();

    const std::string old_text = file_text(rotated);
    const std::string new_text = file_text(path);
    CHECK(old_text.find("before rotation") != std::string::npos);
    CHECK(old_text.find("after rotation") == std::string::npos);
    CHECK(new_text.find("log files reopened") != std::string::npos);
    CHECK(new_text.find("after rotation") != std::string::npos);
    CHECK(r.drains.empty());
    CHECK(r.reloads == 0);
    CHECK_FALSE(r.lifecycle.draining());
}
