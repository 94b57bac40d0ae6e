#pragma once
// "Did you mean ...?" hints for misspelt keys and values.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace app {

/// The optimal-string-alignment (Damerau-Levenshtein with adjacent transpositions) distance
/// between `a` and `b`, ignoring ASCII case. Never throws except std::bad_alloc.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` if it is within `max_distance` edits (ties: the first in
/// `candidates`), else nullopt. An exact match counts (distance 0).
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word,
                                                       const std::vector<std::string>& candidates,
                                                       std::size_t max_distance = 2);

/// "; did you mean 'X'?" for the closest candidate, or "" when none is close enough.
[[nodiscard]] std::string did_you_mean(std::string_view word,
                                       const std::vector<std::string>& candidates);

}  // namespace app
