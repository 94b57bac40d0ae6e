#pragma once
// UnixAddr: the address of a Unix domain socket (pathname, abstract name, or unnamed).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mio/export.hpp>
#include <optional>
#include <string>
#include <string_view>

#include <mio/error.hpp>

struct sockaddr;
struct sockaddr_storage;

namespace mio::net {

/// The address of a Unix domain socket (std::os::unix::net::SocketAddr), one of:
/// - a pathname in the file system ("/tmp/app.sock");
/// - a name in Linux's abstract namespace (no file; shown as "@name"); the name is raw bytes
///   and may itself contain NUL bytes;
/// - unnamed: an unbound socket, either end of a pair(), or a client that connected without
///   binding (what accept() usually reports as the peer).
///
/// Every UnixAddr fits in `sockaddr_un` as the OS will read it: a pathname always leaves room
/// for its terminating NUL. Nothing is ever truncated: a name that does not fit is an error.
/// Comparable and hashable. Thread safety: a plain value.
class MIO_API UnixAddr {
public:
    enum class Kind : std::uint8_t { unnamed, pathname, abstract };

    /// An unnamed address.
    UnixAddr() noexcept = default;

    /// The address of the file `path` (relative paths are resolved by the OS at bind/connect).
    /// Errors: Errc::path_too_long (== errc::filename_too_long) if `path` plus its NUL does not
    /// fit in sun_path (max_path_len()); errc::invalid_argument if `path` is empty or contains
    /// a NUL byte.
    [[nodiscard]] static Result<UnixAddr> from_pathname(std::string_view path);

    /// An address in Linux's abstract namespace: `name` without the leading NUL that marks it.
    /// The empty name is allowed. Elsewhere bind/connect fail with the OS's error.
    /// Errors: Errc::path_too_long if `name` is longer than max_path_len().
    [[nodiscard]] static Result<UnixAddr> from_abstract(std::string_view name);

    /// The unnamed address (same as the default constructor).
    [[nodiscard]] static UnixAddr unnamed() noexcept { return {}; }

    /// Reads an AF_UNIX sockaddr of `len` bytes, as getsockname/accept/recvfrom return it:
    /// a length of 0 (Linux's recvfrom from an unbound sender) or of offsetof(sockaddr_un,
    /// sun_path) is unnamed, a leading NUL in sun_path an
    /// abstract name, anything else a pathname (ending at the first NUL, if any).
    /// Errors: errc::address_family_not_supported for other families; errc::invalid_argument
    /// for a null pointer or a length that is too short or too long; Errc::path_too_long for
    /// a pathname that fills sun_path without a NUL (it could not be passed back to the OS).
    [[nodiscard]] static Result<UnixAddr> from_sockaddr(const sockaddr* addr, std::size_t len);

    /// Writes this address into `out` (zeroing the rest) and returns the exact length to pass
    /// to bind/connect/sendto: offsetof(sun_path) + path + 1 for a pathname (its NUL counted),
    /// offsetof(sun_path) + 1 + name for an abstract name (no NUL), offsetof(sun_path) for
    /// unnamed.
    std::size_t to_sockaddr(sockaddr_storage& out) const noexcept;

    /// The longest pathname (without its NUL) or abstract name this platform accepts:
    /// sizeof(sockaddr_un::sun_path) - 1, i.e. 107 on Linux.
    [[nodiscard]] static std::size_t max_path_len() noexcept;

    /// Which of the three forms this address has.
    [[nodiscard]] Kind kind() const noexcept { return kind_; }
    /// True for the address of an unbound socket (mio's `is_unnamed`).
    [[nodiscard]] bool is_unnamed() const noexcept { return kind_ == Kind::unnamed; }
    /// The path, if this is a pathname address. The view points into this object.
    [[nodiscard]] std::optional<std::string_view> as_pathname() const noexcept;
    /// The name (without the leading NUL), if this is an abstract address.
    [[nodiscard]] std::optional<std::string_view> as_abstract_name() const noexcept;

    /// "/tmp/x" for a pathname, "@name" for an abstract name, "(unnamed)" otherwise.
    [[nodiscard]] std::string to_string() const;

    /// Equal if of the same kind with the same bytes (a path and an abstract name never match).
    friend bool operator==(const UnixAddr&, const UnixAddr&) = default;

private:
    UnixAddr(Kind kind, std::string_view bytes) : kind_(kind), bytes_(bytes) {}

    Kind kind_ = Kind::unnamed;
    std::string bytes_;  // the path or the abstract name; empty when unnamed
};

}  // namespace mio::net

/// Hashes the kind and the bytes, consistent with ==.
template <>
struct std::hash<mio::net::UnixAddr> {
    std::size_t operator()(const mio::net::UnixAddr& a) const noexcept;
};
