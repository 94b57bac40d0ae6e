// to_string() of Poll, Registry, Waker and Events (mio's Debug output): what they show on
// every backend, and that a moved-from object still formats.
#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include <mio/events.hpp>
#include <mio/poll.hpp>
#include <mio/registry.hpp>
#include <mio/version.hpp>
#include <mio/waker.hpp>

#include "test_util.hpp"

using mio::Events;
using mio::Poll;
using mio::Token;
using mio::Waker;
using namespace mio::test;

namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("Poll, Registry and Waker name the backend they run on", "[debug]") {
    auto [poll, events] = init_with_poll();
    const std::string selector = std::string(mio::backend_name()) + " { ";
    const std::string registry = to_string(poll.registry());
    INFO(registry);
    CHECK(starts_with(registry, "Registry { selector: " + selector));
    CHECK(to_string(poll) == "Poll { registry: " + registry + " }");
    // A clone shares the selector, so it shows the same one.
    CHECK(to_string(must(poll.registry().try_clone())) == registry);
    Waker waker = must(Waker::create(poll.registry(), Token{9}));
    CHECK(to_string(waker) == "Waker { selector: " + registry.substr(21));

    Poll moved = std::move(poll);
    CHECK(to_string(moved) == "Poll { registry: " + registry + " }");
    Waker moved_waker = std::move(waker);
    CHECK(to_string(waker) == "Waker { (moved from) }");  // NOLINT(bugprone-use-after-move)
    CHECK(starts_with(to_string(moved_waker), "Waker { selector: " + selector));
}

TEST_CASE("Events lists the events of the last poll", "[debug]") {
    auto [poll, events] = init_with_poll();
    CHECK(to_string(events) == "Events { capacity: 16, [] }");
    Waker waker = must(Waker::create(poll.registry(), Token{7}));
    must(waker.wake());
    // Bounded: a wake-up is delivered at once, the timeout only guards a broken backend.
    must(poll.poll(events, std::chrono::seconds(10)));
    CHECK(to_string(events) == "Events { capacity: 16, [Event { token: 7, readable }] }");
}
