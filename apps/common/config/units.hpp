#pragma once
// Durations and sizes as written in config files: units are mandatory ("250ms", "16KiB").

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace app {

/// Parses a duration: a non-negative decimal integer followed by one of the units `ms`, `s`,
/// `m`, `h`, `d` ("250ms", "5s", "1m"). "off" means zero, as does "0s".
/// Returns nullopt for a bare number, a sign, spaces, an unknown unit, or a value that does not
/// fit in std::chrono::milliseconds.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Formats a non-negative duration in the largest unit that represents it exactly:
/// 1500ms -> "1500ms", 60000ms -> "1m", 0 -> "0s". parse_duration(format_duration(d)) == d.
/// A negative duration (never produced by parse_duration) is printed in ms with a sign.
[[nodiscard]] std::string format_duration(std::chrono::milliseconds duration);

/// Parses a size: a non-negative decimal integer followed by `B`, `KiB`, `MiB`, `GiB` or `TiB`
/// ("512B", "16KiB", "1MiB"). Units are mandatory in strings (TOML integers are bytes and are
/// handled by the config reader). Returns nullopt for anything else or on overflow.
[[nodiscard]] std::optional<std::uint64_t> parse_size(std::string_view text);

/// Formats a size in the largest binary unit that represents it exactly ("16KiB", "1GiB"),
/// else in bytes ("1000B"); 0 is "0B". parse_size(format_size(n)) == n.
[[nodiscard]] std::string format_size(std::uint64_t bytes);

}  // namespace app
