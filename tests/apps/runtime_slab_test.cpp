// Slab: keys with generations, tokens, iteration, reuse.

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "runtime/slab.hpp"

using app::Slab;
using app::SlabKey;

TEST_CASE("slab insert, get and remove", "[runtime][slab]") {
    Slab<std::string> slab;
    const auto a = slab.insert("a");
    const auto b = slab.emplace(3, 'b');
    REQUIRE(slab.size() == 2);
    REQUIRE(slab.get(a) != nullptr);
    CHECK(*slab.get(a) == "a");
    CHECK(*slab.get(b) == "bbb");
    CHECK(slab.remove(a) == std::optional<std::string>("a"));
    CHECK(slab.get(a) == nullptr);
    CHECK_FALSE(slab.remove(a).has_value());
    CHECK(slab.size() == 1);
    CHECK(SlabKey{}.value == 0);
    CHECK(slab.get(SlabKey{}) == nullptr);  // a zero key is never issued
}

TEST_CASE("a stale key cannot reach a reused slot", "[runtime][slab]") {
    Slab<int> slab;
    const auto old_key = slab.insert(1);
    REQUIRE(slab.remove(old_key));
    const auto new_key = slab.insert(2);
    CHECK(new_key.index() == old_key.index());  // the slot was reused
    CHECK(new_key.generation() != old_key.generation());
    CHECK(slab.get(old_key) == nullptr);
    CHECK_FALSE(slab.contains(old_key));
    REQUIRE(slab.get(new_key) != nullptr);
    CHECK(*slab.get(new_key) == 2);
    CHECK(slab.slots() == 1);
}

TEST_CASE("tokens round-trip above the reserved base", "[runtime][slab]") {
    constexpr std::size_t base = 16;
    Slab<int> slab(base);
    std::vector<SlabKey> keys;
    for (int i = 0; i < 5; ++i)
        keys.push_back(slab.insert(i));
    REQUIRE(slab.remove(keys[1]));
    keys[1] = slab.insert(100);  // second generation
    for (const SlabKey key : keys) {
        const mio::Token token = slab.token(key);
        CHECK(token.value >= base);
        CHECK(token == key.token(base));
        const auto back = slab.from_token(token);
        REQUIRE(back.has_value());
        CHECK(*back == key);
        CHECK(slab.get_by_token(token) == slab.get(key));
    }
    for (std::size_t reserved = 0; reserved < base; ++reserved) {
        CHECK_FALSE(slab.from_token(mio::Token{reserved}).has_value());
        CHECK(slab.get_by_token(mio::Token{reserved}) == nullptr);
    }
    CHECK(slab.get_by_token(mio::Token{base + 1'000'000}) == nullptr);
}

TEST_CASE("iteration visits live entries only, removal while iterating is allowed",
          "[runtime][slab]") {
    Slab<int> slab(2);
    std::vector<SlabKey> keys;
    for (int i = 0; i < 6; ++i)
        keys.push_back(slab.insert(i));
    REQUIRE(slab.remove(keys[2]));
    int sum = 0;
    std::size_t visited = 0;
    slab.for_each([&](SlabKey key, int& v) {
        CHECK(slab.get(key) == &v);
        sum += v;
        ++visited;
        if (v % 2 == 1) REQUIRE(slab.remove(key));
    });
    CHECK(visited == 5);
    CHECK(sum == 0 + 1 + 3 + 4 + 5);
    CHECK(slab.size() == 2);  // 0 and 4
    const Slab<int>& view = slab;
    std::vector<int> left;
    view.for_each([&](SlabKey, const int& v) { left.push_back(v); });
    CHECK(left == std::vector<int>{0, 4});
}

TEST_CASE("keys() is a snapshot: entries inserted or removed meanwhile do not disturb it",
          "[runtime][slab]") {
    Slab<int> slab(2);
    const SlabKey a = slab.insert(1);
    const SlabKey b = slab.insert(2);
    const SlabKey c = slab.insert(3);
    REQUIRE(slab.remove(b));
    const std::vector<SlabKey> keys = slab.keys();
    REQUIRE(keys.size() == 2);
    CHECK(keys[0] == a);
    CHECK(keys[1] == c);
    int closed = 0;
    for (SlabKey key : keys) {
        if (slab.remove(key)) ++closed;
        (void)slab.insert(9);  // a drain may accept or open while it closes
    }
    CHECK(closed == 2);
    CHECK(slab.size() == 2);  // the two inserted ones, untouched by the loop
}

TEST_CASE("reserve keeps pointers stable and clear makes every key stale", "[runtime][slab]") {
    Slab<std::unique_ptr<int>> slab;
    slab.reserve(100);
    const auto first = slab.insert(std::make_unique<int>(1));
    std::unique_ptr<int>* p = slab.get(first);
    for (int i = 0; i < 99; ++i)
        (void)slab.insert(std::make_unique<int>(i));
    CHECK(slab.get(first) == p);
    slab.clear();
    CHECK(slab.empty());
    CHECK(slab.get(first) == nullptr);
    const auto again = slab.insert(std::make_unique<int>(2));
    CHECK(slab.get(again) != nullptr);
}
