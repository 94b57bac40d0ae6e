#pragma once
// Endpoint: a bind or connect address from the config, "host:port" or "unix:/path".

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <mio/net/socket_addr.hpp>
#include <mio/net/unix_addr.hpp>

namespace app {

/// A literal Internet socket address ("127.0.0.1:7", "[::1]:7") or a Unix socket pathname
/// ("unix:/run/x.sock"). Host names are not resolved. Comparable. Thread safety: a plain value.
class Endpoint {
public:
    /// Parses `text`. On failure returns nullopt and, if `why` is not null, stores every
    /// reason found, e.g. "'127.0.0.1:99999': port 99999 is out of range (0..65535)", a missing
    /// port, a host name (not resolved), IPv6 without brackets, a Unix path longer than
    /// sun_path allows. Throws only std::bad_alloc.
    [[nodiscard]] static std::optional<Endpoint> parse(std::string_view text,
                                                       std::string* why = nullptr);
    /// An Internet endpoint.
    explicit Endpoint(const mio::net::SocketAddr& addr) : addr_(addr) {}
    /// A Unix endpoint (a pathname address).
    explicit Endpoint(const mio::net::UnixAddr& addr) : addr_(addr) {}

    /// Whether this is a `unix:` endpoint.
    [[nodiscard]] bool is_unix() const noexcept {
        return std::holds_alternative<mio::net::UnixAddr>(addr_);
    }
    /// The Internet address. Precondition: !is_unix().
    [[nodiscard]] const mio::net::SocketAddr& inet() const {
        return std::get<mio::net::SocketAddr>(addr_);
    }
    /// The Unix address. Precondition: is_unix().
    [[nodiscard]] const mio::net::UnixAddr& unix_addr() const {
        return std::get<mio::net::UnixAddr>(addr_);
    }
    /// The Unix socket path. Precondition: is_unix().
    [[nodiscard]] std::string unix_path() const;
    /// "127.0.0.1:7", "[::1]:7" or "unix:/path"; parse(to_string()) gives back an equal value.
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const Endpoint&, const Endpoint&) = default;

private:
    std::variant<mio::net::SocketAddr, mio::net::UnixAddr> addr_;
};

}  // namespace app
