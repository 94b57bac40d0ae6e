#include "admin/admin_conn.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <mio/net/shutdown.hpp>
#include <mio/registry.hpp>

#include "admin/http.hpp"
#include "runtime/retry.hpp"

namespace app {

AdminConn::AdminConn(mio::net::TcpStream stream, Clock::time_point deadline,
                     const AdminConnLimits& limits) noexcept
    : stream_(std::move(stream)), deadline_(deadline), limits_(limits) {}

mio::Result<void> AdminConn::register_with(const mio::Registry& registry, mio::Token token) {
    return registry.register_source(stream_, token, interest_);
}

mio::Result<void> AdminConn::deregister_from(const mio::Registry& registry) {
    return registry.deregister_source(stream_);
}

AdminConn::Step AdminConn::advance(const mio::Registry& registry, mio::Token token) {
    switch (state_) {
        case State::reading:
            return read_request();
        case State::responding:
            return Step::need_response;
        case State::writing:
            return write_response(registry, token);
        case State::lingering:
            return linger();
    }
    return Step::close;
}

void AdminConn::respond(std::string bytes) {
    out_ = std::move(bytes);
    written_ = 0;
    state_ = State::writing;
}

AdminConn::Step AdminConn::read_request() {
    std::array<char, 2048> buf{};
    for (;;) {
        const auto n = retry_on_eintr([&] { return stream_.read(std::span<char>(buf)); });
        if (!n) {
            return mio::is_would_block(n.error()) ? Step::wait : Step::close;
        }
        if (*n == 0) {
            if (in_.empty()) return Step::close;  // connected and left: nothing to answer
            error_status_ = 400;                  // the head was cut short
            state_ = State::responding;
            return Step::need_response;
        }
        in_.append(buf.data(), *n);
        const auto end = http::find_head_end(in_);
        if (end && *end <= limits_.max_head_bytes) {
            head_len_ = *end;
        } else if (end || in_.size() > limits_.max_head_bytes) {
            error_status_ = 431;
        } else {
            continue;
        }
        state_ = State::responding;
        return Step::need_response;
    }
}

AdminConn::Step AdminConn::write_response(const mio::Registry& registry, mio::Token token) {
    while (written_ < out_.size()) {
        const auto n =
            retry_on_eintr([&] { return stream_.write(std::string_view(out_).substr(written_)); });
        if (!n) {
            if (!mio::is_would_block(n.error())) return Step::close;
            return set_interest(registry, token, mio::Interest::writable) ? Step::wait
                                                                          : Step::close;
        }
        written_ += *n;
    }
    // All sent: FIN, then read what the client still sends until it closes.
    if (!stream_.shutdown(mio::net::Shutdown::write)) return Step::close;
    state_ = State::lingering;
    deadline_ = std::min(deadline_, Clock::now() + limits_.linger_timeout);
    in_.clear();
    in_.shrink_to_fit();
    if (!set_interest(registry, token, mio::Interest::readable)) return Step::close;
    return linger();
}

AdminConn::Step AdminConn::linger() {
    std::array<char, 2048> buf{};
    for (;;) {
        const auto n = retry_on_eintr([&] { return stream_.read(std::span<char>(buf)); });
        if (!n) {
            return mio::is_would_block(n.error()) ? Step::wait : Step::close;
        }
        discarded_ += *n;
        if (*n == 0 || discarded_ > limits_.max_linger_bytes) return Step::close;
    }
}

bool AdminConn::set_interest(const mio::Registry& registry, mio::Token token,
                             mio::Interest interest) {
    if (interest == interest_) return true;
    interest_ = interest;
    return registry.reregister_source(stream_, token, interest).has_value();
}

}  // namespace app
