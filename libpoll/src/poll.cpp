#include <mio/poll.hpp>

#include "sys/selector.hpp"

namespace mio {

Result<Poll> Poll::create() {
    auto selector = sys::Selector::create();
    if (!selector) return fail(selector.error());
    return Poll(std::unique_ptr<Registry>(new Registry(std::move(*selector))));
}

Poll::Poll(std::unique_ptr<Registry> registry) noexcept : registry_(std::move(registry)) {}
Poll::Poll(Poll&&) noexcept = default;
Poll& Poll::operator=(Poll&&) noexcept = default;
Poll::~Poll() = default;

Result<void> Poll::poll(Events& events, std::optional<std::chrono::nanoseconds> timeout) {
    return registry_->selector()->select(events, timeout);
}

std::string to_string(const Poll& poll) {
    if (!poll.registry_) return "Poll { (moved from) }";
    return "Poll { registry: " + to_string(*poll.registry_) + " }";
}

}  // namespace mio
