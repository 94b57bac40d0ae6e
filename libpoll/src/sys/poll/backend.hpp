#pragma once
// The poll(2) backend: the portable fallback, forced on Linux with -DLIBPOLL_BACKEND=poll.
//
// poll(2) is level-triggered; edges are emulated the way mio does it (and as the Windows AFD
// backend will have to): once an interest is reported it is disarmed, and it is armed again
// only when an operation made through libpoll returns WouldBlock (IoSource::do_io calls
// rearm_fd) or when the source is re-registered. Registrations live in a table guarded by a
// mutex; select() polls a private copy of it, and a change made while a poll is blocked
// interrupts it through a non-blocking, close-on-exec pipe so that the poll restarts with
// the new table. The Waker shares that pipe and a pending flag.

#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <mio/error.hpp>
#include <mio/events.hpp>
#include <mio/interest.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio::sys {

class Selector {
public:
    static constexpr bool kEmulatesEdges = true;

    [[nodiscard]] static Result<std::shared_ptr<Selector>> create();
    Selector(UniqueFd notify_read, UniqueFd notify_write, std::uint64_t id);

    [[nodiscard]] std::uint64_t id() const { return id_; }
    [[nodiscard]] Result<void> select(Events& events,
                                      std::optional<std::chrono::nanoseconds> timeout);
    [[nodiscard]] Result<void> register_fd(int fd, Token token, Interest interest);
    [[nodiscard]] Result<void> reregister_fd(int fd, Token token, Interest interest);
    [[nodiscard]] Result<void> deregister_fd(int fd);
    void rearm_fd(int fd, Token token, Interest interest) noexcept;
    void forget_fd(int fd) noexcept;
    [[nodiscard]] bool claim_waker() noexcept { return !has_waker_.exchange(true); }
    void release_waker() noexcept;
    [[nodiscard]] std::string describe() const;

    // Used by this backend's Waker.
    void install_waker(Token token) noexcept;
    [[nodiscard]] Result<void> wake();

private:
    struct Entry {
        int fd;
        Token token;
        short interest;  // poll(2) bits asked for
        short armed;     // the subset not yet reported since the last re-arm
        std::uint32_t generation;
    };

    void set_armed(std::size_t index, short armed) noexcept;
    void remove_at(std::size_t index) noexcept;
    void notify_if_polling() noexcept;
    [[nodiscard]] Result<void> notify() noexcept;
    void drain_notifications() noexcept;
    void collect(Events& events) noexcept;
    [[nodiscard]] Result<int> wait_once(std::optional<std::chrono::steady_clock::time_point>);

    UniqueFd notify_read_;
    UniqueFd notify_write_;
    std::uint64_t id_;

    mutable std::mutex mutex_;   // guards the four members below
    std::vector<pollfd> table_;  // slot 0: notify_read_; slot i+1 mirrors entries_[i]
    std::vector<Entry> entries_;
    std::unordered_map<int, std::size_t> index_;  // fd -> position in entries_
    std::uint32_t next_generation_ = 0;
    bool polling_ = false;  // a select() is inside poll(2) with a copy of the table

    std::atomic<bool> notified_{false};  // a byte is (about to be) in the pipe
    std::atomic<bool> has_waker_{false};
    std::atomic<bool> waker_installed_{false};
    std::atomic<bool> wake_pending_{false};
    std::atomic<std::size_t> waker_token_{0};

    // Owned by the one thread in select().
    std::vector<pollfd> scratch_;
    std::vector<std::uint32_t> scratch_generation_;
};

class Waker {
public:
    [[nodiscard]] static Result<std::unique_ptr<Waker>> create(
        const std::shared_ptr<Selector>& selector, Token token);
    explicit Waker(std::shared_ptr<Selector> selector) noexcept : selector_(std::move(selector)) {}
    [[nodiscard]] Result<void> wake() const { return selector_->wake(); }

private:
    std::shared_ptr<Selector> selector_;
};

}  // namespace mio::sys
