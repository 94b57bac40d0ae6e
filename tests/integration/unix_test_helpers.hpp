#pragma once
// Helpers shared by the Unix socket and pipe tests (after mio's checked_write!/expect_read!).

#include <unistd.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mio/error.hpp>

#include "test_util.hpp"

namespace mio::test::unix_helpers {

inline std::span<const std::byte> bytes(std::string_view s) {
    return std::as_bytes(std::span(s));
}

/// A name for Linux's abstract namespace that no other test (or test run) uses.
inline std::string unique_abstract_name(std::string_view what) {
    static int counter = 0;
    return "libpoll-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" +
           std::string(what);
}

/// A write of `data` must complete in one call (small writes on a fresh socket always do).
template <class W>
void checked_write(const W& writer, std::string_view data) {
    const std::size_t n = must(writer.write(data), "write");
    REQUIRE(n == data.size());
}

/// One read must return exactly `expected`.
template <class R>
void expect_read(const R& reader, std::string_view expected) {
    std::vector<char> buf(expected.size() + 64);
    const std::size_t n = must(reader.read(std::span<char>(buf)), "read");
    REQUIRE(std::string_view(buf.data(), n) == expected);
}

/// Reads until WouldBlock (re-arming edge-emulating backends); returns what was read.
/// Fails the test on end of stream or any other error.
template <class R>
std::string drain(const R& reader) {
    std::string out;
    char buf[4096];
    for (;;) {
        auto n = reader.read(std::span<char>(buf));
        if (!n && is_would_block(n.error())) return out;
        REQUIRE(n.has_value());
        REQUIRE(*n > 0);
        out.append(buf, *n);
    }
}

/// The error must be equivalent to `expected`.
template <class T>
void require_error(const Result<T>& r, std::errc expected) {
    REQUIRE_FALSE(r.has_value());
    INFO("error: " << r.error().message());
    REQUIRE(r.error() == expected);
}

}  // namespace mio::test::unix_helpers
