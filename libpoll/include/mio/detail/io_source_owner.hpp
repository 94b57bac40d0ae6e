#pragma once
// IoSourceOwner: the members every libpoll I/O type shares (the Source concept, try_io, the
// raw descriptor), written once. TcpStream, UdpSocket, UnixStream, pipe ends and the others
// derive from it publicly; it holds their IoSource.

#include <mio/export.hpp>
#include <utility>

#include <mio/detail/io_source.hpp>
#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio {
class Registry;

namespace detail {

class MIO_API IoSourceOwner {
public:
    /// The descriptor, still owned by this object. Do I/O on it through try_io(): I/O done on
    /// it directly bypasses the re-arming that the poll(2) backend needs.
    [[nodiscard]] int as_raw_fd() const noexcept { return io_.fd(); }

    /// Gives up the descriptor (deregistering it first from a backend that keeps user-space
    /// state, as destruction would). The object is left empty.
    [[nodiscard]] UniqueFd into_fd() && noexcept { return io_.release(); }

    /// Runs `f(fd)` (which returns a mio::Result) on the descriptor; a WouldBlock result
    /// re-arms the registration on backends that emulate edges (mio's `try_io`). For system
    /// calls libpoll does not wrap, e.g. sendfile or splice.
    /// Thread safety: as the object's own I/O calls.
    template <class F>
    auto try_io(F&& f) const {
        return io_.do_io(std::forward<F>(f));
    }

    /// The Source concept: call Registry::register_source / reregister_source /
    /// deregister_source rather than these. Errors: see Registry.
    [[nodiscard]] Result<void> register_with(const Registry& registry, Token token,
                                             Interest interest) {
        return io_.register_with(registry, token, interest);
    }
    [[nodiscard]] Result<void> reregister_with(const Registry& registry, Token token,
                                               Interest interest) {
        return io_.reregister_with(registry, token, interest);
    }
    [[nodiscard]] Result<void> deregister_from(const Registry& registry) {
        return io_.deregister_from(registry);
    }

protected:
    IoSourceOwner() noexcept = default;
    explicit IoSourceOwner(UniqueFd fd) noexcept : io_(std::move(fd)) {}

    IoSource io_;
};

}  // namespace detail
}  // namespace mio
