#include "runtime/stream_probe.hpp"

#include <algorithm>
#include <array>
#include <span>

namespace app {

mio::Result<void> StreamProbe::start(const mio::Registry& registry, const Endpoint& address,
                                     mio::Token token) {
    stop(registry);
    reply_.clear();
    sent_ = 0;
    connected_ = false;
    auto stream = connect_stream(address);
    if (!stream) return mio::fail(stream.error());
    stream_.emplace(std::move(*stream));
    if (auto r = registry.register_source(*stream_, token,
                                          mio::Interest::readable | mio::Interest::writable);
        !r) {
        stream_.reset();
        return r;
    }
    return {};
}

std::optional<std::string> StreamProbe::on_event(const ProbeScript& script) {
    if (!stream_) return std::nullopt;
    if (!connected_) {
        const ConnectOutcome outcome = connect_outcome(*stream_);
        if (outcome.state == ConnectOutcome::State::in_progress) return std::nullopt;
        if (outcome.state == ConnectOutcome::State::failed) return outcome.error.message();
        connected_ = true;
    }
    return exchange(script);
}

std::optional<std::string> StreamProbe::exchange(const ProbeScript& script) {
    while (sent_ < script.send.size()) {
        auto n = stream_->write(std::as_bytes(std::span(script.send)).subspan(sent_));
        if (!n) {
            if (mio::is_would_block(n.error())) return std::nullopt;
            return n.error().message();
        }
        sent_ += *n;
    }
    if (script.expect.empty()) return std::string();
    std::array<std::byte, 512> buf;
    for (;;) {
        auto n = stream_->read(buf);
        if (!n) {
            if (mio::is_would_block(n.error())) return std::nullopt;
            return n.error().message();
        }
        if (*n == 0) return std::string("closed before the expected reply");
        reply_.append(reinterpret_cast<const char*>(buf.data()), *n);
        const std::size_t m = std::min(reply_.size(), script.expect.size());
        if (reply_.compare(0, m, script.expect, 0, m) != 0) return std::string("unexpected reply");
        if (reply_.size() >= script.expect.size()) return std::string();
    }
}

void StreamProbe::stop(const mio::Registry& registry) noexcept {
    if (!stream_) return;
    // Closed next, so the registration goes either way: a failure here changes nothing.
    (void)registry.deregister_source(*stream_);
    stream_.reset();
}

}  // namespace app
