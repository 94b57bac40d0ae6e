// UniqueFd: closes exactly once, moves ownership.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <type_traits>
#include <utility>

#include <mio/unique_fd.hpp>

namespace {
bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) >= 0;
}
}  // namespace

TEST_CASE("unique fd closes on destruction", "[unique_fd]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    {
        mio::UniqueFd a(fds[0]);
        mio::UniqueFd b(fds[1]);
        REQUIRE(a.valid());
        REQUIRE(a.get() == fds[0]);
    }
    REQUIRE_FALSE(is_open(fds[0]));
    REQUIRE_FALSE(is_open(fds[1]));
}

TEST_CASE("unique fd is move-only and moves leave -1", "[unique_fd]") {
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<mio::UniqueFd>);
    STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<mio::UniqueFd>);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    mio::UniqueFd a(fds[0]);
    mio::UniqueFd b(std::move(a));
    REQUIRE(a.get() == -1);  // NOLINT(bugprone-use-after-move): checking the moved-from state
    REQUIRE(b.get() == fds[0]);
    mio::UniqueFd c(fds[1]);
    c = std::move(b);  // closes fds[1]
    REQUIRE_FALSE(is_open(fds[1]));
    REQUIRE(c.get() == fds[0]);
    REQUIRE(is_open(fds[0]));
}

TEST_CASE("unique fd release gives up ownership", "[unique_fd]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    int raw;
    {
        mio::UniqueFd a(fds[0]);
        raw = a.release();
        REQUIRE_FALSE(a.valid());
    }
    REQUIRE(is_open(raw));
    ::close(raw);
    ::close(fds[1]);
}
