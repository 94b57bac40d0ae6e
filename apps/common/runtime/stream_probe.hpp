#pragma once
// StreamProbe: one active check of a stream server (TCP or Unix): connect, send a request,
// expect a reply that starts with given bytes. mio-proxy's health checks run one per server;
// the caller owns the schedule and the timeout (a timer), the probe only the exchange.
//
// The connect is judged exactly as a tunnel's (connect_outcome): a refused or unreachable
// server fails the probe on the event that reports it, not at the timeout.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <mio/error.hpp>
#include <mio/registry.hpp>
#include <mio/token.hpp>

#include "config/endpoint.hpp"
#include "runtime/stream.hpp"

namespace app {

/// What a probe sends and expects. Both may be empty: then a completed connect passes.
struct ProbeScript {
    std::string_view send;    ///< written once connected ("" = nothing)
    std::string_view expect;  ///< the reply must start with it ("" = do not read)
};

/// Thread safety: none (the event-loop thread).
class StreamProbe {
public:
    /// Starts connecting to `address` and registers the stream with `token` for readable and
    /// writable. Errors: the connect's or the registration's error: the probe failed at once
    /// (nothing is left registered).
    [[nodiscard]] mio::Result<void> start(const mio::Registry& registry, const Endpoint& address,
                                          mio::Token token);

    /// Advances the exchange on an event of the probe's token. nullopt: still waiting (or no
    /// probe is running); "" : passed; any other text: failed, and why ("connection refused",
    /// "unexpected reply", ...). The caller then calls stop(). Never throws but bad_alloc.
    [[nodiscard]] std::optional<std::string> on_event(const ProbeScript& script);

    /// Deregisters and closes the stream (a verdict came, or the caller's timeout fired).
    /// Harmless when nothing runs.
    void stop(const mio::Registry& registry) noexcept;

    /// A probe is running (started, not stopped).
    [[nodiscard]] bool running() const noexcept { return stream_.has_value(); }

private:
    /// Writes the rest of `send`, then reads until `expect` is decided.
    std::optional<std::string> exchange(const ProbeScript& script);

    std::optional<Stream> stream_;
    std::string reply_;
    std::size_t sent_ = 0;
    bool connected_ = false;
};

}  // namespace app
