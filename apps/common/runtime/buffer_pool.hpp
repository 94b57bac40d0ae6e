#pragma once
// BufferPool, PooledBuffer, IoBuffer: the memory-bounded data path (memory stays below the
// configured budget whatever the peers do: a slow reader costs its own buffers, never more).
// Fixed-size buffers come from a pool with a budget; when it is exhausted, callers pause
// reading or accepting instead of growing.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace app {

class BufferPool;

/// A move-only handle on one pooled buffer; it goes back to the pool's free list when the
/// handle is destroyed or reset(). An empty handle (budget exhausted) is falsey.
/// The pool must outlive every handle. Thread safety: none (single event-loop thread).
class PooledBuffer {
public:
    PooledBuffer() noexcept = default;
    PooledBuffer(const PooledBuffer&) = delete;
    PooledBuffer& operator=(const PooledBuffer&) = delete;
    PooledBuffer(PooledBuffer&& other) noexcept;
    PooledBuffer& operator=(PooledBuffer&& other) noexcept;
    ~PooledBuffer() { reset(); }

    /// True if the handle holds a buffer.
    explicit operator bool() const noexcept { return data_ != nullptr; }
    /// The bytes (nullptr when empty).
    [[nodiscard]] std::byte* data() const noexcept { return data_; }
    /// The buffer's size (the pool's buffer_size), 0 when empty.
    [[nodiscard]] std::size_t size() const noexcept;
    [[nodiscard]] std::span<std::byte> span() const noexcept { return {data_, size()}; }
    /// Returns the buffer to its pool now; the handle becomes empty.
    void reset() noexcept;

private:
    friend class BufferPool;
    PooledBuffer(BufferPool* pool, std::byte* data, std::size_t size) noexcept
        : pool_(pool), data_(data) {
        (void)size;  // always the pool's buffer_size(): not stored, to keep handles small
    }

    BufferPool* pool_ = nullptr;
    std::byte* data_ = nullptr;
};

/// A budgeted pool of equal-sized byte buffers. Buffers are allocated on first demand (so an
/// unused budget costs no memory) and are never freed before the pool: once the pool has grown
/// to its working set, acquire/release do not allocate.
/// Thread safety: none (single event-loop thread).
class BufferPool {
public:
    /// A pool of at most `max_buffers` buffers of `buffer_size` bytes each.
    /// Errors: std::invalid_argument if buffer_size is 0; std::bad_alloc.
    BufferPool(std::size_t buffer_size, std::size_t max_buffers);
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;
    ~BufferPool();

    /// A buffer, or an empty handle when all max_buffers are in use (counted in
    /// exhausted_total()). Allocates only while the pool grows. Errors: std::bad_alloc.
    [[nodiscard]] PooledBuffer acquire();

    /// Counts one buffer of the budget as used without handing out memory, for memory held
    /// elsewhere on the pool's behalf (mio-proxy's splice pipes). False (counted in
    /// exhausted_total()) when the budget is exhausted. Undo with unreserve().
    [[nodiscard]] bool reserve() noexcept;
    /// Gives back one buffer taken with reserve().
    void unreserve() noexcept;

    /// Allocates `n` buffers now (at most max_buffers in all), e.g. at startup.
    /// Errors: std::bad_alloc.
    void preallocate(std::size_t n);

    [[nodiscard]] std::size_t buffer_size() const noexcept { return buffer_size_; }
    [[nodiscard]] std::size_t max_buffers() const noexcept { return max_buffers_; }
    /// Buffers currently handed out.
    [[nodiscard]] std::size_t in_use() const noexcept { return in_use_; }
    /// Buffers that acquire() can still hand out.
    [[nodiscard]] std::size_t available() const noexcept { return max_buffers_ - in_use_; }
    /// The budget in bytes: buffer_size * max_buffers.
    [[nodiscard]] std::size_t capacity_bytes() const noexcept {
        return buffer_size_ * max_buffers_;
    }
    /// Bytes actually allocated so far (grows up to capacity_bytes()).
    [[nodiscard]] std::size_t allocated_bytes() const noexcept {
        return buffer_size_ * owned_.size();
    }
    /// How many acquire() calls found the budget exhausted.
    [[nodiscard]] std::uint64_t exhausted_total() const noexcept { return exhausted_total_; }

private:
    friend class PooledBuffer;
    void give_back(std::byte* data) noexcept;

    std::size_t buffer_size_;
    std::size_t max_buffers_;
    std::size_t in_use_ = 0;
    std::uint64_t exhausted_total_ = 0;
    std::vector<std::unique_ptr<std::byte[]>> owned_;
    std::vector<std::byte*> free_;  // capacity max_buffers: pushing never allocates
};

inline std::size_t PooledBuffer::size() const noexcept {
    return pool_ != nullptr ? pool_->buffer_size() : 0;
}

/// A per-connection byte buffer over a pooled buffer, with read and write indices (muduo's
/// Buffer shape, fixed capacity):
///
///     [ consumed | readable: read_idx..write_idx | writable: write_idx..size ]
///
/// Read from a socket into writable_span() and commit(n); send readable_span() and consume(n).
/// When everything has been consumed both indices return to 0; compact() moves the unread bytes
/// to the front to reclaim the consumed prefix. The buffer is acquired lazily with ensure() and
/// can be given back when empty with release_if_empty(), so an idle connection holds none.
/// Thread safety: none (single event-loop thread).
class IoBuffer {
public:
    IoBuffer() noexcept = default;

    /// Makes sure a buffer is held, acquiring one from `pool` if needed. Returns false if none
    /// could be had (budget exhausted): pause reading until one is freed. Errors: std::bad_alloc.
    [[nodiscard]] bool ensure(BufferPool& pool);
    /// Gives the buffer back if nothing is left to read. Returns true if no buffer is held now.
    bool release_if_empty() noexcept;
    [[nodiscard]] bool has_buffer() const noexcept { return static_cast<bool>(buf_); }

    /// Space to read into (empty if no buffer is held or the buffer is full).
    [[nodiscard]] std::span<std::byte> writable_span() const noexcept;
    /// Marks `n` bytes of writable_span() as filled. Precondition: n <= writable_bytes().
    void commit(std::size_t n) noexcept;
    /// The bytes not yet consumed.
    [[nodiscard]] std::span<const std::byte> readable_span() const noexcept;
    /// Marks `n` readable bytes as consumed. Precondition: n <= readable_bytes().
    void consume(std::size_t n) noexcept;
    /// Moves the readable bytes to the front, so the writable space is as large as possible.
    void compact() noexcept;

    [[nodiscard]] std::size_t readable_bytes() const noexcept { return write_ - read_; }
    [[nodiscard]] std::size_t writable_bytes() const noexcept { return buf_.size() - write_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return buf_.size(); }
    /// Nothing to read.
    [[nodiscard]] bool empty() const noexcept { return read_ == write_; }
    /// No room to write, even after compact() (every byte is unread). False without a buffer.
    [[nodiscard]] bool full() const noexcept {
        return has_buffer() && readable_bytes() == capacity();
    }

private:
    PooledBuffer buf_;
    // 32-bit indices (buffers are at most 16 MiB) keep an IoBuffer at 24 bytes.
    std::uint32_t read_ = 0;
    std::uint32_t write_ = 0;
};

}  // namespace app
