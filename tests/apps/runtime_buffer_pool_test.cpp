// BufferPool, PooledBuffer and IoBuffer.

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "runtime/buffer_pool.hpp"

using app::BufferPool;
using app::IoBuffer;
using app::PooledBuffer;

namespace {

void put(IoBuffer& b, std::string_view text) {
    auto span = b.writable_span();
    REQUIRE(span.size() >= text.size());
    std::memcpy(span.data(), text.data(), text.size());
    b.commit(text.size());
}

std::string contents(const IoBuffer& b) {
    const auto span = b.readable_span();
    return {reinterpret_cast<const char*>(span.data()), span.size()};
}

}  // namespace

TEST_CASE("the pool hands out at most max_buffers", "[runtime][buffers]") {
    BufferPool pool(1024, 2);
    CHECK(pool.capacity_bytes() == 2048);
    CHECK(pool.allocated_bytes() == 0);  // lazy
    PooledBuffer a = pool.acquire();
    PooledBuffer b = pool.acquire();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a.size() == 1024);
    CHECK(a.data() != b.data());
    CHECK(pool.in_use() == 2);
    PooledBuffer c = pool.acquire();
    CHECK_FALSE(c);
    CHECK(c.size() == 0);
    CHECK(pool.exhausted_total() == 1);
    CHECK(pool.available() == 0);
}

TEST_CASE("buffers return to the pool on destruction, reset and move", "[runtime][buffers]") {
    BufferPool pool(64, 1);
    std::byte* first = nullptr;
    {
        PooledBuffer a = pool.acquire();
        first = a.data();
        CHECK(pool.in_use() == 1);
    }
    CHECK(pool.in_use() == 0);
    PooledBuffer b = pool.acquire();
    CHECK(b.data() == first);  // reused, not reallocated
    CHECK(pool.allocated_bytes() == 64);
    PooledBuffer moved = std::move(b);
    CHECK_FALSE(b);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    CHECK(pool.in_use() == 1);
    moved.reset();
    CHECK(pool.in_use() == 0);
    PooledBuffer c = pool.acquire();
    PooledBuffer d;
    d = std::move(c);
    CHECK(pool.in_use() == 1);
    d = PooledBuffer();
    CHECK(pool.in_use() == 0);
}

TEST_CASE("an idle IoBuffer holds no buffer", "[runtime][buffers]") {
    BufferPool pool(16, 1);
    IoBuffer io;
    CHECK_FALSE(io.has_buffer());
    CHECK(io.empty());
    CHECK_FALSE(io.full());
    CHECK(io.writable_span().empty());
    REQUIRE(io.ensure(pool));
    CHECK(pool.in_use() == 1);
    IoBuffer other;
    CHECK_FALSE(other.ensure(pool));  // budget exhausted: the caller pauses reading
    put(io, "abc");
    CHECK_FALSE(io.release_if_empty());  // still has unread bytes
    io.consume(3);
    CHECK(io.release_if_empty());
    CHECK(pool.in_use() == 0);
    CHECK(other.ensure(pool));
}

TEST_CASE("IoBuffer indices: commit, consume, compact, full", "[runtime][buffers]") {
    BufferPool pool(8, 1);
    IoBuffer io;
    REQUIRE(io.ensure(pool));
    CHECK(io.capacity() == 8);
    put(io, "abcdef");
    CHECK(io.readable_bytes() == 6);
    CHECK(io.writable_bytes() == 2);
    io.consume(4);
    CHECK(contents(io) == "ef");
    CHECK(io.writable_bytes() == 2);  // the consumed prefix is not reusable yet
    io.compact();
    CHECK(contents(io) == "ef");
    CHECK(io.writable_bytes() == 6);
    put(io, "ghijkl");
    CHECK(io.full());
    CHECK(io.writable_span().empty());
    CHECK(contents(io) == "efghijkl");
    io.consume(8);  // drained: indices return to the start
    CHECK(io.empty());
    CHECK(io.writable_bytes() == 8);
    put(io, "x");
    io.compact();  // nothing consumed: a no-op
    CHECK(contents(io) == "x");
}

TEST_CASE("BufferPool::reserve counts against the budget without memory", "[runtime][buffers]") {
    BufferPool pool(16, 3);
    IoBuffer a;
    REQUIRE(a.ensure(pool));
    CHECK(pool.reserve());
    CHECK(pool.reserve());
    CHECK(pool.in_use() == 3);
    CHECK(pool.allocated_bytes() == 16);  // reservations allocate nothing
    CHECK_FALSE(pool.reserve());          // the budget is spent
    IoBuffer b;
    CHECK_FALSE(b.ensure(pool));
    CHECK(pool.exhausted_total() == 2);
    pool.unreserve();
    CHECK(b.ensure(pool));  // the freed slot is a real buffer again
    pool.unreserve();
    CHECK(pool.available() == 1);
}
