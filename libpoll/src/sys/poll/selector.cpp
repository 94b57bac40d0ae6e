#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <climits>

#include <mio/event.hpp>

#include "../selector.hpp"
#include "../unix/syscall.hpp"

namespace mio::sys {
namespace {

using Clock = std::chrono::steady_clock;

constexpr short kReadBits = POLLIN | POLLRDHUP;
// poll(2) reports these whatever `events` asks for. Keeping them in every armed set keeps the
// slot polled after each interest was reported, so that a hang-up or error arising later is
// still delivered once (as an epoll edge would be, and as mio's poll(2) backend does).
constexpr short kHangupBits = POLLHUP | POLLERR;

short to_poll(Interest interest) noexcept {
    short bits = kHangupBits;
    if (interest.is_readable()) bits |= kReadBits;
    if (interest.is_writable()) bits |= POLLOUT;
    if (interest.is_priority()) bits |= POLLPRI;
    return bits;
}

std::uint16_t from_poll(short r) noexcept {
    std::uint16_t f = 0;
    if (r & (POLLIN | POLLPRI)) f |= Event::kReadable;
    if (r & POLLOUT) f |= Event::kWritable;
    if (r & POLLERR) f |= Event::kError;
    if (r & (POLLHUP | POLLRDHUP)) f |= Event::kReadClosed;
    if ((r & POLLHUP) || ((r & POLLOUT) && (r & POLLERR)) || r == POLLERR) f |= Event::kWriteClosed;
    if (r & POLLPRI) f |= Event::kPriority;
    return f;
}

// What stays armed after `reported` was delivered: every reported interest group is disarmed,
// and a hang-up or error (which poll(2) reports whatever was asked) disarms the whole fd.
short disarm(short armed, short reported) noexcept {
    if (reported & (POLLHUP | POLLERR)) return 0;
    if (reported & kReadBits) armed &= static_cast<short>(~kReadBits);
    if (reported & POLLOUT) armed &= static_cast<short>(~POLLOUT);
    if (reported & POLLPRI) armed &= static_cast<short>(~POLLPRI);
    return armed;
}

int remaining_ms(std::optional<Clock::time_point> deadline) noexcept {
    if (!deadline) return -1;
    return timeout_to_ms(*deadline - Clock::now());
}

}  // namespace

Result<std::shared_ptr<Selector>> Selector::create() {
    int fds[2];
    if (auto r = check_void(::pipe2(fds, O_CLOEXEC | O_NONBLOCK)); !r) return fail(r.error());
    return std::make_shared<Selector>(UniqueFd(fds[0]), UniqueFd(fds[1]), next_selector_id());
}

Selector::Selector(UniqueFd notify_read, UniqueFd notify_write, std::uint64_t id)
    : notify_read_(std::move(notify_read)), notify_write_(std::move(notify_write)), id_(id) {
    table_.push_back(pollfd{notify_read_.get(), POLLIN, 0});
}

Result<void> Selector::register_fd(int fd, Token token, Interest interest) {
    if (fd < 0) return fail(std::errc::bad_file_descriptor);
    if (fd == notify_read_.get() || fd == notify_write_.get()) {
        return fail(std::errc::invalid_argument);  // libpoll's own notification pipe
    }
    std::lock_guard lock(mutex_);
    if (index_.contains(fd)) return fail(std::errc::file_exists);
    const short bits = to_poll(interest);
    entries_.push_back(Entry{fd, token, bits, bits, ++next_generation_});
    table_.push_back(pollfd{fd, bits, 0});
    index_.emplace(fd, entries_.size() - 1);
    notify_if_polling();
    return {};
}

Result<void> Selector::reregister_fd(int fd, Token token, Interest interest) {
    std::lock_guard lock(mutex_);
    const auto it = index_.find(fd);
    if (it == index_.end()) return fail(std::errc::no_such_file_or_directory);
    Entry& entry = entries_[it->second];
    entry.token = token;
    entry.interest = to_poll(interest);
    set_armed(it->second, entry.interest);
    notify_if_polling();
    return {};
}

Result<void> Selector::deregister_fd(int fd) {
    std::lock_guard lock(mutex_);
    const auto it = index_.find(fd);
    if (it == index_.end()) return fail(std::errc::no_such_file_or_directory);
    remove_at(it->second);
    notify_if_polling();
    return {};
}

void Selector::rearm_fd(int fd, Token token, Interest interest) noexcept {
    std::lock_guard lock(mutex_);
    const auto it = index_.find(fd);
    if (it == index_.end()) return;
    Entry& entry = entries_[it->second];
    entry.token = token;
    entry.interest = to_poll(interest);
    if (entry.armed == entry.interest) return;  // nothing was disarmed: no work, no wake-up
    set_armed(it->second, entry.interest);
    notify_if_polling();
}

void Selector::forget_fd(int fd) noexcept {
    (void)deregister_fd(fd);
}

void Selector::set_armed(std::size_t index, short armed) noexcept {
    Entry& entry = entries_[index];
    entry.armed = armed;
    // A negative fd makes poll(2) skip the slot, so that a fully disarmed fd cannot keep
    // reporting POLLHUP/POLLERR, which poll(2) reports whatever `events` asks for.
    table_[index + 1] = pollfd{armed != 0 ? entry.fd : -1, armed, 0};
}

void Selector::remove_at(std::size_t index) noexcept {
    index_.erase(entries_[index].fd);
    const std::size_t last = entries_.size() - 1;
    if (index != last) {
        entries_[index] = entries_[last];
        table_[index + 1] = table_[last + 1];
        index_[entries_[index].fd] = index;
    }
    entries_.pop_back();
    table_.pop_back();
}

void Selector::notify_if_polling() noexcept {
    if (polling_) (void)notify();
}

Result<void> Selector::notify() noexcept {
    if (notified_.exchange(true)) return {};  // a byte is already on its way
    const char byte = 1;
    while (::write(notify_write_.get(), &byte, 1) < 0) {
        const std::error_code ec = last_os_error();
        if (ec == std::errc::interrupted) continue;
        if (is_would_block(ec)) return {};  // the pipe is full: the poller will wake anyway
        return fail(ec);
    }
    return {};
}

void Selector::drain_notifications() noexcept {
    notified_.store(false);
    char buf[64];
    while (::read(notify_read_.get(), buf, sizeof buf) > 0) {
    }
}

void Selector::install_waker(Token token) noexcept {
    waker_token_.store(token.value);
    wake_pending_.store(false);
    waker_installed_.store(true);
}

void Selector::release_waker() noexcept {
    waker_installed_.store(false);
    has_waker_.store(false);
}

std::string Selector::describe() const {
    std::size_t registered = 0;
    {
        const std::lock_guard lock(mutex_);
        registered = entries_.size();
    }
    return "poll { wake_pipe: " + std::to_string(notify_read_.get()) +
           ", registered: " + std::to_string(registered) + " }";
}

Result<void> Selector::wake() {
    wake_pending_.store(true);
    return notify();
}

Result<void> Selector::select(Events& events, std::optional<std::chrono::nanoseconds> timeout) {
    events.clear();
    std::optional<Clock::time_point> deadline;
    if (timeout)
        deadline = Clock::now() +
                   std::min<std::chrono::nanoseconds>(*timeout, std::chrono::hours(24 * 365));
    for (;;) {
        auto ready = wait_once(deadline);
        if (!ready) return fail(ready.error());
        collect(events);
        // Only the notification pipe fired (a registration changed while we waited): poll
        // again with the new table, unless the caller's time is up.
        if (!events.empty() || *ready == 0 || remaining_ms(deadline) == 0) return {};
    }
}

// One poll(2) over a private copy of the table; returns poll's count. Retries EAGAIN
// (transient kernel memory shortage), returns EINTR.
Result<int> Selector::wait_once(std::optional<Clock::time_point> deadline) {
    {
        std::lock_guard lock(mutex_);
        scratch_.assign(table_.begin(), table_.end());
        scratch_generation_.resize(entries_.size());
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            scratch_generation_[i] = entries_[i].generation;
        }
        polling_ = true;
    }
    int n;
    do {
        n = ::poll(scratch_.data(), scratch_.size(), remaining_ms(deadline));
    } while (n < 0 && errno == EAGAIN);
    const std::error_code ec = n < 0 ? last_os_error() : std::error_code{};
    std::lock_guard lock(mutex_);
    polling_ = false;
    if (n < 0) return fail(ec);
    return n;
}

// Turns the copy's revents into events, checking each against the live table: an fd that
// was deregistered (or deregistered and registered again) during the wait is skipped, and
// readiness for interests dropped by a reregister is masked out.
void Selector::collect(Events& events) noexcept {
    if (scratch_[0].revents != 0) drain_notifications();
    if (waker_installed_.load() && wake_pending_.exchange(false)) {
        events.push(Event(Token{waker_token_.load()}, Event::kReadable));
    }
    std::lock_guard lock(mutex_);
    for (std::size_t i = 1; i < scratch_.size() && events.size() < events.capacity(); ++i) {
        const pollfd& polled = scratch_[i];
        if (polled.revents == 0 || polled.fd < 0) continue;
        const auto it = index_.find(polled.fd);
        if (it == index_.end()) continue;
        Entry& entry = entries_[it->second];
        if (entry.generation != scratch_generation_[i - 1]) continue;
        if (polled.revents & POLLNVAL) {  // closed without deregistering: stop polling it
            set_armed(it->second, 0);
            continue;
        }
        const short reported =
            static_cast<short>(polled.revents & (entry.armed | POLLHUP | POLLERR));
        if (reported == 0 || entry.armed == 0) continue;
        set_armed(it->second, disarm(entry.armed, reported));
        events.push(Event(entry.token, from_poll(reported)));
    }
}

}  // namespace mio::sys
