#pragma once
// diff_tables: what changes between two configurations, one line per key, for
// `--check --diff OLD.toml`. Both sides should be complete (every default filled in, as
// --print-config writes them), so that a default written out on one side only is no change.

#include <string>
#include <vector>

#include <toml++/toml.h>

namespace app {

/// The differences from `before` to `after`, in key order (depth first):
///   "+ path = value"          a key (or, for a table, each of its keys) only in `after`
///   "- path = value"          a key only in `before`
///   "~ path: old -> new"      a value that changed (arrays are compared whole)
/// Values are printed as TOML. Empty if the two are equal. Throws only std::bad_alloc.
[[nodiscard]] std::vector<std::string> diff_tables(const toml::table& before,
                                                   const toml::table& after);

}  // namespace app
