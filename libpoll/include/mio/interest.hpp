#pragma once
// Interest: the non-empty set of readiness kinds a source is registered for.

#include <cstdint>
#include <mio/export.hpp>
#include <optional>
#include <string>

namespace mio {

/// A non-empty set of readiness interests (mio's `Interest`). There is no default
/// constructor and no way to build an empty set: `remove` answers std::nullopt instead.
///
/// `readable` and `writable` work everywhere. `priority` (out-of-band data, EPOLLPRI/POLLPRI)
/// is honoured on Linux; `aio` and `lio` exist for kqueue platforms and are accepted but
/// never reported elsewhere, as in mio.
class MIO_API Interest {
public:
    static const Interest readable;
    static const Interest writable;
    static const Interest aio;
    static const Interest lio;
    static const Interest priority;

    /// Union of the two sets (mio's const `add`).
    [[nodiscard]] constexpr Interest add(Interest other) const noexcept {
        return Interest(static_cast<std::uint8_t>(bits_ | other.bits_));
    }
    /// This set without `other`'s members, or std::nullopt if nothing would be left.
    [[nodiscard]] constexpr std::optional<Interest> remove(Interest other) const noexcept {
        const auto left = static_cast<std::uint8_t>(bits_ & ~other.bits_);
        if (left == 0) return std::nullopt;
        return Interest(left);
    }
    [[nodiscard]] constexpr bool is_readable() const noexcept { return (bits_ & kReadable) != 0; }
    [[nodiscard]] constexpr bool is_writable() const noexcept { return (bits_ & kWritable) != 0; }
    [[nodiscard]] constexpr bool is_aio() const noexcept { return (bits_ & kAio) != 0; }
    [[nodiscard]] constexpr bool is_lio() const noexcept { return (bits_ & kLio) != 0; }
    [[nodiscard]] constexpr bool is_priority() const noexcept { return (bits_ & kPriority) != 0; }

    constexpr Interest& operator|=(Interest other) noexcept { return *this = add(other); }
    friend constexpr Interest operator|(Interest a, Interest b) noexcept { return a.add(b); }
    friend constexpr bool operator==(Interest, Interest) noexcept = default;
    friend constexpr auto operator<=>(Interest, Interest) noexcept = default;

    /// The raw bit set (readable=1, writable=2, aio=4, lio=8, priority=16), never zero.
    [[nodiscard]] constexpr std::uint8_t bits() const noexcept { return bits_; }
    /// The Interest with these raw bits, or std::nullopt if `bits` is zero or has unknown bits.
    [[nodiscard]] static constexpr std::optional<Interest> from_bits(std::uint8_t bits) noexcept {
        if (bits == 0 || (bits & ~kAll) != 0) return std::nullopt;
        return Interest(bits);
    }

private:
    static constexpr std::uint8_t kReadable = 0b1;
    static constexpr std::uint8_t kWritable = 0b10;
    static constexpr std::uint8_t kAio = 0b100;
    static constexpr std::uint8_t kLio = 0b1000;
    static constexpr std::uint8_t kPriority = 0b10000;
    static constexpr std::uint8_t kAll = 0b11111;

    constexpr explicit Interest(std::uint8_t bits) noexcept : bits_(bits) {}
    std::uint8_t bits_;
};

inline constexpr Interest Interest::readable{Interest::kReadable};
inline constexpr Interest Interest::writable{Interest::kWritable};
inline constexpr Interest Interest::aio{Interest::kAio};
inline constexpr Interest Interest::lio{Interest::kLio};
inline constexpr Interest Interest::priority{Interest::kPriority};

/// Names joined by " | " in the order READABLE, WRITABLE, AIO, LIO, PRIORITY, as mio's Debug
/// output: `to_string(Interest::readable | Interest::writable) == "READABLE | WRITABLE"`.
[[nodiscard]] MIO_API std::string to_string(Interest interest);

}  // namespace mio
