#include "runtime/buffer_pool.hpp"

#include <cassert>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace app {

PooledBuffer::PooledBuffer(PooledBuffer&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), data_(std::exchange(other.data_, nullptr)) {}

PooledBuffer& PooledBuffer::operator=(PooledBuffer&& other) noexcept {
    if (this != &other) {
        reset();
        pool_ = std::exchange(other.pool_, nullptr);
        data_ = std::exchange(other.data_, nullptr);
    }
    return *this;
}

void PooledBuffer::reset() noexcept {
    if (data_ != nullptr) pool_->give_back(data_);
    pool_ = nullptr;
    data_ = nullptr;
}

BufferPool::BufferPool(std::size_t buffer_size, std::size_t max_buffers)
    : buffer_size_(buffer_size), max_buffers_(max_buffers) {
    if (buffer_size == 0) throw std::invalid_argument("BufferPool: buffer_size must be > 0");
    owned_.reserve(max_buffers);
    free_.reserve(max_buffers);
}

BufferPool::~BufferPool() {
    // Handles must not outlive the pool; their buffers would dangle.
    assert(in_use_ == 0 && "PooledBuffer outlived its BufferPool");
}

PooledBuffer BufferPool::acquire() {
    if (in_use_ == max_buffers_) {
        ++exhausted_total_;
        return {};
    }
    if (free_.empty()) preallocate(1);
    std::byte* data = free_.back();
    free_.pop_back();
    ++in_use_;
    return PooledBuffer(this, data, buffer_size_);
}

bool BufferPool::reserve() noexcept {
    if (in_use_ == max_buffers_) {
        ++exhausted_total_;
        return false;
    }
    ++in_use_;
    return true;
}

void BufferPool::unreserve() noexcept {
    assert(in_use_ > 0 && "unreserve() without reserve()");
    --in_use_;
}

void BufferPool::preallocate(std::size_t n) {
    for (; n > 0 && owned_.size() < max_buffers_; --n) {
        owned_.push_back(std::make_unique_for_overwrite<std::byte[]>(buffer_size_));
        free_.push_back(owned_.back().get());
    }
}

void BufferPool::give_back(std::byte* data) noexcept {
    free_.push_back(data);  // capacity reserved in the constructor: cannot throw
    --in_use_;
}

bool IoBuffer::ensure(BufferPool& pool) {
    if (!buf_) buf_ = pool.acquire();
    return static_cast<bool>(buf_);
}

bool IoBuffer::release_if_empty() noexcept {
    if (empty()) {
        buf_.reset();
        read_ = write_ = 0;
    }
    return !buf_;
}

std::span<std::byte> IoBuffer::writable_span() const noexcept {
    if (!buf_) return {};
    return buf_.span().subspan(write_);
}

void IoBuffer::commit(std::size_t n) noexcept {
    assert(n <= writable_bytes());
    write_ += static_cast<std::uint32_t>(n);
}

std::span<const std::byte> IoBuffer::readable_span() const noexcept {
    if (!buf_) return {};
    return buf_.span().subspan(read_, write_ - read_);
}

void IoBuffer::consume(std::size_t n) noexcept {
    assert(n <= readable_bytes());
    read_ += static_cast<std::uint32_t>(n);
    if (read_ == write_) read_ = write_ = 0;  // drained: the whole buffer is writable again
}

void IoBuffer::compact() noexcept {
    if (read_ == 0) return;
    const std::size_t n = readable_bytes();
    if (n > 0) std::memmove(buf_.data(), buf_.data() + read_, n);
    read_ = 0;
    write_ = static_cast<std::uint32_t>(n);
}

}  // namespace app
