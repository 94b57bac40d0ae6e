#pragma once
// The epoll backend (Linux): edge-triggered epoll, token in data.u64, eventfd waker.
// No per-fd state in user space, so IoSource needs no re-arming (kEmulatesEdges = false).

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mio/error.hpp>
#include <mio/events.hpp>
#include <mio/interest.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio::sys {

class Selector {
public:
    static constexpr bool kEmulatesEdges = false;

    [[nodiscard]] static Result<std::shared_ptr<Selector>> create();
    Selector(UniqueFd epoll_fd, std::uint64_t id) noexcept;

    [[nodiscard]] std::uint64_t id() const { return id_; }
    [[nodiscard]] Result<void> select(Events& events,
                                      std::optional<std::chrono::nanoseconds> timeout);
    [[nodiscard]] Result<void> register_fd(int fd, Token token, Interest interest);
    [[nodiscard]] Result<void> reregister_fd(int fd, Token token, Interest interest);
    [[nodiscard]] Result<void> deregister_fd(int fd);
    void rearm_fd(int, Token, Interest) noexcept {}
    void forget_fd(int) noexcept {}
    [[nodiscard]] bool claim_waker() noexcept { return !has_waker_.exchange(true); }
    void release_waker() noexcept { has_waker_.store(false); }
    [[nodiscard]] std::string describe() const {
        return "epoll { fd: " + std::to_string(epoll_fd_.get()) + " }";
    }

private:
    UniqueFd epoll_fd_;
    std::uint64_t id_;
    std::atomic<bool> has_waker_{false};
    std::vector<epoll_event> scratch_;  // used by select() only; grows to Events::capacity()
};

class Waker {
public:
    [[nodiscard]] static Result<std::unique_ptr<Waker>> create(
        const std::shared_ptr<Selector>& selector, Token token);
    explicit Waker(UniqueFd event_fd) noexcept : event_fd_(std::move(event_fd)) {}
    [[nodiscard]] Result<void> wake() const;

private:
    UniqueFd event_fd_;
};

}  // namespace mio::sys
