#include <mio/unique_fd.hpp>

#include <unistd.h>

namespace mio {

void UniqueFd::reset(int fd) noexcept {
    const int old = std::exchange(fd_, fd);
    // close() is not retried on EINTR: on Linux the descriptor is released regardless, and a
    // retry could close a descriptor another thread has just been given.
    if (old >= 0) ::close(old);
}

}  // namespace mio
