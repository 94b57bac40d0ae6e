#include "config/units.hpp"

#include <array>
#include <limits>
#include <utility>

namespace app {
namespace {

struct Unit {
    std::string_view suffix;
    std::uint64_t factor;
};

// Largest first, so formatting can pick the first exact one.
constexpr std::array<Unit, 5> duration_units{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

constexpr std::array<Unit, 5> size_units{{
    {"TiB", std::uint64_t{1} << 40},
    {"GiB", std::uint64_t{1} << 30},
    {"MiB", std::uint64_t{1} << 20},
    {"KiB", std::uint64_t{1} << 10},
    {"B", 1},
}};

/// Splits "123unit" into its number and unit; nullopt without digits or on overflow.
std::optional<std::pair<std::uint64_t, std::string_view>> split_number(std::string_view text) {
    std::size_t i = 0;
    std::uint64_t value = 0;
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        const auto digit = static_cast<std::uint64_t>(text[i] - '0');
        if (value > (max - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    if (i == 0) return std::nullopt;
    return std::pair{value, text.substr(i)};
}

/// number * unit factor, if the unit is known and the product fits in `limit`.
template <std::size_t N>
std::optional<std::uint64_t> scale(std::string_view text, const std::array<Unit, N>& units,
                                   std::uint64_t limit) {
    const auto parts = split_number(text);
    if (!parts) return std::nullopt;
    for (const Unit& unit : units) {
        if (unit.suffix != parts->second) continue;
        if (parts->first > limit / unit.factor) return std::nullopt;
        return parts->first * unit.factor;
    }
    return std::nullopt;
}

template <std::size_t N>
std::string format_in(std::uint64_t value, const std::array<Unit, N>& units) {
    for (const Unit& unit : units) {
        if (value % unit.factor == 0) {
            return std::to_string(value / unit.factor) + std::string(unit.suffix);
        }
    }
    return std::to_string(value) + std::string(units.back().suffix);
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    if (text == "off") return std::chrono::milliseconds{0};
    constexpr auto limit =
        static_cast<std::uint64_t>(std::numeric_limits<std::chrono::milliseconds::rep>::max());
    const auto ms = scale(text, duration_units, limit);
    if (!ms) return std::nullopt;
    return std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(*ms)};
}

std::string format_duration(std::chrono::milliseconds duration) {
    const auto count = duration.count();
    if (count == 0) return "0s";
    if (count < 0) return std::to_string(count) + "ms";
    return format_in(static_cast<std::uint64_t>(count), duration_units);
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    return scale(text, size_units, std::numeric_limits<std::uint64_t>::max());
}

std::string format_size(std::uint64_t bytes) {
    if (bytes == 0) return "0B";
    return format_in(bytes, size_units);
}

}  // namespace app
