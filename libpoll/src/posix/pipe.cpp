#include <mio/posix/pipe.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "sys/unix/socket.hpp"
#include "sys/unix/syscall.hpp"

namespace mio::posix {
namespace {

// `fd` back if it is a pipe or FIFO open in `access` direction (O_RDONLY or O_WRONLY).
Result<UniqueFd> adopt_pipe_end(UniqueFd fd, int access) noexcept {
    struct stat st {};
    if (auto r = sys::check_void(::fstat(fd.get(), &st)); !r) return fail(r.error());
    if (!S_ISFIFO(st.st_mode)) return fail(std::errc::invalid_argument);
    auto flags = sys::check(::fcntl(fd.get(), F_GETFL));
    if (!flags) return fail(flags.error());
    const int mode = *flags & O_ACCMODE;
    if (mode != access && mode != O_RDWR) return fail(std::errc::bad_file_descriptor);
    return fd;
}

Result<std::size_t> writev_fd(int fd, std::span<const IoSlice> bufs) noexcept {
    const int count = static_cast<int>(std::min<std::size_t>(bufs.size(), IOV_MAX));
    const auto* iov = reinterpret_cast<const iovec*>(bufs.data());
    return sys::retry_io([&] { return ::writev(fd, iov, count); });
}

}  // namespace

Result<std::pair<Sender, Receiver>> pipe() {
    int fds[2];
    if (auto r = sys::check_void(::pipe2(fds, O_NONBLOCK | O_CLOEXEC)); !r) return fail(r.error());
    return std::pair{Sender(UniqueFd(fds[1])), Receiver(UniqueFd(fds[0]))};
}

Result<Sender> Sender::from_fd(UniqueFd fd) {
    auto adopted = adopt_pipe_end(std::move(fd), O_WRONLY);
    if (!adopted) return fail(adopted.error());
    return Sender(std::move(*adopted));
}

Result<std::size_t> Sender::write(std::span<const std::byte> buf) const {
    return io_.do_transfer(buf.size(), [buf](int fd) { return sys::write(fd, buf); });
}

Result<std::size_t> Sender::write(std::string_view data) const {
    return write(std::as_bytes(std::span(data)));
}

Result<std::size_t> Sender::write_vectored(std::span<const IoSlice> bufs) const {
    return io_.do_transfer(total_size(bufs), [bufs](int fd) { return writev_fd(fd, bufs); });
}

Result<void> Sender::set_nonblocking(bool nonblocking) const {
    return sys::set_nonblocking(io_.fd(), nonblocking);
}

Result<Receiver> Receiver::from_fd(UniqueFd fd) {
    auto adopted = adopt_pipe_end(std::move(fd), O_RDONLY);
    if (!adopted) return fail(adopted.error());
    return Receiver(std::move(*adopted));
}

Result<std::size_t> Receiver::read(std::span<std::byte> buf) const {
    return io_.do_transfer(buf.size(), [buf](int fd) { return sys::read(fd, buf); });
}

Result<std::size_t> Receiver::read(std::span<char> buf) const {
    return read(std::as_writable_bytes(buf));
}

Result<std::size_t> Receiver::read_vectored(std::span<IoSliceMut> bufs) const {
    return io_.do_transfer(total_size(bufs),
                           [bufs](int fd) { return sys::read_vectored(fd, bufs); });
}

Result<void> Receiver::set_nonblocking(bool nonblocking) const {
    return sys::set_nonblocking(io_.fd(), nonblocking);
}

}  // namespace mio::posix
