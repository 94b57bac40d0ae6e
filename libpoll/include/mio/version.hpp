#pragma once
// Which libpoll this is: its version and the readiness backend it was built with.

#include <mio/export.hpp>
#include <string_view>

#include <mio/version_macros.hpp>

namespace mio {

/// The version of the libpoll linked, e.g. "0.1.0" (LIBPOLL_VERSION_STRING is that of the
/// headers compiled against). Thread safety: pure.
[[nodiscard]] MIO_API std::string_view version() noexcept;

/// The readiness backend chosen at build time (-DLIBPOLL_BACKEND): "epoll" or "poll".
/// Thread safety: pure.
[[nodiscard]] MIO_API std::string_view backend_name() noexcept;

}  // namespace mio
