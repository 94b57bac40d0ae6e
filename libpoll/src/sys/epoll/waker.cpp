#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "../selector.hpp"
#include "../unix/syscall.hpp"

namespace mio::sys {

Result<std::unique_ptr<Waker>> Waker::create(const std::shared_ptr<Selector>& selector,
                                             Token token) {
    auto fd = check(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!fd) return fail(fd.error());
    UniqueFd event_fd(*fd);
    // Registered edge-triggered for reading: each write is a new edge, several writes before
    // a poll coalesce into one event, and the counter never needs to be read.
    if (auto r = selector->register_fd(event_fd.get(), token, Interest::readable); !r) {
        return fail(r.error());
    }
    return std::make_unique<Waker>(std::move(event_fd));
}

Result<void> Waker::wake() const {
    const std::uint64_t one = 1;
    for (;;) {
        if (::write(event_fd_.get(), &one, sizeof one) >= 0) return {};
        const std::error_code ec = last_os_error();
        if (ec == std::errc::interrupted) continue;
        if (!is_would_block(ec)) return fail(ec);
        // The counter is about to overflow (it is never read otherwise): reset it and retry.
        std::uint64_t discard = 0;
        if (::read(event_fd_.get(), &discard, sizeof discard) < 0) {
            const std::error_code rec = last_os_error();
            if (!is_would_block(rec) && rec != std::errc::interrupted) return fail(rec);
        }
    }
}

}  // namespace mio::sys
