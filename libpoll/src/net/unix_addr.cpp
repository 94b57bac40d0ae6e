#include <mio/net/unix_addr.hpp>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

namespace mio::net {
namespace {

constexpr std::size_t kPathOffset = offsetof(sockaddr_un, sun_path);
constexpr std::size_t kSunPathSize = sizeof(sockaddr_un::sun_path);
static_assert(sizeof(sockaddr_un) <= sizeof(sockaddr_storage));

// A pathname as the kernel reported it: up to the first NUL, which must lie inside sun_path.
Result<std::string_view> reported_path(const sockaddr_un& un, std::size_t path_bytes) noexcept {
    const std::string_view raw(un.sun_path, std::min(path_bytes, kSunPathSize));
    const auto nul = raw.find('\0');
    if (nul != std::string_view::npos) return raw.substr(0, nul);
    if (raw.size() >= kSunPathSize) return fail(Errc::path_too_long);
    return raw;
}

}  // namespace

std::size_t UnixAddr::max_path_len() noexcept {
    return kSunPathSize - 1;
}

Result<UnixAddr> UnixAddr::from_pathname(std::string_view path) {
    if (path.empty() || path.find('\0') != std::string_view::npos) {
        return fail(std::errc::invalid_argument);
    }
    if (path.size() > max_path_len()) return fail(Errc::path_too_long);
    return UnixAddr(Kind::pathname, path);
}

Result<UnixAddr> UnixAddr::from_abstract(std::string_view name) {
    if (name.size() > max_path_len()) return fail(Errc::path_too_long);
    return UnixAddr(Kind::abstract, name);
}

Result<UnixAddr> UnixAddr::from_sockaddr(const sockaddr* addr, std::size_t len) {
    // Linux's recvfrom reports a length of 0 for a datagram from an unbound sender.
    if (len == 0) return UnixAddr();
    if (addr == nullptr || len < kPathOffset || len > sizeof(sockaddr_storage)) {
        return fail(std::errc::invalid_argument);
    }
    sockaddr_un un{};
    std::memcpy(&un, addr, std::min(len, sizeof un));
    if (un.sun_family != AF_UNIX) return fail(std::errc::address_family_not_supported);
    const std::size_t path_bytes = len - kPathOffset;
    if (path_bytes == 0) return UnixAddr();
    if (un.sun_path[0] != '\0') {
        auto path = reported_path(un, path_bytes);
        if (!path) return fail(path.error());
        return UnixAddr(Kind::pathname, *path);
    }
    if (path_bytes > kSunPathSize) return fail(std::errc::invalid_argument);
    return UnixAddr(Kind::abstract, std::string_view(un.sun_path + 1, path_bytes - 1));
}

std::size_t UnixAddr::to_sockaddr(sockaddr_storage& out) const noexcept {
    std::memset(&out, 0, sizeof out);
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::size_t len = kPathOffset;
    switch (kind_) {
        case Kind::unnamed:
            break;
        case Kind::pathname:
            std::memcpy(un.sun_path, bytes_.data(), bytes_.size());  // NUL already there
            len += bytes_.size() + 1;
            break;
        case Kind::abstract:
            std::memcpy(un.sun_path + 1, bytes_.data(), bytes_.size());
            len += 1 + bytes_.size();
            break;
    }
    std::memcpy(&out, &un, sizeof un);
    return len;
}

std::optional<std::string_view> UnixAddr::as_pathname() const noexcept {
    if (kind_ != Kind::pathname) return std::nullopt;
    return std::string_view(bytes_);
}

std::optional<std::string_view> UnixAddr::as_abstract_name() const noexcept {
    if (kind_ != Kind::abstract) return std::nullopt;
    return std::string_view(bytes_);
}

std::string UnixAddr::to_string() const {
    switch (kind_) {
        case Kind::pathname:
            return bytes_;
        case Kind::abstract:
            return "@" + bytes_;
        case Kind::unnamed:
            break;
    }
    return "(unnamed)";
}

}  // namespace mio::net

std::size_t std::hash<mio::net::UnixAddr>::operator()(const mio::net::UnixAddr& a) const noexcept {
    const std::size_t h = std::hash<std::string_view>{}(
        a.as_pathname().value_or(a.as_abstract_name().value_or(std::string_view{})));
    return h * 31 + static_cast<std::size_t>(a.kind());
}
