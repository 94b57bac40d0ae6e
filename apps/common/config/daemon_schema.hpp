#pragma once
// The parts of the schema both daemons share: size units, the buffer size range, [admin],
// the [listeners.<name>] tables and the per-listener connection cap. Each daemon keeps its own
// documented limits (e.g. the largest max_connections) next to its schema.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/bind_claims.hpp"
#include "config/config_reader.hpp"
#include "config/endpoint.hpp"

namespace app {

inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = 1024 * kKiB;
/// `buffer_size` bounds, in both daemons: below 1KiB every read is a system call for little;
/// above 16MiB one connection's buffers dominate the memory budget.
inline constexpr std::uint64_t kMinBufferSize = kKiB;
inline constexpr std::uint64_t kMaxBufferSize = 16 * kMiB;

/// `[admin]`.
struct AdminConfig {
    std::optional<Endpoint> listen;  ///< absent: no admin endpoint

    friend bool operator==(const AdminConfig&, const AdminConfig&) = default;
};

/// Reads `[admin]` from `root` and claims its address in `bound` (as "[admin]", TCP). Errors
/// are recorded (see Section). Throws only std::bad_alloc.
[[nodiscard]] AdminConfig parse_admin(Section& root, BindClaims& bound);

/// The `[admin]` table (empty without an endpoint). Throws only std::bad_alloc.
[[nodiscard]] toml::table admin_to_toml(const AdminConfig& admin);

/// The `[listeners.<name>]` tables of `root`, in name order; records "at least one
/// [listeners.<name>] table is required" when there is none (and `listeners` itself is not
/// already in error). Throws only std::bad_alloc.
[[nodiscard]] std::vector<std::pair<std::string, Section>> listener_sections(Section& root);

/// A listener's `max_connections` in [1, limit]. Unset, it is `default_value` lowered to
/// `runtime_cap` if that is smaller; set, it must not exceed `runtime_cap` (recorded, unless
/// runtime.max_connections is itself invalid: then `runtime_cap` is only its default and the
/// comparison would report a consequence). Throws only std::bad_alloc.
[[nodiscard]] std::uint32_t listener_max_connections(Section& listener, std::uint32_t default_value,
                                                     std::uint32_t runtime_cap,
                                                     std::uint32_t limit);

}  // namespace app
