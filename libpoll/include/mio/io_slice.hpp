#pragma once
// IoSlice / IoSliceMut: one buffer of a vectored (scatter/gather) read or write.

#include <cstddef>
#include <mio/export.hpp>
#include <span>
#include <string_view>

namespace mio {

/// A read-only buffer for write_vectored (mio's `IoSlice`). On Unix it has the layout of
/// `struct iovec`, so a span of them goes to writev/sendmsg without copying.
struct MIO_API IoSlice {
    const void* data = nullptr;
    std::size_t size = 0;

    IoSlice() = default;
    IoSlice(const void* d, std::size_t n) noexcept : data(d), size(n) {}
    IoSlice(std::span<const std::byte> s) noexcept : data(s.data()), size(s.size()) {}
    IoSlice(std::string_view s) noexcept : data(s.data()), size(s.size()) {}
};

/// A writable buffer for read_vectored (mio's `IoSliceMut`); `struct iovec` layout on Unix.
struct MIO_API IoSliceMut {
    void* data = nullptr;
    std::size_t size = 0;

    IoSliceMut() = default;
    IoSliceMut(void* d, std::size_t n) noexcept : data(d), size(n) {}
    IoSliceMut(std::span<std::byte> s) noexcept : data(s.data()), size(s.size()) {}
};

/// The number of bytes the slices cover.
[[nodiscard]] inline std::size_t total_size(std::span<const IoSlice> slices) noexcept {
    std::size_t n = 0;
    for (const IoSlice& s : slices)
        n += s.size;
    return n;
}
[[nodiscard]] inline std::size_t total_size(std::span<const IoSliceMut> slices) noexcept {
    std::size_t n = 0;
    for (const IoSliceMut& s : slices)
        n += s.size;
    return n;
}

}  // namespace mio
