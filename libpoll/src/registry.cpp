#include <mio/registry.hpp>

#include "sys/selector.hpp"

namespace mio {

Registry::Registry(std::shared_ptr<sys::Selector> selector) noexcept
    : selector_(std::move(selector)) {}
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;
Registry::~Registry() = default;

Result<Registry> Registry::try_clone() const {
    // Every backend's Selector is safe to share between threads, so a clone shares it (and
    // with it the selector id used by the association checks and the one-Waker flag).
    return Registry(selector_);
}

std::string to_string(const Registry& registry) {
    if (!registry.selector_) return "Registry { (moved from) }";
    return "Registry { selector: " + registry.selector_->describe() + " }";
}

}  // namespace mio
