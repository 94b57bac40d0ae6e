#include <mio/waker.hpp>

#include <utility>

#include "sys/selector.hpp"

namespace mio {

Result<Waker> Waker::create(const Registry& registry, Token token) {
    const auto& selector = registry.selector();
    if (!selector->claim_waker()) return fail(Errc::waker_exists);
    auto impl = sys::Waker::create(selector, token);
    if (!impl) {
        selector->release_waker();
        return fail(impl.error());
    }
    return Waker(selector, std::move(*impl));
}

Waker::Waker(std::shared_ptr<sys::Selector> selector, std::unique_ptr<sys::Waker> impl) noexcept
    : selector_(std::move(selector)), impl_(std::move(impl)) {}

Waker::Waker(Waker&& other) noexcept
    : selector_(std::move(other.selector_)), impl_(std::move(other.impl_)) {}

Waker& Waker::operator=(Waker&& other) noexcept {
    if (this != &other) {
        reset();
        selector_ = std::move(other.selector_);
        impl_ = std::move(other.impl_);
    }
    return *this;
}

Waker::~Waker() {
    reset();
}

void Waker::reset() noexcept {
    impl_.reset();  // first close the wake mechanism, then allow a new Waker
    if (selector_) selector_->release_waker();
    selector_.reset();
}

Result<void> Waker::wake() const {
    if (!impl_) return fail(std::errc::bad_file_descriptor);  // moved-from
    return impl_->wake();
}

std::string to_string(const Waker& waker) {
    if (!waker.selector_) return "Waker { (moved from) }";
    return "Waker { selector: " + waker.selector_->describe() + " }";
}

}  // namespace mio
