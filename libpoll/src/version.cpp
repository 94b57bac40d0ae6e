#include <mio/version.hpp>

namespace mio {

std::string_view version() noexcept {
    return LIBPOLL_VERSION_STRING;
}
std::string_view backend_name() noexcept {
    return LIBPOLL_BACKEND_NAME;
}

}  // namespace mio
