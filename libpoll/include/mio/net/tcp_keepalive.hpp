#pragma once
// TcpKeepalive: the TCP keepalive parameters given to TcpSocket::set_keepalive_params.

#include <chrono>
#include <cstdint>
#include <mio/export.hpp>
#include <optional>

namespace mio::net {

/// Keepalive parameters (mio 0.7's `TcpKeepalive`). Each one left unset keeps the OS default.
/// Built fluently: `TcpKeepalive{}.with_time(60s).with_interval(10s).with_retries(5)`.
/// Thread safety: a plain value.
class MIO_API TcpKeepalive {
public:
    constexpr TcpKeepalive() noexcept = default;

    /// Idle time before the first probe (TCP_KEEPIDLE), in whole seconds.
    [[nodiscard]] constexpr TcpKeepalive with_time(std::chrono::seconds time) const noexcept {
        TcpKeepalive copy = *this;
        copy.time_ = time;
        return copy;
    }
    /// Time between two probes (TCP_KEEPINTVL), in whole seconds.
    [[nodiscard]] constexpr TcpKeepalive with_interval(
        std::chrono::seconds interval) const noexcept {
        TcpKeepalive copy = *this;
        copy.interval_ = interval;
        return copy;
    }
    /// Unanswered probes before the connection is dropped (TCP_KEEPCNT).
    [[nodiscard]] constexpr TcpKeepalive with_retries(std::uint32_t retries) const noexcept {
        TcpKeepalive copy = *this;
        copy.retries_ = retries;
        return copy;
    }

    /// The values given to with_time / with_interval / with_retries; std::nullopt if unset.
    [[nodiscard]] constexpr std::optional<std::chrono::seconds> time() const noexcept {
        return time_;
    }
    [[nodiscard]] constexpr std::optional<std::chrono::seconds> interval() const noexcept {
        return interval_;
    }
    [[nodiscard]] constexpr std::optional<std::uint32_t> retries() const noexcept {
        return retries_;
    }

    friend constexpr bool operator==(const TcpKeepalive&, const TcpKeepalive&) noexcept = default;

private:
    std::optional<std::chrono::seconds> time_;
    std::optional<std::chrono::seconds> interval_;
    std::optional<std::uint32_t> retries_;
};

}  // namespace mio::net
