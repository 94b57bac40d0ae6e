#pragma once
// UnixListener: a non-blocking Unix domain socket server.

#include <mio/export.hpp>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include <mio/detail/io_source_owner.hpp>
#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/net/unix_addr.hpp>
#include <mio/net/unix_stream.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio {
class Registry;

namespace net {

/// A non-blocking AF_UNIX SOCK_STREAM listening socket (mio's `net::UnixListener`). Register
/// it for readable; after each event call accept() until it returns WouldBlock.
/// The socket file a pathname listener creates is not removed when the listener is destroyed
/// (as with every Unix socket API): unlink it yourself.
///
/// Thread safety: accept() and the queries are const and may run concurrently; registration
/// calls must not race with each other.
class MIO_API UnixListener : public detail::IoSourceOwner {
public:
    /// Creates a socket bound to the file `path` and listening (backlog SOMAXCONN).
    /// Errors: those of UnixAddr::from_pathname (Errc::path_too_long, invalid_argument);
    /// errc::address_in_use if `path` exists; EACCES, ENOENT for the directory.
    [[nodiscard]] static Result<UnixListener> bind(std::string_view path);
    /// Like bind(), for any UnixAddr (a pathname or, on Linux, an abstract name).
    /// Errors: the OS's bind or listen error (errc::address_in_use, EINVAL for unnamed on
    /// platforms without autobind).
    [[nodiscard]] static Result<UnixListener> bind_addr(const UnixAddr& addr);
    /// Adopts `fd`, which must be an AF_UNIX SOCK_STREAM socket that is already listening;
    /// its flags are not changed (make it non-blocking first).
    /// Errors (`fd` is closed): errc::not_a_socket, errc::address_family_not_supported,
    /// errc::wrong_protocol_type, errc::bad_file_descriptor.
    [[nodiscard]] static Result<UnixListener> from_fd(UniqueFd fd);

    UnixListener(UnixListener&&) noexcept = default;
    UnixListener& operator=(UnixListener&&) noexcept = default;
    ~UnixListener() = default;

    /// Accepts one pending connection (accept4: the new stream is non-blocking and
    /// close-on-exec) with the peer's address, which is unnamed unless the client bound.
    /// Errors: WouldBlock when none is pending; ECONNABORTED, EMFILE, other OS errors;
    /// Errc::path_too_long if the client bound a path filling sun_path without a NUL (that
    /// connection is then closed).
    [[nodiscard]] Result<std::pair<UnixStream, UnixAddr>> accept() const;
    /// The address the listener is bound to. Errors: the OS error.
    [[nodiscard]] Result<UnixAddr> local_addr() const;
    /// Reads and clears the pending socket error (SO_ERROR): std::nullopt if none.
    [[nodiscard]] Result<std::optional<std::error_code>> take_error() const;

private:
    explicit UnixListener(UniqueFd fd) noexcept : IoSourceOwner(std::move(fd)) {}
};

}  // namespace net
}  // namespace mio
