#include "config/endpoint.hpp"

namespace app {
namespace {

constexpr std::string_view unix_prefix = "unix:";

void set_reason(std::string* why, std::string reason) {
    if (why != nullptr) *why = std::move(reason);
}

std::optional<Endpoint> parse_unix(std::string_view path, std::string* why) {
    if (path.empty()) {
        set_reason(why, "empty Unix socket path after 'unix:'");
        return std::nullopt;
    }
    auto addr = mio::net::UnixAddr::from_pathname(path);
    if (addr) return Endpoint(*addr);
    if (path.size() > mio::net::UnixAddr::max_path_len()) {
        set_reason(why, "Unix socket path is " + std::to_string(path.size()) +
                            " bytes long; the limit is " +
                            std::to_string(mio::net::UnixAddr::max_path_len()));
    } else {
        set_reason(why, "invalid Unix socket path: " + addr.error().message());
    }
    return std::nullopt;
}

std::optional<Endpoint> parse_inet(std::string_view text, std::string* why) {
    auto addr = mio::net::SocketAddr::parse(text);
    if (addr) return Endpoint(*addr);
    set_reason(why, "'" + std::string(text) +
                        "' is not a literal address: expected IPv4:port, [IPv6]:port or "
                        "unix:/path (host names are not resolved)");
    return std::nullopt;
}

}  // namespace

std::optional<Endpoint> Endpoint::parse(std::string_view text, std::string* why) {
    if (text.starts_with(unix_prefix)) return parse_unix(text.substr(unix_prefix.size()), why);
    return parse_inet(text, why);
}

std::string Endpoint::unix_path() const {
    return std::string(unix_addr().as_pathname().value_or(std::string_view{}));
}

std::string Endpoint::to_string() const {
    if (is_unix()) return std::string(unix_prefix) + unix_path();
    return inet().to_string();
}

}  // namespace app
