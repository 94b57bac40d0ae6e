#include "test_util.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/syscall.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace mio::test {

using namespace std::chrono_literals;

std::pair<Poll, Events> init_with_poll() {
    return {must(Poll::create(), "Poll::create"), Events(16)};
}

std::string describe(const Events& events) {
    std::string out;
    for (const Event& ev : events)
        out += to_string(ev) + "\n";
    return out.empty() ? "(no events)" : out;
}

void expect_events(Poll& poll, Events& events, std::initializer_list<ExpectEvent> expected) {
    std::vector<ExpectEvent> missing(expected);
    std::string seen;
    for (int attempt = 0; attempt < 3 && !missing.empty(); ++attempt) {
        must(poll.poll(events, 500ms), "poll");
        seen += describe(events);
        for (const Event& ev : events) {
            std::erase_if(missing, [&](const ExpectEvent& e) {
                return ev.token() == e.token && (ev.flags() & e.readiness) == e.readiness;
            });
        }
    }
    INFO("events seen:\n" << seen);
    for (const ExpectEvent& e : missing) {
        INFO("missing: token " << e.token.value << " readiness bits " << e.readiness);
        CHECK(false);
    }
    REQUIRE(missing.empty());
}

void expect_no_events(Poll& poll, Events& events) {
    must(poll.poll(events, 50ms), "poll");
    INFO("unexpected events:\n" << describe(events));
    REQUIRE(events.empty());
}

Event wait_for_event(Poll& poll, Events& events, Token token) {
    for (int attempt = 0; attempt < 10; ++attempt) {
        must(poll.poll(events, 500ms), "poll");
        for (const Event& ev : events) {
            if (ev.token() == token) return ev;
        }
    }
    FAIL("no event for token " << token.value);
    return {};
}

void require_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    REQUIRE(flags >= 0);
    REQUIRE((flags & O_NONBLOCK) != 0);
}

void require_cloexec(int fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    REQUIRE(flags >= 0);
    REQUIRE((flags & FD_CLOEXEC) != 0);
}

void set_blocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    REQUIRE(flags >= 0);
    REQUIRE(::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0);
}

net::SocketAddr any_local_address() {
    return net::SocketAddr::v4({127, 0, 0, 1}, 0);
}

net::SocketAddr any_local_ipv6_address() {
    std::array<std::uint8_t, 16> loopback{};
    loopback[15] = 1;
    return net::SocketAddr::v6(loopback, 0);
}

bool ipv6_available() {
    const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_storage storage;
    const auto len = any_local_ipv6_address().to_sockaddr(storage);
    const bool ok =
        ::bind(fd, reinterpret_cast<sockaddr*>(&storage), static_cast<socklen_t>(len)) == 0;
    ::close(fd);
    return ok;
}

int current_tid() {
    return static_cast<int>(::syscall(SYS_gettid));
}

bool wait_until_blocked(int tid) {
    const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream stat(path);
        std::string line;
        std::getline(stat, line);
        // Format: "tid (comm) S ...": the state follows the last ')'.
        const auto paren = line.rfind(')');
        if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'S') {
            return true;
        }
        std::this_thread::yield();
    }
    return false;
}

namespace {
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "libpoll-test-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};
}  // namespace

std::string temp_path(std::string_view name) {
    static TempDir dir;
    static int counter = 0;
    return (dir.path / (std::to_string(++counter) + "-" + std::string(name))).string();
}

}  // namespace mio::test
