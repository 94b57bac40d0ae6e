#pragma once
// The daemons' token space and timer payload space: what a mio::Token (or a TimerQueue payload)
// stands for, declared once.
//
// A 64-bit value carries a kind in its top 4 bits and the kind's own value in the low 60:
//
//   kind                  value                          owner
//   signals               0                              the signal self-pipe
//   admin_listener        0                              the admin endpoint's listener
//   admin_connection      0 .. admin connections - 1     the admin endpoint (one range)
//   stream_listener       index                          ListenerSet (TCP and Unix stream)
//   udp_socket            index                          ListenerSet (bound UDP sockets)
//   unix_datagram_socket  index                          ListenerSet (bound Unix datagram)
//   check                 index                          an active health check
//   connection            slab key                       a connection's client-side socket
//   connection_upstream   slab key                       the same connection's upstream socket
//   session               slab key                       a datagram session's upstream socket
//
// Slab keys carry a generation (SlabKey), so a token left over from a closed connection never
// reaches the slot's next owner. Nothing outside this header shifts or masks token bits.

#include <cstdint>

#include <mio/token.hpp>

namespace app {

/// What a token names. The numbering is internal: only TokenId encodes and decodes it.
enum class TokenKind : std::uint8_t {
    signals,
    admin_listener,
    admin_connection,
    stream_listener,
    udp_socket,
    unix_datagram_socket,
    check,
    connection,
    connection_upstream,
    session,
};

/// What a timer payload names (the TimerQueue's user data), a space of its own.
enum class TimerKind : std::uint8_t {
    connection,  ///< a connection's timer (connect timeout, fin timeout), by slab key
    check,       ///< an active health check's next run or timeout, by check index
    session,     ///< a datagram session's timer, by slab key
};

/// A kind and a value packed into 64 bits: the one encoder and decoder of both spaces.
/// `value` must fit in kValueBits (slab keys do: SlabKey keeps its top bits clear); larger
/// values are truncated, which the static checks below rule out for the values in use.
/// Thread safety: a value type.
template <class Kind>
class TaggedValue {
public:
    static constexpr unsigned kValueBits = 60;
    static constexpr std::uint64_t kMaxValue = (std::uint64_t{1} << kValueBits) - 1;

    constexpr TaggedValue(Kind kind, std::uint64_t value) noexcept
        : bits_((std::uint64_t{static_cast<std::uint8_t>(kind)} << kValueBits) |
                (value & kMaxValue)) {}

    /// The packed form: a token's value, or a timer's user data.
    [[nodiscard]] constexpr std::uint64_t bits() const noexcept { return bits_; }
    /// Decodes a packed value (any 64 bits: an unknown kind decodes to a kind no switch
    /// handles, which callers ignore like a stale token).
    [[nodiscard]] static constexpr TaggedValue from_bits(std::uint64_t bits) noexcept {
        return TaggedValue(bits);
    }
    [[nodiscard]] constexpr Kind kind() const noexcept {
        return static_cast<Kind>(bits_ >> kValueBits);
    }
    [[nodiscard]] constexpr std::uint64_t value() const noexcept { return bits_ & kMaxValue; }

    friend constexpr bool operator==(TaggedValue, TaggedValue) noexcept = default;

private:
    explicit constexpr TaggedValue(std::uint64_t bits) noexcept : bits_(bits) {}
    std::uint64_t bits_;
};

/// A token's meaning: `TokenId{TokenKind::connection, key.value}.token()`.
class TokenId : public TaggedValue<TokenKind> {
public:
    using TaggedValue::TaggedValue;
    constexpr TokenId(TaggedValue<TokenKind> v) noexcept : TaggedValue(v) {}  // NOLINT

    /// The mio::Token to register with.
    [[nodiscard]] constexpr mio::Token token() const noexcept { return mio::Token{bits()}; }
    /// What `token` names (see TaggedValue::from_bits for tokens nobody issued).
    [[nodiscard]] static constexpr TokenId of(mio::Token token) noexcept {
        return TokenId(TaggedValue::from_bits(token.value));
    }
};

/// A timer's meaning, stored as the TimerQueue's user data.
using TimerPayload = TaggedValue<TimerKind>;

/// The token of a kind whose value is an index or a key: `token_of(TokenKind::check, 3)`.
[[nodiscard]] constexpr mio::Token token_of(TokenKind kind, std::uint64_t value) noexcept {
    return TokenId(kind, value).token();
}

static_assert(sizeof(mio::Token::value) * 8 >= 64, "tokens must hold 64 bits");

}  // namespace app
