// Token: a strong, hashable, ordered wrapper over std::size_t.
#include <catch2/catch.hpp>

#include <cstddef>
#include <type_traits>
#include <unordered_set>

#include <mio/token.hpp>

using mio::Token;

TEST_CASE("token is a strong type over size_t", "[token]") {
    STATIC_REQUIRE_FALSE(std::is_convertible_v<std::size_t, Token>);
    STATIC_REQUIRE_FALSE(std::is_convertible_v<Token, std::size_t>);
    STATIC_REQUIRE(std::is_trivially_copyable_v<Token>);
    constexpr Token t{42};
    STATIC_REQUIRE(static_cast<std::size_t>(t) == 42);
    STATIC_REQUIRE(t.value == 42);
}

TEST_CASE("tokens compare and order by value", "[token]") {
    REQUIRE(Token{1} == Token{1});
    REQUIRE(Token{1} != Token{2});
    REQUIRE(Token{1} < Token{2});
    REQUIRE(Token{SIZE_MAX} > Token{0});
}

TEST_CASE("tokens are hashable", "[token]") {
    std::unordered_set<Token> set{Token{1}, Token{2}, Token{1}};
    REQUIRE(set.size() == 2);
    REQUIRE(set.contains(Token{2}));
    REQUIRE_FALSE(set.contains(Token{3}));
}
