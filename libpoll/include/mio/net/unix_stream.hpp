#pragma once
// UnixStream: a non-blocking, connected Unix domain stream socket.

#include <cstddef>
#include <mio/export.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include <mio/detail/io_source_owner.hpp>
#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/io_slice.hpp>
#include <mio/net/shutdown.hpp>
#include <mio/net/unix_addr.hpp>
#include <mio/token.hpp>
#include <mio/unique_fd.hpp>

namespace mio {
class Registry;

namespace net {
class UnixListener;

/// A non-blocking AF_UNIX SOCK_STREAM socket (mio's `net::UnixStream`). Its descriptor is
/// non-blocking and close-on-exec from birth. Every I/O call goes through the registration's
/// re-arm path, so after a readiness event keep calling it until it returns WouldBlock.
/// Writes use MSG_NOSIGNAL: a closed peer is errc::broken_pipe, never SIGPIPE.
///
/// Thread safety: the I/O calls are const and may run concurrently from several threads (as
/// with `&UnixStream` in Rust); registration calls must not race with each other.
class MIO_API UnixStream : public detail::IoSourceOwner {
public:
    /// Starts connecting to the socket bound at `path`. The connection may still be in
    /// progress: register for writable and wait for the event (then check take_error()).
    /// Errors: those of UnixAddr::from_pathname (Errc::path_too_long, invalid_argument);
    /// the OS's connect error (ECONNREFUSED, ENOENT); errc::resource_unavailable_try_again
    /// (WouldBlock) if the listener's backlog is full.
    [[nodiscard]] static Result<UnixStream> connect(std::string_view path);
    /// Like connect(), to any UnixAddr (pathname or abstract). EINPROGRESS is success.
    /// Errors: the OS's connect error; errc::resource_unavailable_try_again if the backlog
    /// is full.
    [[nodiscard]] static Result<UnixStream> connect_addr(const UnixAddr& addr);
    /// Two connected, unnamed streams (socketpair).
    /// Errors: the OS error (EMFILE, ENFILE).
    [[nodiscard]] static Result<std::pair<UnixStream, UnixStream>> pair();
    /// Adopts `fd`, which must be an AF_UNIX SOCK_STREAM socket; its flags are not changed
    /// (make it non-blocking first).
    /// Errors (`fd` is closed): errc::not_a_socket for a pipe or file,
    /// errc::address_family_not_supported for a TCP socket, errc::wrong_protocol_type for a
    /// datagram socket, errc::bad_file_descriptor for a closed fd.
    [[nodiscard]] static Result<UnixStream> from_fd(UniqueFd fd);

    UnixStream(UnixStream&&) noexcept = default;
    UnixStream& operator=(UnixStream&&) noexcept = default;
    ~UnixStream() = default;

    /// Reads up to buf.size() bytes; 0 means end of stream (or an empty buffer).
    /// Errors: WouldBlock when no data is buffered; ECONNRESET; other OS errors.
    [[nodiscard]] Result<std::size_t> read(std::span<std::byte> buf) const;
    /// read() into characters.
    [[nodiscard]] Result<std::size_t> read(std::span<char> buf) const;
    /// Writes up to buf.size() bytes (possibly fewer); returns how many.
    /// Errors: WouldBlock when the send buffer is full; errc::broken_pipe after the peer
    /// closed or after shutdown(write).
    [[nodiscard]] Result<std::size_t> write(std::span<const std::byte> buf) const;
    /// write() of characters.
    [[nodiscard]] Result<std::size_t> write(std::string_view data) const;
    /// Scatter read (readv) into the buffers in order. Errors: as read().
    [[nodiscard]] Result<std::size_t> read_vectored(std::span<IoSliceMut> bufs) const;
    /// Gather write (sendmsg, MSG_NOSIGNAL) from the buffers in order. Errors: as write().
    [[nodiscard]] Result<std::size_t> write_vectored(std::span<const IoSlice> bufs) const;

    /// Shuts down one or both halves (see Shutdown). Errors: errc::not_connected.
    [[nodiscard]] Result<void> shutdown(Shutdown how) const;
    /// This end's address (unnamed unless the socket was bound before connecting).
    /// Errors: the OS error.
    [[nodiscard]] Result<UnixAddr> local_addr() const;
    /// The peer's address. Errors: errc::not_connected while not (yet) connected.
    [[nodiscard]] Result<UnixAddr> peer_addr() const;
    /// Reads and clears the pending socket error (SO_ERROR): std::nullopt if none.
    [[nodiscard]] Result<std::optional<std::error_code>> take_error() const;

private:
    friend class UnixListener;
    explicit UnixStream(UniqueFd fd) noexcept : IoSourceOwner(std::move(fd)) {}
};

}  // namespace net
}  // namespace mio
