#pragma once
// Token: the user's identifier for a registered source, handed back in every Event.

#include <compare>
#include <cstddef>
#include <functional>
#include <mio/export.hpp>

namespace mio {

/// A strong type over std::size_t (mio's `Token(usize)`). An aggregate: `Token{3}` works,
/// `Token t = 3;` does not compile, so a count or an fd cannot be passed by mistake.
/// No value is reserved: the library never invents tokens (the Waker uses the one you give it).
struct MIO_API Token {
    std::size_t value = 0;

    friend constexpr auto operator<=>(Token, Token) noexcept = default;
    /// The numeric value (mio's `From<Token> for usize`).
    constexpr explicit operator std::size_t() const noexcept { return value; }
};

}  // namespace mio

template <>
struct std::hash<mio::Token> {
    std::size_t operator()(mio::Token t) const noexcept {
        return std::hash<std::size_t>{}(t.value);
    }
};
