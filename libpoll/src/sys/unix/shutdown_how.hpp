#pragma once
// Shutdown -> SHUT_RD / SHUT_WR / SHUT_RDWR.

#include <sys/socket.h>

#include <mio/net/shutdown.hpp>

namespace mio::sys {

[[nodiscard]] constexpr int to_shut_how(net::Shutdown how) noexcept {
    switch (how) {
        case net::Shutdown::read:
            return SHUT_RD;
        case net::Shutdown::write:
            return SHUT_WR;
        case net::Shutdown::both:
            break;
    }
    return SHUT_RDWR;
}

}  // namespace mio::sys
