// SignalSource: signals become readable events on a Poll and drain() in order.

#include <catch2/catch.hpp>

#include <csignal>
#include <vector>

#include <mio/poll.hpp>
#include <mio/registry.hpp>

#include "runtime/signals.hpp"
#include "test_util.hpp"

using mio::test::must;

namespace {

constexpr mio::Token kSignals{1};

// The handler currently installed for `signo`.
void (*current_handler(int signo))(int) {
    struct sigaction now {};
    REQUIRE(::sigaction(signo, nullptr, &now) == 0);
    return now.sa_handler;
}

}  // namespace

TEST_CASE("a raised signal makes the source readable and drain returns it", "[runtime][signals]") {
    auto [poll, events] = mio::test::init_with_poll();
    auto signals = must(app::SignalSource::install(), "install");
    must(poll.registry().register_source(signals, kSignals, mio::Interest::readable), "register");

    CHECK(signals.drain().empty());
    REQUIRE(std::raise(SIGUSR1) == 0);
    const mio::Event ev = mio::test::wait_for_event(poll, events, kSignals);
    CHECK(ev.is_readable());
    CHECK(signals.drain() == std::vector<int>{SIGUSR1});
    CHECK(signals.drain().empty());

    // Drained to WouldBlock: the next signal produces a new event (also on the poll backend).
    REQUIRE(std::raise(SIGHUP) == 0);
    mio::test::wait_for_event(poll, events, kSignals);
    CHECK(signals.drain() == std::vector<int>{SIGHUP});
    must(poll.registry().deregister_source(signals), "deregister");
}

TEST_CASE("repeated signals are not coalesced and keep their order", "[runtime][signals]") {
    auto [poll, events] = mio::test::init_with_poll();
    auto signals = must(app::SignalSource::install(), "install");
    must(poll.registry().register_source(signals, kSignals, mio::Interest::readable), "register");
    REQUIRE(std::raise(SIGTERM) == 0);
    REQUIRE(std::raise(SIGUSR1) == 0);
    REQUIRE(std::raise(SIGTERM) == 0);
    mio::test::wait_for_event(poll, events, kSignals);
    CHECK(signals.drain() == std::vector<int>{SIGTERM, SIGUSR1, SIGTERM});
}

TEST_CASE("only one SignalSource at a time and dispositions are restored", "[runtime][signals]") {
    const auto usr1_before = current_handler(SIGUSR1);
    const auto pipe_before = current_handler(SIGPIPE);
    {
        auto first = must(app::SignalSource::install(), "install");
        CHECK(current_handler(SIGUSR1) != usr1_before);
        CHECK(current_handler(SIGPIPE) == SIG_IGN);

        const auto second = app::SignalSource::install();
        REQUIRE_FALSE(second.has_value());
        CHECK(second.error() == std::errc::device_or_resource_busy);

        app::SignalSource moved(std::move(first));  // the moved-from one restores nothing
        CHECK(current_handler(SIGUSR1) != usr1_before);
    }
    CHECK(current_handler(SIGUSR1) == usr1_before);
    CHECK(current_handler(SIGPIPE) == pipe_before);
    auto again = app::SignalSource::install();  // the slot is free again
    CHECK(again.has_value());
}

TEST_CASE("signal names", "[runtime][signals]") {
    CHECK(app::signal_name(SIGTERM) == "SIGTERM");
    CHECK(app::signal_name(SIGUSR1) == "SIGUSR1");
    CHECK(app::signal_name(SIGKILL) == "signal");
}
