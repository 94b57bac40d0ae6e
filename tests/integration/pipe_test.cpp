// mio's tests/unix_pipe.rs, plus vectored I/O, SIGPIPE and adoption errors.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <string>
#include <type_traits>

#include <mio/io_slice.hpp>
#include <mio/poll.hpp>
#include <mio/posix/pipe.hpp>
#include <mio/source.hpp>

#include "test_util.hpp"
#include "unix_test_helpers.hpp"

extern char** environ;

using namespace mio;
using namespace mio::test;
using namespace mio::test::unix_helpers;

namespace {

constexpr Token kSender{0};
constexpr Token kReceiver{1};
constexpr std::string_view kData1 = "Hello, world!";
constexpr std::string_view kData2 = "Hello, mio!";

// A plain, blocking pipe (as a child process would inherit): {read end, write end}.
std::pair<UniqueFd, UniqueFd> blocking_pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// `cat` with its stdin and stdout connected to pipes; the parent keeps the other ends.
struct Child {
    pid_t pid = -1;
    UniqueFd stdin_write;
    UniqueFd stdout_read;

    // Waits for the child (which exits once its stdin is closed); returns its exit status.
    int wait() {
        int status = 0;
        pid_t r;
        do {
            r = ::waitpid(pid, &status, 0);
        } while (r < 0 && errno == EINTR);
        REQUIRE(r == pid);
        pid = -1;
        return status;
    }
};

Child spawn_cat() {
    auto [in_read, in_write] = blocking_pipe();
    auto [out_read, out_write] = blocking_pipe();
    posix_spawn_file_actions_t actions;
    REQUIRE(::posix_spawn_file_actions_init(&actions) == 0);
    // dup2 clears close-on-exec on the target; every other pipe fd closes at exec.
    REQUIRE(::posix_spawn_file_actions_adddup2(&actions, in_read.get(), STDIN_FILENO) == 0);
    REQUIRE(::posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO) == 0);
    char arg0[] = "cat";
    char* argv[] = {arg0, nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, "cat", &actions, nullptr, argv, environ);
    ::posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
    // The child's ends close here in the parent, so EOF propagates.
    return Child{pid, std::move(in_write), std::move(out_read)};
}

// Ignores SIGPIPE for the lifetime of the guard (libpoll never touches signal dispositions).
struct IgnoreSigpipe {
    struct sigaction old {};
    IgnoreSigpipe() {
        struct sigaction ign {};
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        REQUIRE(::sigaction(SIGPIPE, &ign, &old) == 0);
    }
    ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old, nullptr); }
    IgnoreSigpipe(const IgnoreSigpipe&) = delete;
    IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;
};

}  // namespace

TEST_CASE("pipe ends are move-only sources", "[pipe]") {
    STATIC_REQUIRE(Source<posix::Sender>);
    STATIC_REQUIRE(Source<posix::Receiver>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<posix::Sender>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<posix::Receiver>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<posix::Sender>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<posix::Receiver>);
}

TEST_CASE("pipe carries data from sender to receiver through events", "[pipe]") {
    auto [poll, events] = init_with_poll();
    auto [sender, receiver] = must(posix::pipe());
    for (int fd : {sender.as_raw_fd(), receiver.as_raw_fd()}) {
        require_nonblocking(fd);
        require_cloexec(fd);
    }
    char buf[64];
    require_would_block(receiver.read(std::span<char>(buf)));

    must(poll.registry().register_source(receiver, kReceiver, Interest::readable));
    must(poll.registry().register_source(sender, kSender, Interest::writable));
    expect_events(poll, events, {{kSender, kWritable}});

    checked_write(sender, kData1);
    expect_events(poll, events, {{kReceiver, kReadable}});
    expect_read(receiver, kData1);
}

TEST_CASE("pipe receiver reports read closed when the sender is dropped", "[pipe]") {
    auto [poll, events] = init_with_poll();
    auto [sender, receiver] = must(posix::pipe());
    must(poll.registry().register_source(receiver, kReceiver, Interest::readable));
    must(poll.registry().register_source(sender, kSender, Interest::writable));
    expect_events(poll, events, {{kSender, kWritable}});

    checked_write(sender, kData1);
    expect_events(poll, events, {{kReceiver, kReadable}});
    REQUIRE(drain(receiver) == kData1);

    { auto dropped = std::move(sender); }
    must(poll.poll(events, std::chrono::milliseconds(500)));
    INFO(describe(events));
    REQUIRE(events.size() == 1);
    REQUIRE(events.begin()->token() == kReceiver);
    REQUIRE(events.begin()->is_read_closed());
    char buf[8];
    REQUIRE(must(receiver.read(std::span<char>(buf))) == 0);
}

TEST_CASE("pipe sender reports write closed when the receiver is dropped", "[pipe]") {
    auto [poll, events] = init_with_poll();
    auto [sender, receiver] = must(posix::pipe());
    must(poll.registry().register_source(sender, kSender, Interest::writable));
    expect_events(poll, events, {{kSender, kWritable}});

    { auto dropped = std::move(receiver); }
    must(poll.poll(events, std::chrono::milliseconds(500)));
    INFO(describe(events));
    REQUIRE(events.size() == 1);
    REQUIRE(events.begin()->token() == kSender);
    REQUIRE(events.begin()->is_write_closed());
}

TEST_CASE("pipe write after the receiver is gone is broken pipe once SIGPIPE is ignored",
          "[pipe]") {
    IgnoreSigpipe guard;
    auto [sender, receiver] = must(posix::pipe());
    { auto dropped = std::move(receiver); }
    require_error(sender.write(kData1), std::errc::broken_pipe);
    const std::array<IoSlice, 1> out{IoSlice(kData1)};
    require_error(sender.write_vectored(out), std::errc::broken_pipe);
}

TEST_CASE("pipe is re-armed once a read would block", "[pipe]") {
    auto [poll, events] = init_with_poll();
    auto [sender, receiver] = must(posix::pipe());
    must(poll.registry().register_source(receiver, kReceiver, Interest::readable));
    checked_write(sender, kData1);
    expect_events(poll, events, {{kReceiver, kReadable}});
    REQUIRE(drain(receiver) == kData1);
    expect_no_events(poll, events);
    checked_write(sender, kData2);
    expect_events(poll, events, {{kReceiver, kReadable}});
    REQUIRE(drain(receiver) == kData2);
}

TEST_CASE("pipe sender is re-armed once the pipe is full and drained", "[pipe]") {
    auto [poll, events] = init_with_poll();
    auto [sender, receiver] = must(posix::pipe());
    must(poll.registry().register_source(sender, kSender, Interest::writable));
    expect_events(poll, events, {{kSender, kWritable}});
    const std::string chunk(4096, 'f');
    std::size_t filled = 0;
    for (;;) {
        auto n = sender.write(chunk);
        if (!n && is_would_block(n.error())) break;
        filled += must(std::move(n));
    }
    REQUIRE(filled > 0);
    expect_no_events(poll, events);
    REQUIRE(drain(receiver).size() == filled);
    expect_events(poll, events, {{kSender, kWritable}});
}

TEST_CASE("pipe moves vectored writes and reads", "[pipe]") {
    auto [sender, receiver] = must(posix::pipe());
    const std::array<IoSlice, 2> out{IoSlice(kData1), IoSlice(kData2)};
    REQUIRE(must(sender.write_vectored(out)) == kData1.size() + kData2.size());
    std::array<char, 13> first{};
    std::array<char, 64> second{};
    std::array<IoSliceMut, 2> in{IoSliceMut(first.data(), first.size()),
                                 IoSliceMut(second.data(), second.size())};
    const std::size_t n = must(receiver.read_vectored(in));
    REQUIRE(n == kData1.size() + kData2.size());
    REQUIRE(std::string_view(first.data(), first.size()) == kData1);
    REQUIRE(std::string_view(second.data(), n - first.size()) == kData2);
}

TEST_CASE("pipe reports nothing after deregister and honours reregister", "[pipe]") {
    auto [poll, events] = init_with_poll();
    auto [sender, receiver] = must(posix::pipe());
    must(poll.registry().register_source(receiver, kReceiver, Interest::readable));
    must(poll.registry().deregister_source(receiver));
    checked_write(sender, kData1);
    expect_no_events(poll, events);

    must(poll.registry().register_source(sender, kSender, Interest::writable));
    must(poll.registry().reregister_source(sender, kReceiver, Interest::writable));
    expect_events(poll, events, {{kReceiver, kWritable}});
}

TEST_CASE("pipe ends toggle O_NONBLOCK with set_nonblocking", "[pipe]") {
    auto [sender, receiver] = must(posix::pipe());
    must(receiver.set_nonblocking(false));
    REQUIRE((::fcntl(receiver.as_raw_fd(), F_GETFL) & O_NONBLOCK) == 0);
    must(receiver.set_nonblocking(true));
    require_nonblocking(receiver.as_raw_fd());
    must(sender.set_nonblocking(false));
    REQUIRE((::fcntl(sender.as_raw_fd(), F_GETFL) & O_NONBLOCK) == 0);
    must(sender.set_nonblocking(true));
    require_nonblocking(sender.as_raw_fd());
}

TEST_CASE("pipe ends adopted from a cat child echo data and report read closed", "[pipe]") {
    auto [poll, events] = init_with_poll();
    Child child = spawn_cat();
    auto sender = must(posix::Sender::from_fd(std::move(child.stdin_write)));
    auto receiver = must(posix::Receiver::from_fd(std::move(child.stdout_read)));
    must(sender.set_nonblocking(true));
    must(receiver.set_nonblocking(true));
    must(poll.registry().register_source(sender, kSender, Interest::writable));
    must(poll.registry().register_source(receiver, kReceiver, Interest::readable));
    expect_events(poll, events, {{kSender, kWritable}});

    checked_write(sender, kData1);
    std::string echoed;
    while (echoed.size() < kData1.size()) {
        expect_events(poll, events, {{kReceiver, kReadable}});
        echoed += drain(receiver);
    }
    REQUIRE(echoed == kData1);

    must(poll.registry().deregister_source(sender));
    { auto dropped = std::move(sender); }  // cat sees EOF and exits
    expect_events(poll, events, {{kReceiver, kReadClosed}});
    char buf[8];
    REQUIRE(must(receiver.read(std::span<char>(buf))) == 0);
    const int status = child.wait();
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
}

TEST_CASE("pipe receiver from a silent child's stdout would block once non-blocking", "[pipe]") {
    Child child = spawn_cat();
    auto receiver = must(posix::Receiver::from_fd(std::move(child.stdout_read)));
    REQUIRE((::fcntl(receiver.as_raw_fd(), F_GETFL) & O_NONBLOCK) == 0);  // flags untouched
    must(receiver.set_nonblocking(true));
    char buf[8];
    require_would_block(receiver.read(std::span<char>(buf)));
    child.stdin_write.reset();  // let cat exit
    REQUIRE(WIFEXITED(child.wait()));
}

TEST_CASE("pipe from_fd refuses descriptors that are not pipe ends of the right direction",
          "[pipe]") {
    SECTION("a socket is not a pipe") {
        UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        REQUIRE(sock.valid());
        require_error(posix::Receiver::from_fd(std::move(sock)), std::errc::invalid_argument);
    }
    SECTION("a regular file is not a pipe") {
        UniqueFd file(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
        REQUIRE(file.valid());
        require_error(posix::Receiver::from_fd(std::move(file)), std::errc::invalid_argument);
    }
    SECTION("the read end is no sender and the write end no receiver") {
        auto [read_end, write_end] = blocking_pipe();
        require_error(posix::Sender::from_fd(std::move(read_end)), std::errc::bad_file_descriptor);
        require_error(posix::Receiver::from_fd(std::move(write_end)),
                      std::errc::bad_file_descriptor);
    }
    SECTION("a closed descriptor is a bad descriptor") {
        require_error(posix::Sender::from_fd(UniqueFd()), std::errc::bad_file_descriptor);
    }
}

TEST_CASE("pipe ends give up their descriptors with into_fd", "[pipe]") {
    auto [sender, receiver] = must(posix::pipe());
    const int raw = sender.as_raw_fd();
    UniqueFd fd = std::move(sender).into_fd();
    REQUIRE(fd.get() == raw);
    auto again = must(posix::Sender::from_fd(std::move(fd)));
    checked_write(again, kData1);
    expect_read(receiver, kData1);
}
