// The token space and the timer payload space: every kind round-trips, values keep their
// bits, slab keys fit, and kinds never collide.

#include <catch2/catch.hpp>

#include <set>

#include "runtime/slab.hpp"
#include "runtime/token_space.hpp"

using app::TimerKind;
using app::TimerPayload;
using app::TokenId;
using app::TokenKind;

TEST_CASE("token ids round-trip kind and value through a mio::Token", "[runtime][tokens]") {
    for (auto kind : {TokenKind::signals, TokenKind::admin_listener, TokenKind::admin_connection,
                      TokenKind::stream_listener, TokenKind::udp_socket,
                      TokenKind::unix_datagram_socket, TokenKind::check, TokenKind::connection,
                      TokenKind::connection_upstream, TokenKind::session}) {
        for (std::uint64_t value :
             {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{65535}, TokenId::kMaxValue}) {
            const TokenId decoded = TokenId::of(app::token_of(kind, value));
            CHECK(decoded.kind() == kind);
            CHECK(decoded.value() == value);
        }
    }
}

TEST_CASE("a slab key of any generation fits a token and comes back", "[runtime][tokens]") {
    const app::SlabKey key =
        app::SlabKey::make(0xffff'fffeU, app::SlabKey::kGenerationMask);  // the largest
    const TokenId client = TokenId::of(app::token_of(TokenKind::connection, key.value));
    const TokenId server = TokenId::of(app::token_of(TokenKind::connection_upstream, key.value));
    CHECK(client.kind() == TokenKind::connection);
    CHECK(server.kind() == TokenKind::connection_upstream);
    CHECK(app::SlabKey{client.value()} == key);
    CHECK(app::SlabKey{server.value()} == key);
    CHECK(client.token().value != server.token().value);
}

TEST_CASE("the same value under different kinds gives different tokens", "[runtime][tokens]") {
    std::set<std::size_t> seen;
    for (std::uint8_t k = 0; k <= static_cast<std::uint8_t>(TokenKind::session); ++k) {
        seen.insert(app::token_of(static_cast<TokenKind>(k), 7).value);
    }
    CHECK(seen.size() == static_cast<std::size_t>(TokenKind::session) + 1);
}

TEST_CASE("timer payloads have their own kinds", "[runtime][tokens]") {
    const TimerPayload check(TimerKind::check, 3);
    const TimerPayload conn(TimerKind::connection, 3);
    CHECK(check.bits() != conn.bits());
    CHECK(TimerPayload::from_bits(check.bits()).kind() == TimerKind::check);
    CHECK(TimerPayload::from_bits(conn.bits()).value() == 3);
}

TEST_CASE("a token nobody issued decodes to a kind no handler knows", "[runtime][tokens]") {
    const TokenId junk = TokenId::of(mio::Token{~std::size_t{0}});
    CHECK(static_cast<std::uint8_t>(junk.kind()) > static_cast<std::uint8_t>(TokenKind::session));
}
