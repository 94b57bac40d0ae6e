#pragma once
// Registry: registers, re-registers and deregisters sources with a Poll.

#include <memory>
#include <mio/export.hpp>
#include <string>

#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/source.hpp>
#include <mio/token.hpp>

namespace mio {
namespace sys {
class Selector;
}
namespace detail {
class IoSource;
}
namespace posix {
class SourceFd;
}
class Poll;
class Waker;

/// The half of a Poll that adds, changes and removes event sources (mio's `Registry`).
///
/// Every registration is edge-triggered: after an event, perform the operation until it
/// returns WouldBlock before relying on another event for that interest.
///
/// Rules, identical on every backend for libpoll's own I/O types:
/// - registering a source that is already registered (with this or any Registry) fails with
///   Errc::already_registered (== std::errc::file_exists);
/// - re-registering or deregistering a source that is not registered fails with
///   Errc::not_registered (== std::errc::no_such_file_or_directory);
/// - re-registering with a Registry of another Poll fails with
///   Errc::registered_with_other_registry; deregistering through one fails with not_registered.
/// SourceFd gets the OS's own answers (EEXIST / ENOENT on epoll, the same codes on poll(2)).
///
/// Deregister a source before destroying it. libpoll's own types clean up after themselves
/// when destroyed while registered, but a foreign fd behind a SourceFd that was dup'ed stays
/// in an epoll set until every duplicate is closed.
///
/// Thread safety: all member functions may be called from any thread, concurrently, including
/// while another thread is blocked in Poll::poll; a registration made then takes effect in
/// that same blocked call.
class MIO_API Registry {
public:
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;
    Registry(Registry&&) noexcept;
    Registry& operator=(Registry&&) noexcept;
    ~Registry();

    /// Starts monitoring `source` for `interest`; its events will carry `token`.
    /// Errors: see the class comment; otherwise the OS error (e.g. EPERM for a regular file
    /// on epoll, EBADF for a closed fd).
    template <Source S>
    [[nodiscard]] Result<void> register_source(S& source, Token token, Interest interest) const {
        return source.register_with(*this, token, interest);
    }

    /// Replaces the token and the interests of a registered source (not a union). Readiness
    /// that arose for interests no longer asked for is not delivered.
    /// Errors: see the class comment.
    template <Source S>
    [[nodiscard]] Result<void> reregister_source(S& source, Token token, Interest interest) const {
        return source.reregister_with(*this, token, interest);
    }

    /// Stops monitoring `source`. No event for it is returned by a poll that begins after this
    /// call returns, even if readiness was already pending. The source may be registered again
    /// later, with this same Poll.
    /// Errors: see the class comment.
    template <Source S>
    [[nodiscard]] Result<void> deregister_source(S& source) const {
        return source.deregister_from(*this);
    }

    /// Another handle on the same Poll, for use on another thread. Sources registered through
    /// either handle are reported by the one Poll.
    /// Errors: none on the current backends (kept fallible for backends that dup a handle).
    [[nodiscard]] Result<Registry> try_clone() const;

private:
    friend class Poll;
    friend class Waker;
    friend MIO_API std::string to_string(const Registry& registry);
    friend class detail::IoSource;
    friend class posix::SourceFd;

    explicit Registry(std::shared_ptr<sys::Selector> selector) noexcept;
    [[nodiscard]] const std::shared_ptr<sys::Selector>& selector() const noexcept {
        return selector_;
    }

    std::shared_ptr<sys::Selector> selector_;
};

/// e.g. `Registry { selector: epoll { fd: 3 } }`: the backend and its descriptors, for
/// diagnostics (mio's Debug output). Thread safety: may be called from any thread.
[[nodiscard]] MIO_API std::string to_string(const Registry& registry);

}  // namespace mio
