#pragma once
// fmt formatters for libpoll's value types, so the daemons can log them directly:
//   spdlog::info("event {} on {}", event, addr);
// They live here, not in libpoll, because libpoll depends on nothing but the OS.

#include <string>
#include <string_view>

#include <fmt/format.h>

#include <mio/event.hpp>
#include <mio/events.hpp>
#include <mio/interest.hpp>
#include <mio/net/socket_addr.hpp>
#include <mio/net/unix_addr.hpp>
#include <mio/poll.hpp>
#include <mio/registry.hpp>
#include <mio/token.hpp>
#include <mio/waker.hpp>

/// `Token{42}` formats as `42`.
template <>
struct fmt::formatter<mio::Token> : fmt::formatter<std::size_t> {
    auto format(mio::Token token, format_context& ctx) const {
        return fmt::formatter<std::size_t>::format(token.value, ctx);
    }
};

/// As mio's Debug output: `READABLE | WRITABLE`.
template <>
struct fmt::formatter<mio::Interest> : fmt::formatter<std::string_view> {
    auto format(mio::Interest interest, format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(mio::to_string(interest), ctx);
    }
};

/// `Event { token: 3, readable, read_closed }`.
template <>
struct fmt::formatter<mio::Event> : fmt::formatter<std::string_view> {
    auto format(const mio::Event& event, format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(mio::to_string(event), ctx);
    }
};

/// `127.0.0.1:80`, `[::1]:80`.
template <>
struct fmt::formatter<mio::net::SocketAddr> : fmt::formatter<std::string_view> {
    auto format(const mio::net::SocketAddr& addr, format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(addr.to_string(), ctx);
    }
};

/// `/run/x.sock`, `@abstract`, `(unnamed)`.
template <>
struct fmt::formatter<mio::net::UnixAddr> : fmt::formatter<std::string_view> {
    auto format(const mio::net::UnixAddr& addr, format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(addr.to_string(), ctx);
    }
};

namespace app::detail {
/// Formats any libpoll type that has a mio::to_string() overload, as that string.
struct ToStringFormatter : fmt::formatter<std::string_view> {
    template <class T>
    auto format(const T& value, fmt::format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(mio::to_string(value), ctx);
    }
};
}  // namespace app::detail

/// Poll, Registry, Waker and Events format as libpoll's to_string() (mio's Debug output):
/// `Poll { registry: Registry { selector: epoll { fd: 3 } } }`. Full specializations, so
/// that fmt/ranges.h (Events is a range) cannot make them ambiguous.
template <>
struct fmt::formatter<mio::Poll> : app::detail::ToStringFormatter {};
template <>
struct fmt::formatter<mio::Registry> : app::detail::ToStringFormatter {};
template <>
struct fmt::formatter<mio::Waker> : app::detail::ToStringFormatter {};
template <>
struct fmt::formatter<mio::Events> : app::detail::ToStringFormatter {};
