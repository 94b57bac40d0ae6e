// Interest: mio's tests/interest.rs plus the C++-specific guarantees.
#include <catch2/catch.hpp>

#include <type_traits>

#include <mio/interest.hpp>

using mio::Interest;

TEST_CASE("readable interest is only readable", "[interest]") {
    STATIC_REQUIRE(Interest::readable.is_readable());
    STATIC_REQUIRE_FALSE(Interest::readable.is_writable());
    STATIC_REQUIRE_FALSE(Interest::readable.is_aio());
    STATIC_REQUIRE_FALSE(Interest::readable.is_lio());
    STATIC_REQUIRE_FALSE(Interest::readable.is_priority());
}

TEST_CASE("writable interest is only writable", "[interest]") {
    STATIC_REQUIRE(Interest::writable.is_writable());
    STATIC_REQUIRE_FALSE(Interest::writable.is_readable());
    STATIC_REQUIRE_FALSE(Interest::writable.is_aio());
    STATIC_REQUIRE_FALSE(Interest::writable.is_lio());
}

TEST_CASE("bit or combines interests", "[interest]") {
    constexpr Interest both = Interest::readable | Interest::writable;
    STATIC_REQUIRE(both.is_readable());
    STATIC_REQUIRE(both.is_writable());
    Interest i = Interest::readable;
    i |= Interest::priority;
    REQUIRE(i.is_priority());
    REQUIRE(i.is_readable());
}

TEST_CASE("add is a union", "[interest]") {
    constexpr Interest both = Interest::readable.add(Interest::writable);
    STATIC_REQUIRE(both.is_readable());
    STATIC_REQUIRE(both.is_writable());
    REQUIRE(both == (Interest::writable | Interest::readable));
}

TEST_CASE("remove answers nullopt instead of an empty interest", "[interest]") {
    const Interest both = Interest::readable | Interest::writable;
    REQUIRE(both.remove(Interest::readable) == Interest::writable);
    REQUIRE(both.remove(Interest::writable) == Interest::readable);
    REQUIRE_FALSE(Interest::readable.remove(Interest::readable).has_value());
    REQUIRE_FALSE(both.remove(both).has_value());
    REQUIRE(Interest::readable.remove(Interest::writable) == Interest::readable);
}

TEST_CASE("interest can never be default-constructed empty", "[interest]") {
    STATIC_REQUIRE_FALSE(std::is_default_constructible_v<Interest>);
    REQUIRE_FALSE(Interest::from_bits(0).has_value());
    REQUIRE_FALSE(Interest::from_bits(0b100000).has_value());
    REQUIRE(Interest::from_bits(0b11) == (Interest::readable | Interest::writable));
}

TEST_CASE("interest formats like mio's Debug output", "[interest]") {
    REQUIRE(to_string(Interest::readable) == "READABLE");
    REQUIRE(to_string(Interest::writable) == "WRITABLE");
    REQUIRE(to_string(Interest::readable | Interest::writable) == "READABLE | WRITABLE");
    REQUIRE(to_string(Interest::aio) == "AIO");
    REQUIRE(to_string(Interest::lio) == "LIO");
    REQUIRE(to_string(Interest::priority) == "PRIORITY");
    REQUIRE(to_string(Interest::priority | Interest::readable) == "READABLE | PRIORITY");
}
