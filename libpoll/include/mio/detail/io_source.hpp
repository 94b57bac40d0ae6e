#pragma once
// IoSource: the owned descriptor and registration state inside every libpoll I/O type.
// Not part of the public API; net::TcpStream and friends hold one and forward to it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mio/export.hpp>
#include <type_traits>
#include <utility>

#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio {
class Registry;
namespace sys {
class Selector;
}

namespace detail {

/// Owns an fd and remembers which Poll it is registered with, so that every backend gives the
/// same errors for misuse, and so that backends which emulate edges (poll(2)) can re-arm the
/// registration when an operation made through do_io() returns WouldBlock.
class MIO_API IoSource {
public:
    IoSource() noexcept = default;
    explicit IoSource(UniqueFd fd) noexcept : fd_(std::move(fd)) {}
    IoSource(const IoSource&) = delete;
    IoSource& operator=(const IoSource&) = delete;
    IoSource(IoSource&& other) noexcept;
    IoSource& operator=(IoSource&& other) noexcept;
    /// Removes any registration the backend keeps in user space, then closes the fd.
    ~IoSource();

    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    /// Gives up the fd (deregistering first, as the destructor would).
    [[nodiscard]] UniqueFd release() noexcept;

    [[nodiscard]] Result<void> register_with(const Registry& registry, Token token,
                                             Interest interest);
    [[nodiscard]] Result<void> reregister_with(const Registry& registry, Token token,
                                               Interest interest);
    [[nodiscard]] Result<void> deregister_from(const Registry& registry);

    /// Runs `io(fd)`, which returns a Result; if it failed with WouldBlock, re-arms the
    /// registration on backends that need it. Every I/O call of a libpoll type goes through
    /// here; user code reaches it through each type's try_io().
    template <class F>
    auto do_io(F&& io) const -> std::invoke_result_t<F, int> {
        auto result = std::forward<F>(io)(fd_.get());
        if (!result && edge_ && is_would_block(result.error())) rearm();
        return result;
    }

    /// do_io() for a byte-stream transfer of `requested` bytes (read/write on a stream socket or
    /// a pipe): a transfer that moved some but fewer bytes than requested re-arms as well, since
    /// it emptied the receive queue (read) or filled the send buffer (write) just as a
    /// WouldBlock would have shown. This is what lets callers stop at a short transfer.
    template <class F>
    Result<std::size_t> do_transfer(std::size_t requested, F&& io) const {
        Result<std::size_t> result = std::forward<F>(io)(fd_.get());
        if (edge_ &&
            (result ? (*result > 0 && *result < requested) : is_would_block(result.error()))) {
            rearm();
        }
        return result;
    }

private:
    void rearm() const noexcept;
    void forget_registration() noexcept;

    struct EdgeState;  // defined in io_source.cpp

    UniqueFd fd_;
    std::uint8_t interest_bits_ = 0;  // 0 while not registered
    std::uint64_t selector_id_ = 0;   // 0 while not registered; process-unique per Poll
    // Only on backends that keep per-fd state in user space (poll(2)): the selector (kept
    // alive for re-arming and for removing the entry when this source is destroyed) and the
    // token. Null on epoll, so a socket there costs 24 bytes.
    // Owned (released in io_source.cpp); a raw pointer so that the inline constructors need
    // no definition of EdgeState.
    EdgeState* edge_ = nullptr;
};

}  // namespace detail
}  // namespace mio
