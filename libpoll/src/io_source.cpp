#include <mio/detail/io_source.hpp>
#include <mio/registry.hpp>

#include "sys/selector.hpp"

namespace mio::detail {

struct IoSource::EdgeState {
    std::shared_ptr<sys::Selector> selector;
    Token token;
};

IoSource::IoSource(IoSource&& other) noexcept
    : fd_(std::move(other.fd_)),
      interest_bits_(std::exchange(other.interest_bits_, 0)),
      selector_id_(std::exchange(other.selector_id_, 0)),
      edge_(std::exchange(other.edge_, nullptr)) {}

IoSource& IoSource::operator=(IoSource&& other) noexcept {
    if (this != &other) {
        forget_registration();
        fd_ = std::move(other.fd_);
        interest_bits_ = std::exchange(other.interest_bits_, 0);
        selector_id_ = std::exchange(other.selector_id_, 0);
        edge_ = std::exchange(other.edge_, nullptr);
    }
    return *this;
}

IoSource::~IoSource() {
    forget_registration();
}

UniqueFd IoSource::release() noexcept {
    forget_registration();
    return std::move(fd_);
}

void IoSource::forget_registration() noexcept {
    // Backends with user-space tables must drop the entry before the fd number is reused;
    // epoll forgets a closed fd by itself.
    if (edge_ && fd_.valid()) edge_->selector->forget_fd(fd_.get());
    delete std::exchange(edge_, nullptr);
    selector_id_ = 0;
    interest_bits_ = 0;
}

Result<void> IoSource::register_with(const Registry& registry, Token token, Interest interest) {
    if (selector_id_ != 0) return fail(Errc::already_registered);
    const auto& selector = registry.selector();
    if (auto r = selector->register_fd(fd_.get(), token, interest); !r) return r;
    selector_id_ = selector->id();
    interest_bits_ = interest.bits();
    if constexpr (sys::Selector::kEmulatesEdges) {
        edge_ = new EdgeState{selector, token};
    }
    return {};
}

Result<void> IoSource::reregister_with(const Registry& registry, Token token, Interest interest) {
    if (selector_id_ == 0) return fail(Errc::not_registered);
    const auto& selector = registry.selector();
    if (selector_id_ != selector->id()) return fail(Errc::registered_with_other_registry);
    if (auto r = selector->reregister_fd(fd_.get(), token, interest); !r) return r;
    if (edge_) edge_->token = token;
    interest_bits_ = interest.bits();
    return {};
}

Result<void> IoSource::deregister_from(const Registry& registry) {
    const auto& selector = registry.selector();
    if (selector_id_ == 0 || selector_id_ != selector->id()) return fail(Errc::not_registered);
    if (auto r = selector->deregister_fd(fd_.get()); !r) return r;
    delete std::exchange(edge_, nullptr);
    selector_id_ = 0;
    interest_bits_ = 0;
    return {};
}

void IoSource::rearm() const noexcept {
    if (const auto interest = Interest::from_bits(interest_bits_)) {
        edge_->selector->rearm_fd(fd_.get(), edge_->token, *interest);
    }
}

}  // namespace mio::detail
