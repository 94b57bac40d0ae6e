#pragma once
// The error model of libpoll: every fallible call returns mio::Result<T>.
//
// WouldBlock is an ordinary outcome of non-blocking I/O, not a failure: test it with
// is_would_block(), never by comparing against a raw errno, so that other platforms
// (WSAEWOULDBLOCK) can map onto the same portable condition.

#include <cerrno>
#include <expected>
#include <mio/export.hpp>
#include <string_view>
#include <system_error>

namespace mio {

/// The result of a fallible libpoll call: a value, or the std::error_code that explains why not.
template <class T>
using Result = std::expected<T, std::error_code>;

/// True if `ec` means "the operation would block; retry after the next readiness event".
/// Thread safety: pure function.
[[nodiscard]] inline bool is_would_block(const std::error_code& ec) noexcept {
    return ec == std::errc::operation_would_block ||
           ec == std::errc::resource_unavailable_try_again;
}

/// True if `ec` means "interrupted by a signal" (EINTR); Poll::poll surfaces it, never retries.
[[nodiscard]] inline bool is_interrupted(const std::error_code& ec) noexcept {
    return ec == std::errc::interrupted;
}

/// The current thread's errno as an error code in the system category.
[[nodiscard]] inline std::error_code last_os_error() noexcept {
    return std::error_code(errno, std::system_category());
}

/// Errors that libpoll itself raises (rather than the OS). Each compares equal to the portable
/// std::errc condition named beside it, so callers can test either.
enum class Errc {
    already_registered = 1,          ///< source already registered with a Registry (file_exists)
    not_registered,                  ///< source not registered with this Registry (no such file)
    registered_with_other_registry,  ///< source registered with a different Registry (file_exists)
    waker_exists,                    ///< a Waker already exists for this Poll (file_exists)
    invalid_address,                 ///< text that is not a socket address (invalid_argument)
    path_too_long,                   ///< Unix socket path longer than sun_path (filename_too_long)
};

/// The category of mio::Errc values; its messages name the misuse.
[[nodiscard]] MIO_API const std::error_category& mio_category() noexcept;

/// Builds an error_code in mio_category().
[[nodiscard]] inline std::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), mio_category()};
}

/// Shorthand for the failing side of a Result: `return mio::fail(Errc::not_registered);`.
[[nodiscard]] inline std::unexpected<std::error_code> fail(std::error_code ec) noexcept {
    return std::unexpected(ec);
}
[[nodiscard]] inline std::unexpected<std::error_code> fail(Errc e) noexcept {
    return std::unexpected(make_error_code(e));
}
[[nodiscard]] inline std::unexpected<std::error_code> fail(std::errc e) noexcept {
    return std::unexpected(std::make_error_code(e));
}

}  // namespace mio

template <>
struct std::is_error_code_enum<mio::Errc> : std::true_type {};
