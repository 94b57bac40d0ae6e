#pragma once
// SourceFd: registers a file descriptor that libpoll does not own.

#include <mio/error.hpp>
#include <mio/export.hpp>
#include <mio/interest.hpp>
#include <mio/token.hpp>

namespace mio {
class Registry;

namespace posix {

/// Adapts a foreign fd (owned elsewhere, never closed by libpoll) to the Source concept
/// (mio's `unix::SourceFd`; the namespace is `posix` because
/// `unix` is a predefined macro under -std=gnu++NN). Build it right where it is registered:
///
///     mio::posix::SourceFd source{fd};
///     auto registered = registry.register_source(source, token, Interest::readable);
///
/// It keeps no state, so the OS's own rules apply: on epoll, registering twice gives EEXIST
/// and deregistering an unknown fd ENOENT; the poll(2) backend answers the same codes.
/// On the poll(2) backend a SourceFd gets one event per interest and then nothing until it is
/// re-registered, because libpoll never sees the I/O done on it (use a libpoll type, or
/// reregister_source after WouldBlock).
class MIO_API SourceFd {
public:
    explicit SourceFd(int fd) noexcept : fd_(fd) {}
    [[nodiscard]] int fd() const noexcept { return fd_; }

    [[nodiscard]] Result<void> register_with(const Registry& registry, Token token,
                                             Interest interest);
    [[nodiscard]] Result<void> reregister_with(const Registry& registry, Token token,
                                               Interest interest);
    [[nodiscard]] Result<void> deregister_from(const Registry& registry);

private:
    int fd_;
};

}  // namespace posix
}  // namespace mio
