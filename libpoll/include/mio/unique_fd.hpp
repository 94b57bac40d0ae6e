#pragma once
// UniqueFd: the move-only owner of one Unix file descriptor (Rust's OwnedFd).

#include <mio/export.hpp>
#include <utility>

namespace mio {

/// Owns a file descriptor and closes it exactly once. -1 means "owns nothing".
/// Thread safety: like an int; distinct objects may be used from distinct threads.
class MIO_API UniqueFd {
public:
    UniqueFd() noexcept = default;
    /// Takes ownership of `fd` (which may be -1).
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    ~UniqueFd() { reset(); }

    /// The descriptor, still owned by this object (-1 if none).
    [[nodiscard]] int get() const noexcept { return fd_; }
    /// True if a descriptor is owned.
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }
    /// Gives up ownership without closing; returns the descriptor.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
    /// Closes the owned descriptor (never retrying on EINTR: Linux closes it anyway) and
    /// takes ownership of `fd`.
    void reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

}  // namespace mio
