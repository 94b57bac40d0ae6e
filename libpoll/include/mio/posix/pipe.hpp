#pragma once
// pipe(): a non-blocking Unix pipe as a Sender (write end) and a Receiver (read end).

#include <cstddef>
#include <mio/export.hpp>
#include <span>
#include <string_view>
#include <utility>

#include <mio/detail/io_source_owner.hpp>
#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/io_slice.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio {
class Registry;

namespace posix {

/// The write end of a pipe (mio's `unix::pipe::Sender`). Register it for writable. Every
/// write goes through the registration's re-arm path. The Receiver sees read_closed once
/// every Sender is gone; a Sender sees write_closed (and error) once the Receiver is gone.
///
/// Thread safety: the writes are const and may run concurrently; registration calls must not
/// race with each other.
class MIO_API Sender : public detail::IoSourceOwner {
public:
    /// Adopts the write end of a pipe or FIFO, e.g. a child process's stdin. Its flags are
    /// not changed: call set_nonblocking(true) before using it with a Poll.
    /// Errors (`fd` is closed): errc::invalid_argument if `fd` is not a pipe or FIFO;
    /// errc::bad_file_descriptor if it is closed or not open for writing.
    [[nodiscard]] static Result<Sender> from_fd(UniqueFd fd);

    Sender(Sender&&) noexcept = default;
    Sender& operator=(Sender&&) noexcept = default;
    ~Sender() = default;

    /// Writes up to buf.size() bytes; returns how many (writes of at most PIPE_BUF bytes are
    /// atomic). Errors: WouldBlock when the pipe is full; errc::broken_pipe when the read end
    /// is closed. SIGPIPE: such a write also raises SIGPIPE, which kills the process unless
    /// the signal is ignored or handled. libpoll never changes signal dispositions: a program
    /// that may write to a pipe whose reader can exit should set SIGPIPE to SIG_IGN.
    [[nodiscard]] Result<std::size_t> write(std::span<const std::byte> buf) const;
    /// write() of characters (same errors, same SIGPIPE caveat).
    [[nodiscard]] Result<std::size_t> write(std::string_view data) const;
    /// Gather write (writev) from the buffers in order (same errors, same SIGPIPE caveat).
    [[nodiscard]] Result<std::size_t> write_vectored(std::span<const IoSlice> bufs) const;
    /// Sets or clears O_NONBLOCK on the pipe's open file description (shared with every dup
    /// of it, e.g. a child's copy). Errors: the OS error.
    [[nodiscard]] Result<void> set_nonblocking(bool nonblocking) const;

private:
    friend Result<std::pair<Sender, class Receiver>> pipe();
    explicit Sender(UniqueFd fd) noexcept : IoSourceOwner(std::move(fd)) {}
};

/// The read end of a pipe (mio's `unix::pipe::Receiver`). Register it for readable; a read
/// returning 0 (and a read_closed event) means every Sender is gone.
///
/// Thread safety: the reads are const and may run concurrently; registration calls must not
/// race with each other.
class MIO_API Receiver : public detail::IoSourceOwner {
public:
    /// Adopts the read end of a pipe or FIFO, e.g. a child process's stdout or stderr. Its
    /// flags are not changed: call set_nonblocking(true) before using it with a Poll.
    /// Errors (`fd` is closed): errc::invalid_argument if `fd` is not a pipe or FIFO;
    /// errc::bad_file_descriptor if it is closed or not open for reading.
    [[nodiscard]] static Result<Receiver> from_fd(UniqueFd fd);

    Receiver(Receiver&&) noexcept = default;
    Receiver& operator=(Receiver&&) noexcept = default;
    ~Receiver() = default;

    /// Reads up to buf.size() bytes; 0 means every write end is closed (or an empty buffer).
    /// Errors: WouldBlock when the pipe is empty; other OS errors.
    [[nodiscard]] Result<std::size_t> read(std::span<std::byte> buf) const;
    /// read() into characters.
    [[nodiscard]] Result<std::size_t> read(std::span<char> buf) const;
    /// Scatter read (readv) into the buffers in order. Errors: as read().
    [[nodiscard]] Result<std::size_t> read_vectored(std::span<IoSliceMut> bufs) const;
    /// Sets or clears O_NONBLOCK on the pipe's open file description. Errors: the OS error.
    [[nodiscard]] Result<void> set_nonblocking(bool nonblocking) const;

private:
    friend Result<std::pair<Sender, Receiver>> pipe();
    explicit Receiver(UniqueFd fd) noexcept : IoSourceOwner(std::move(fd)) {}
};

/// Creates a pipe whose two ends are non-blocking and close-on-exec (pipe2), returned in
/// mio's order: the write end (Sender) first, then the read end (Receiver).
/// Errors: the OS error (EMFILE, ENFILE).
[[nodiscard]] MIO_API Result<std::pair<Sender, Receiver>> pipe();

}  // namespace posix
}  // namespace mio
