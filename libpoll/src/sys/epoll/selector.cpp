#include <sys/epoll.h>

#include <climits>

#include <mio/event.hpp>

#include "../selector.hpp"
#include "../unix/syscall.hpp"

namespace mio::sys {
namespace {

std::uint32_t to_epoll(Interest interest) noexcept {
    std::uint32_t bits = EPOLLET;
    // EPOLLRDHUP so that a peer's FIN is reported as read_closed.
    if (interest.is_readable()) bits |= EPOLLIN | EPOLLRDHUP;
    if (interest.is_writable()) bits |= EPOLLOUT;
    if (interest.is_priority()) bits |= EPOLLPRI;
    return bits;
}

std::uint16_t from_epoll(std::uint32_t e) noexcept {
    std::uint16_t f = 0;
    if (e & (EPOLLIN | EPOLLPRI)) f |= Event::kReadable;
    if (e & EPOLLOUT) f |= Event::kWritable;
    if (e & EPOLLERR) f |= Event::kError;
    if ((e & EPOLLHUP) || ((e & EPOLLIN) && (e & EPOLLRDHUP))) f |= Event::kReadClosed;
    // EPOLLERR alone, or with EPOLLOUT, means the write side is gone too (mio 0.7.x).
    if ((e & EPOLLHUP) || ((e & EPOLLOUT) && (e & EPOLLERR)) || e == EPOLLERR)
        f |= Event::kWriteClosed;
    if (e & EPOLLPRI) f |= Event::kPriority;
    return f;
}

Result<void> control(int epfd, int op, int fd, Token token, Interest interest) {
    epoll_event ev{};
    ev.events = to_epoll(interest);
    ev.data.u64 = token.value;
    return check_void(::epoll_ctl(epfd, op, fd, &ev));
}

}  // namespace

Result<std::shared_ptr<Selector>> Selector::create() {
    auto fd = check(::epoll_create1(EPOLL_CLOEXEC));
    if (!fd) return fail(fd.error());
    return std::make_shared<Selector>(UniqueFd(*fd), next_selector_id());
}

Selector::Selector(UniqueFd epoll_fd, std::uint64_t id) noexcept
    : epoll_fd_(std::move(epoll_fd)), id_(id) {}

Result<void> Selector::select(Events& events, std::optional<std::chrono::nanoseconds> timeout) {
    events.clear();
    if (scratch_.size() < events.capacity()) scratch_.resize(events.capacity());
    const int max = events.capacity() > INT_MAX ? INT_MAX : static_cast<int>(events.capacity());
    const int n = ::epoll_wait(epoll_fd_.get(), scratch_.data(), max, timeout_to_ms(timeout));
    if (n < 0) return fail(last_os_error());
    for (int i = 0; i < n; ++i) {
        events.push(Event(Token{scratch_[i].data.u64}, from_epoll(scratch_[i].events)));
    }
    return {};
}

Result<void> Selector::register_fd(int fd, Token token, Interest interest) {
    return control(epoll_fd_.get(), EPOLL_CTL_ADD, fd, token, interest);
}

Result<void> Selector::reregister_fd(int fd, Token token, Interest interest) {
    return control(epoll_fd_.get(), EPOLL_CTL_MOD, fd, token, interest);
}

Result<void> Selector::deregister_fd(int fd) {
    return check_void(::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr));
}

}  // namespace mio::sys
