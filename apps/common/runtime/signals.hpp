#pragma once
// SignalSource: POSIX signals as an ordinary readable source on the event loop (the self-pipe
// trick: a handler may call only async-signal-safe functions, so it writes one byte to a pipe
// the loop watches; all work happens in the loop after drain()).

#include <array>
#include <csignal>
#include <cstddef>
#include <string_view>
#include <vector>

#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/posix/pipe.hpp>
#include <mio/token.hpp>

namespace mio {
class Registry;
}

namespace app {

/// The signals a SignalSource handles: SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1. SIGPIPE is
/// set to SIG_IGN while the source exists.
inline constexpr std::array<int, 5> kHandledSignals{SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1};

/// Installs handlers for kHandledSignals whose only work is to write the signal number as one
/// byte to a non-blocking, close-on-exec pipe (saving and restoring errno). The loop registers
/// the source, readable, under a reserved token, and on each event calls drain().
///
/// Models mio::Source (it forwards to the pipe's Receiver, whose reads re-arm the poll(2)
/// backend). Only one SignalSource may exist at a time; its destructor restores the previous
/// dispositions of every signal it changed. A signal is lost only if the pipe (64 KiB on
/// Linux) is full, i.e. if tens of thousands arrive between two drains.
///
/// Thread safety: use from the event-loop thread. Signals may arrive on any thread.
class SignalSource {
public:
    /// Creates the pipe and installs the handlers (with SA_RESTART).
    /// Errors: errc::device_or_resource_busy if a SignalSource already exists; the OS error of
    /// pipe2 or sigaction (any handler already installed is restored first).
    [[nodiscard]] static mio::Result<SignalSource> install();

    SignalSource(SignalSource&& other) noexcept;
    SignalSource& operator=(SignalSource&&) = delete;
    SignalSource(const SignalSource&) = delete;
    SignalSource& operator=(const SignalSource&) = delete;
    /// Restores the previous dispositions, then closes the pipe.
    ~SignalSource();

    /// The signals received since the last drain, oldest first; repeats are kept (two SIGTERMs
    /// give two entries). Reads the pipe until it would block. Empty if nothing arrived.
    /// Errors: none (an unexpected read error ends the drain early; the rest stays queued).
    [[nodiscard]] std::vector<int> drain();

    /// mio::Source: use Registry::register_source and friends.
    [[nodiscard]] mio::Result<void> register_with(const mio::Registry& registry, mio::Token token,
                                                  mio::Interest interest) {
        return receiver_.register_with(registry, token, interest);
    }
    [[nodiscard]] mio::Result<void> reregister_with(const mio::Registry& registry, mio::Token token,
                                                    mio::Interest interest) {
        return receiver_.reregister_with(registry, token, interest);
    }
    [[nodiscard]] mio::Result<void> deregister_from(const mio::Registry& registry) {
        return receiver_.deregister_from(registry);
    }

private:
    SignalSource(mio::posix::Sender sender, mio::posix::Receiver receiver) noexcept;
    [[nodiscard]] mio::Result<void> install_handlers();
    void restore_handlers() noexcept;

    mio::posix::Sender sender_;  // the handler writes to its raw fd
    mio::posix::Receiver receiver_;
    std::array<struct sigaction, kHandledSignals.size()> previous_{};
    struct sigaction previous_pipe_ {};
    std::size_t installed_ = 0;  // how many of kHandledSignals have our handler
    bool pipe_ignored_ = false;
    bool active_ = false;  // false once moved from
};

/// "SIGTERM", "SIGINT", ... for the handled signals and SIGPIPE; "signal" otherwise.
[[nodiscard]] std::string_view signal_name(int signo) noexcept;

}  // namespace app
