// ReadyList: each entry listed once, resumed in order, closed entries skipped, and entries
// listed again during a run wait for the next run (a run is bounded).

#include <catch2/catch.hpp>

#include <vector>

#include "runtime/ready_list.hpp"

using app::ReadyList;
using app::Slab;
using app::SlabKey;

namespace {

struct Conn {
    int id = 0;
    bool queued = false;
};

}  // namespace

TEST_CASE("ReadyList resumes each listed entry once, in order, skipping closed ones",
          "[runtime][ready]") {
    Slab<Conn> slab(2);
    const SlabKey a = slab.insert(Conn{1});
    const SlabKey b = slab.insert(Conn{2});
    const SlabKey c = slab.insert(Conn{3});
    ReadyList<Conn> ready;
    CHECK(ready.empty());
    ready.push(b, *slab.get(b));
    ready.push(a, *slab.get(a));
    ready.push(b, *slab.get(b));  // already listed: ignored
    ready.push(c, *slab.get(c));
    CHECK(slab.get(b)->queued);
    REQUIRE(slab.remove(c));  // closed before its turn
    std::vector<int> resumed;
    ready.run(slab, [&](SlabKey key, Conn& conn) {
        CHECK(slab.get(key) == &conn);
        CHECK_FALSE(conn.queued);
        resumed.push_back(conn.id);
    });
    CHECK(resumed == std::vector<int>{2, 1});
    CHECK(ready.empty());
}

TEST_CASE("ReadyList: an entry listed again while it runs waits for the next run",
          "[runtime][ready]") {
    Slab<Conn> slab(2);
    const SlabKey a = slab.insert(Conn{1});
    ReadyList<Conn> ready;
    ready.push(a, *slab.get(a));
    int runs = 0;
    ready.run(slab, [&](SlabKey key, Conn& conn) {
        ++runs;
        ready.push(key, conn);  // budget spent again
    });
    CHECK(runs == 1);
    CHECK_FALSE(ready.empty());
    CHECK(slab.get(a)->queued);
    ready.run(slab, [&](SlabKey, Conn&) { ++runs; });
    CHECK(runs == 2);
    CHECK(ready.empty());
}
