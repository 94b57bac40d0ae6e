#include <mio/posix/source_fd.hpp>
#include <mio/registry.hpp>

#include "sys/selector.hpp"

namespace mio::posix {

Result<void> SourceFd::register_with(const Registry& registry, Token token, Interest interest) {
    return registry.selector()->register_fd(fd_, token, interest);
}

Result<void> SourceFd::reregister_with(const Registry& registry, Token token, Interest interest) {
    return registry.selector()->reregister_fd(fd_, token, interest);
}

Result<void> SourceFd::deregister_from(const Registry& registry) {
    return registry.selector()->deregister_fd(fd_);
}

}  // namespace mio::posix
