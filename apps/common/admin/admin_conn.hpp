#pragma once
// AdminConn: one admin HTTP connection's non-blocking state machine (read the head, write the
// response, lingering close). Internal to AdminServer; public for white-box tests.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/net/tcp_stream.hpp>
#include <mio/token.hpp>

namespace mio {
class Registry;
}

namespace app {

/// Limits of one admin connection.
struct AdminConnLimits {
    std::size_t max_head_bytes = 8192;                ///< request line + headers; beyond: 431
    std::chrono::milliseconds linger_timeout{2'000};  ///< discard input this long after replying
    std::size_t max_linger_bytes = 64 * 1024;         ///< or at most this much
};

/// Drives one connection: read until the head is complete (or too large, or malformed), let
/// the server produce the response, write it (waiting for writable on a partial write), then
/// shut down the write side and discard input until the peer closes (a lingering close, so the
/// client reads the response instead of an RST caused by unread input).
///
/// Edge-triggered: every step reads or writes until WouldBlock. Interest is readable while
/// reading or lingering and writable only while a write is pending, so the poll(2) backend's
/// re-arm never busy-loops on an always-writable socket.
/// Thread safety: none (event-loop thread).
class AdminConn {
public:
    using Clock = std::chrono::steady_clock;

    enum class Step {
        wait,           ///< nothing more to do until the next event
        need_response,  ///< call respond(): head() is complete, or error_status() is set
        close,          ///< done (or failed): deregister and destroy
    };

    /// Takes an accepted stream; `deadline` bounds the whole exchange (slowloris guard).
    AdminConn(mio::net::TcpStream stream, Clock::time_point deadline,
              const AdminConnLimits& limits) noexcept;

    /// Registers the stream for readable under `token`. Errors: the Registry's.
    [[nodiscard]] mio::Result<void> register_with(const mio::Registry& registry, mio::Token token);
    /// Deregisters the stream. Errors: the Registry's.
    [[nodiscard]] mio::Result<void> deregister_from(const mio::Registry& registry);

    /// Makes progress after an event (or at any time: spurious calls are harmless).
    [[nodiscard]] Step advance(const mio::Registry& registry, mio::Token token);
    /// Supplies the response bytes after need_response, then advance() again.
    void respond(std::string bytes);

    /// The request head once complete (valid until respond()).
    [[nodiscard]] std::string_view head() const noexcept { return {in_.data(), head_len_}; }
    /// 0, or the status to answer with when the request could not be read (400, 431).
    [[nodiscard]] int error_status() const noexcept { return error_status_; }
    [[nodiscard]] Clock::time_point deadline() const noexcept { return deadline_; }
    [[nodiscard]] bool expired(Clock::time_point now) const noexcept { return now >= deadline_; }

private:
    enum class State { reading, responding, writing, lingering };

    Step read_request();
    Step write_response(const mio::Registry& registry, mio::Token token);
    Step linger();
    [[nodiscard]] bool set_interest(const mio::Registry& registry, mio::Token token,
                                    mio::Interest interest);

    mio::net::TcpStream stream_;
    Clock::time_point deadline_;
    AdminConnLimits limits_;
    State state_ = State::reading;
    mio::Interest interest_ = mio::Interest::readable;
    std::string in_;
    std::size_t head_len_ = 0;
    int error_status_ = 0;
    std::string out_;
    std::size_t written_ = 0;
    std::size_t discarded_ = 0;
};

}  // namespace app
