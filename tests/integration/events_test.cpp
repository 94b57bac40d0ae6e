// Events: mio's tests/events.rs, plus capacity behaviour (R14).
#include <memory>
#include <type_traits>

#include <mio/dyn_source.hpp>
#include <mio/poll.hpp>
#include <mio/posix/source_fd.hpp>
#include <mio/waker.hpp>

#include "test_util.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <set>

using namespace mio;
using namespace mio::test;
using namespace std::chrono_literals;

TEST_CASE("events start empty with the requested capacity and clear empties them", "[events]") {
    auto [poll, events] = init_with_poll();
    REQUIRE(events.capacity() == 16);
    REQUIRE(events.empty());
    REQUIRE(events.size() == 0);
    REQUIRE(events.begin() == events.end());

    auto waker = must(Waker::create(poll.registry(), Token{7}));
    must(waker.wake());
    must(poll.poll(events, 100ms));
    REQUIRE_FALSE(events.empty());
    for (const Event& ev : events) {
        REQUIRE(ev.token() == Token{7});
        REQUIRE(ev.is_readable());
    }
    events.clear();
    REQUIRE(events.empty());
}

TEST_CASE("events are move-only values that never share storage", "[events]") {
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<Events>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<Events>);
    Events a(4);
    Events b = std::move(a);
    REQUIRE(b.capacity() == 4);
}

TEST_CASE("a zero capacity is raised to one", "[events]") {
    Events events(0);
    REQUIRE(events.capacity() == 1);
}

namespace {
// A pipe with data in it: its read end is readable until drained.
struct ReadablePipe {
    int fds[2] = {-1, -1};
    ReadablePipe() {
        REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
        REQUIRE(::write(fds[1], "x", 1) == 1);
    }
    ~ReadablePipe() {
        ::close(fds[0]);
        ::close(fds[1]);
    }
};
}  // namespace

TEST_CASE("poll returns at most capacity events and keeps the rest for later", "[events]") {
    auto poll = must(Poll::create());
    Events events(1);
    ReadablePipe pipes[3];
    for (int i = 0; i < 3; ++i) {
        posix::SourceFd source{pipes[i].fds[0]};
        must(poll.registry().register_source(source, Token{std::size_t(i)}, Interest::readable));
    }
    std::set<std::size_t> seen;
    for (int attempt = 0; attempt < 10 && seen.size() < 3; ++attempt) {
        must(poll.poll(events, 500ms));
        REQUIRE(events.size() <= 1);
        for (const Event& ev : events)
            seen.insert(ev.token().value);
    }
    REQUIRE(seen == std::set<std::size_t>{0, 1, 2});
}

namespace {
// A DynSource that forwards to a SourceFd: heterogeneous sources behind unique_ptr.
class BoxedFd final : public DynSource {
public:
    explicit BoxedFd(int fd) : source_(fd) {}
    Result<void> register_with(const Registry& r, Token t, Interest i) override {
        return r.register_source(source_, t, i);
    }
    Result<void> reregister_with(const Registry& r, Token t, Interest i) override {
        return r.reregister_source(source_, t, i);
    }
    Result<void> deregister_from(const Registry& r) override {
        return r.deregister_source(source_);
    }

private:
    posix::SourceFd source_;
};
}  // namespace

TEST_CASE("a source behind a unique_ptr to DynSource can be registered", "[events][source]") {
    STATIC_REQUIRE(Source<DynSource>);
    STATIC_REQUIRE(Source<posix::SourceFd>);
    auto [poll, events] = init_with_poll();
    ReadablePipe pipe;
    std::unique_ptr<DynSource> source = std::make_unique<BoxedFd>(pipe.fds[0]);
    must(poll.registry().register_source(*source, Token{3}, Interest::readable));
    expect_events(poll, events, {{Token{3}, kReadable}});
    must(poll.registry().deregister_source(*source));
}

TEST_CASE("event flags and formatting", "[events]") {
    const Event ev(Token{5}, Event::kReadable | Event::kReadClosed);
    REQUIRE(ev.is_readable());
    REQUIRE(ev.is_read_closed());
    REQUIRE_FALSE(ev.is_writable());
    REQUIRE_FALSE(ev.is_error());
    REQUIRE_FALSE(ev.is_write_closed());
    REQUIRE_FALSE(ev.is_priority());
    REQUIRE_FALSE(ev.is_aio());
    REQUIRE_FALSE(ev.is_lio());
    REQUIRE(to_string(ev) == "Event { token: 5, readable, read_closed }");
}
