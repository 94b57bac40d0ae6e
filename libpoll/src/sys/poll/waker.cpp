#include "../selector.hpp"

namespace mio::sys {

Result<std::unique_ptr<Waker>> Waker::create(const std::shared_ptr<Selector>& selector,
                                             Token token) {
    // The waker needs no descriptor of its own: it shares the selector's notification pipe
    // and a pending flag, and select() synthesises the readable event with its token.
    selector->install_waker(token);
    return std::make_unique<Waker>(selector);
}

}  // namespace mio::sys
