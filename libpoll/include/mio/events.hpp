#pragma once
// Events: the caller-owned, fixed-capacity buffer that Poll::poll fills.

#include <cstddef>
#include <memory>
#include <mio/export.hpp>
#include <string>

#include <mio/event.hpp>

namespace mio {
namespace sys {
class Selector;
}

/// A buffer of readiness events (mio's `Events`). The capacity is fixed at construction and
/// bounds how many events one poll returns; readiness beyond it stays queued for the next
/// poll. It allocates once, in the constructor, and never again.
///
/// Iterate with range-for: `for (const mio::Event& ev : events) ...`.
/// Thread safety: a plain value; not for concurrent mutation.
class MIO_API Events {
public:
    /// Allocates room for `capacity` events. A capacity of 0 is raised to 1 (epoll rejects 0).
    explicit Events(std::size_t capacity);
    Events(const Events&) = delete;
    Events& operator=(const Events&) = delete;
    Events(Events&&) noexcept = default;
    Events& operator=(Events&&) noexcept = default;
    ~Events() = default;

    [[nodiscard]] const Event* begin() const noexcept { return data_.get(); }
    [[nodiscard]] const Event* end() const noexcept { return data_.get() + size_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    /// Empties the buffer (Poll::poll does this itself before filling it).
    void clear() noexcept { size_ = 0; }

private:
    friend class sys::Selector;
    /// Appends one event; the backend checks that size() < capacity() first.
    void push(Event ev) noexcept { data_[size_++] = ev; }

    std::unique_ptr<Event[]> data_;
    std::size_t capacity_ = 0;
    std::size_t size_ = 0;
};

/// e.g. `Events { capacity: 1024, [Event { token: 1, readable }] }`: every event of the last
/// poll, for diagnostics and test failures (mio's Debug output). Thread safety: as reading.
[[nodiscard]] MIO_API std::string to_string(const Events& events);

}  // namespace mio
