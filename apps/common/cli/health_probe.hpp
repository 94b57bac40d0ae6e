#pragma once
// --health: the daemon's own health check, for a container's HEALTHCHECK (an image needs no
// curl): GET /healthz on an admin endpoint and turn the answer into an exit code.

#include <chrono>
#include <optional>
#include <string>

#include "config/endpoint.hpp"

namespace app {

/// The outcome of one probe: healthy when the endpoint answered HTTP 200.
struct HealthOutcome {
    bool healthy = false;
    std::string detail;  ///< "http://127.0.0.1:9901/healthz: 200 OK", or what went wrong
};

/// The address to probe for an admin endpoint bound to `listen`: a wildcard address (0.0.0.0,
/// [::]) is probed on the loopback address of its family; any other address as it is.
/// Thread safety: a pure function.
[[nodiscard]] Endpoint health_target(const Endpoint& listen);

/// Connects to `target` (TCP or unix:), sends `GET /healthz` and reads the status line, all
/// within `timeout`. Never throws (but std::bad_alloc); every failure (refused, timed out,
/// closed early, not HTTP, a status other than 200) is an unhealthy outcome whose detail
/// names it. Thread safety: uses only its own sockets.
[[nodiscard]] HealthOutcome probe_health(const Endpoint& target, std::chrono::milliseconds timeout);

/// The whole --health mode: probes `target`, prints the detail (stdout when healthy, stderr
/// otherwise) and returns kExitOk when healthy, else kExitFailure.
[[nodiscard]] int run_health_probe(const Endpoint& target, std::chrono::milliseconds timeout);

}  // namespace app
