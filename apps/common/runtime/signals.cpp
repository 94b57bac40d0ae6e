#include "runtime/signals.hpp"

#include <atomic>
#include <cerrno>
#include <utility>

#include <unistd.h>

#include "runtime/retry.hpp"

namespace app {
namespace {

// Shared with the handler; lock-free atomics are async-signal-safe.
std::atomic<int> g_write_fd{-1};
std::atomic<bool> g_exists{false};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_signal(int signo) {
    const int saved_errno = errno;
    const int fd = g_write_fd.load(std::memory_order_relaxed);
    if (fd >= 0) {
        const auto byte = static_cast<unsigned char>(signo);
        // A full pipe loses this signal; nothing else is safe to do here.
        [[maybe_unused]] const ssize_t n = ::write(fd, &byte, 1);
    }
    errno = saved_errno;
}

}  // namespace

mio::Result<SignalSource> SignalSource::install() {
    if (g_exists.exchange(true)) return mio::fail(std::errc::device_or_resource_busy);
    auto ends = mio::posix::pipe();
    if (!ends) {
        g_exists.store(false);
        return mio::fail(ends.error());
    }
    SignalSource source(std::move(ends->first), std::move(ends->second));
    // From here on the destructor undoes everything, including g_exists.
    g_write_fd.store(source.sender_.as_raw_fd());
    if (auto r = source.install_handlers(); !r) return mio::fail(r.error());
    return source;
}

SignalSource::SignalSource(mio::posix::Sender sender, mio::posix::Receiver receiver) noexcept
    : sender_(std::move(sender)), receiver_(std::move(receiver)), active_(true) {}

SignalSource::SignalSource(SignalSource&& other) noexcept
    : sender_(std::move(other.sender_)),
      receiver_(std::move(other.receiver_)),
      previous_(other.previous_),
      previous_pipe_(other.previous_pipe_),
      installed_(other.installed_),
      pipe_ignored_(other.pipe_ignored_),
      active_(std::exchange(other.active_, false)) {}

SignalSource::~SignalSource() {
    if (!active_) return;
    restore_handlers();
    g_write_fd.store(-1);
    g_exists.store(false);
    // The pipe closes when the members are destroyed, after no handler can reach it.
}

std::vector<int> SignalSource::drain() {
    std::vector<int> signals;
    std::array<std::byte, 64> buf{};
    for (;;) {
        const auto n = retry_on_eintr([&] { return receiver_.read(std::span<std::byte>(buf)); });
        if (!n) {
            break;  // WouldBlock (re-armed by the Receiver) or an unexpected error
        }
        if (*n == 0) break;  // cannot happen while sender_ lives
        for (std::size_t i = 0; i < *n; ++i)
            signals.push_back(static_cast<int>(buf[i]));
    }
    return signals;
}

mio::Result<void> SignalSource::install_handlers() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (const int signo : kHandledSignals) {
        if (::sigaction(signo, &action, &previous_[installed_]) != 0)
            return mio::fail(mio::last_os_error());
        ++installed_;
    }
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    if (::sigaction(SIGPIPE, &ignore, &previous_pipe_) != 0) return mio::fail(mio::last_os_error());
    pipe_ignored_ = true;
    return {};
}

void SignalSource::restore_handlers() noexcept {
    for (std::size_t i = 0; i < installed_; ++i) {
        ::sigaction(kHandledSignals[i], &previous_[i], nullptr);
    }
    installed_ = 0;
    if (pipe_ignored_) ::sigaction(SIGPIPE, &previous_pipe_, nullptr);
    pipe_ignored_ = false;
}

std::string_view signal_name(int signo) noexcept {
    switch (signo) {
        case SIGTERM:
            return "SIGTERM";
        case SIGINT:
            return "SIGINT";
        case SIGQUIT:
            return "SIGQUIT";
        case SIGHUP:
            return "SIGHUP";
        case SIGUSR1:
            return "SIGUSR1";
        case SIGUSR2:
            return "SIGUSR2";
        case SIGPIPE:
            return "SIGPIPE";
        default:
            return "signal";
    }
}

}  // namespace app
