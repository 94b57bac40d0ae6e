#pragma once
// Event: one readiness notification, a platform-neutral value (token + readiness bits).

#include <cstdint>
#include <mio/export.hpp>
#include <string>

#include <mio/token.hpp>

namespace mio {

/// One readiness event returned by Poll::poll (mio's `event::Event`).
///
/// Only readable and writable are portable promises. The others are hints: false negatives
/// are allowed (a peer's FIN may show up only as a read returning 0), so they must never
/// replace handling the result of the actual I/O call. Spurious events are allowed too: an
/// event does not guarantee that the next operation succeeds.
class MIO_API Event {
public:
    /// Readiness bits, as stored by the backends.
    enum Flag : std::uint16_t {
        kReadable = 1 << 0,
        kWritable = 1 << 1,
        kError = 1 << 2,
        kReadClosed = 1 << 3,
        kWriteClosed = 1 << 4,
        kPriority = 1 << 5,
        kAio = 1 << 6,
        kLio = 1 << 7,
    };

    constexpr Event() noexcept = default;
    constexpr Event(Token token, std::uint16_t flags) noexcept : token_(token), flags_(flags) {}

    /// The token given when the source was (re)registered.
    [[nodiscard]] constexpr Token token() const noexcept { return token_; }
    /// Readable (includes out-of-band data on epoll/poll, and the Waker's event).
    [[nodiscard]] constexpr bool is_readable() const noexcept { return has(kReadable); }
    [[nodiscard]] constexpr bool is_writable() const noexcept { return has(kWritable); }
    /// An error is pending (EPOLLERR/POLLERR); read it with take_error(). A hint.
    [[nodiscard]] constexpr bool is_error() const noexcept { return has(kError); }
    /// The read half is closed (peer FIN, local shutdown(read), or hang-up). A hint.
    [[nodiscard]] constexpr bool is_read_closed() const noexcept { return has(kReadClosed); }
    /// The write half is closed (hang-up, or an error on a writable source). A hint.
    [[nodiscard]] constexpr bool is_write_closed() const noexcept { return has(kWriteClosed); }
    /// Priority (out-of-band) data is readable; only with Interest::priority, on Linux.
    [[nodiscard]] constexpr bool is_priority() const noexcept { return has(kPriority); }
    /// kqueue AIO / LIO completions; always false on epoll and poll(2).
    [[nodiscard]] constexpr bool is_aio() const noexcept { return has(kAio); }
    [[nodiscard]] constexpr bool is_lio() const noexcept { return has(kLio); }

    /// The raw readiness bits (a combination of Flag).
    [[nodiscard]] constexpr std::uint16_t flags() const noexcept { return flags_; }
    friend constexpr bool operator==(const Event&, const Event&) noexcept = default;

private:
    [[nodiscard]] constexpr bool has(std::uint16_t f) const noexcept { return (flags_ & f) != 0; }
    Token token_{};
    std::uint16_t flags_ = 0;
};

/// e.g. `Event { token: 3, readable, read_closed }`, for diagnostics and test failures.
[[nodiscard]] MIO_API std::string to_string(const Event& event);

}  // namespace mio
