// PipePool: sizes, reuse of empty pipes, closing of non-empty ones, and the two limits (pipe
// count and the buffer budget).

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vector>

#include "runtime/pipe_pool.hpp"

using app::BufferPool;
using app::PipePool;

namespace {

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

}  // namespace

TEST_CASE("PipePool hands out non-blocking pipes sized like a buffer", "[runtime][pipes]") {
    BufferPool budget(16 * 1024, 8);
    PipePool pipes(16 * 1024, 4, budget);
    auto p = pipes.acquire();
    REQUIRE(p);
    CHECK(p->capacity == 16 * 1024);
    CHECK(p->bytes == 0);
    CHECK(::fcntl(p->write_end.get(), F_GETPIPE_SZ) >= 16 * 1024);
    CHECK((::fcntl(p->read_end.get(), F_GETFL) & O_NONBLOCK) != 0);
    CHECK((::fcntl(p->read_end.get(), F_GETFD) & FD_CLOEXEC) != 0);
    CHECK(pipes.in_use() == 1);
    CHECK(budget.in_use() == 1);  // a pipe in use takes one buffer of the budget
    p.reset();
    CHECK(pipes.in_use() == 0);
    CHECK(budget.in_use() == 0);
}

TEST_CASE("PipePool: a buffer smaller than a page still bounds what a pipe holds",
          "[runtime][pipes]") {
    BufferPool budget(1024, 8);
    PipePool pipes(1024, 4, budget);
    auto p = pipes.acquire();
    REQUIRE(p);
    CHECK(p->capacity == 1024);  // the kernel's pipe is a page at least; we use 1 KiB of it
    p.reset();
}

TEST_CASE("PipePool reuses empty pipes and closes ones with bytes left", "[runtime][pipes]") {
    // (Resetting or destroying a handle gives its pipe back.)
    BufferPool budget(4096, 8);
    PipePool pipes(4096, 4, budget);
    auto p = pipes.acquire();
    REQUIRE(p);
    const int read_fd = p->read_end.get();
    p.reset();
    CHECK(pipes.idle() == 1);
    auto again = pipes.acquire();
    REQUIRE(again);
    CHECK(again->read_end.get() == read_fd);  // the same pipe, no new descriptors
    CHECK(pipes.idle() == 0);

    REQUIRE(::write(again->write_end.get(), "abc", 3) == 3);
    again->bytes = 3;
    const int dirty_fd = again->read_end.get();
    again.reset();
    CHECK(pipes.idle() == 0);
    CHECK_FALSE(is_open(dirty_fd));  // closed, bytes and all: never handed out again
}

TEST_CASE("PipePool refuses past max_pipes and past the budget", "[runtime][pipes]") {
    SECTION("max_pipes") {
        BufferPool budget(4096, 8);
        PipePool pipes(4096, 2, budget);
        auto a = pipes.acquire();
        auto b = pipes.acquire();
        REQUIRE(a);
        REQUIRE(b);
        CHECK_FALSE(pipes.acquire());
        CHECK(pipes.refused_total() == 1);
        a.reset();
        CHECK(pipes.acquire() != nullptr);
        b.reset();
    }
    SECTION("budget") {
        BufferPool budget(4096, 2);
        PipePool pipes(4096, 8, budget);
        app::IoBuffer buffer;
        REQUIRE(buffer.ensure(budget));
        auto a = pipes.acquire();
        REQUIRE(a);
        CHECK_FALSE(pipes.acquire());  // one buffer and one pipe: the budget of two is spent
        CHECK(pipes.refused_total() == 1);
        a.reset();
        CHECK(budget.in_use() == 1);
    }
}

TEST_CASE("PipePool::default_max_pipes leaves most descriptors to sockets", "[runtime][pipes]") {
    rlimit limit{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
    if (limit.rlim_cur != RLIM_INFINITY) {
        CHECK(PipePool::default_max_pipes() * 2 <= limit.rlim_cur / 4);
    }
    CHECK(PipePool::default_max_pipes() > 0);
}

TEST_CASE("a PipeHandle is one pointer", "[runtime][pipes]") {
    // Every connection holds two (one per direction), spliced or not.
    STATIC_REQUIRE(sizeof(app::PipeHandle) == sizeof(void*));
}
