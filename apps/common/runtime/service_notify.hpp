#pragma once
// The systemd notification protocol (sd_notify(3)), written here rather than linked from
// libsystemd: one datagram per state change to the unix socket named by $NOTIFY_SOCKET, so
// that a Type=notify unit knows when the daemon is ready, reloading and stopping.

#include <cstdint>
#include <string>
#include <string_view>

namespace app {

/// "RELOADING=1\nMONOTONIC_USEC=<monotonic_usec>": what a Type=notify unit (systemd 253+)
/// wants when a reload starts, the time taken on CLOCK_MONOTONIC. Throws only std::bad_alloc.
[[nodiscard]] std::string reloading_message(std::uint64_t monotonic_usec);

/// Sends `message` (newline-separated KEY=VALUE assignments) to $NOTIFY_SOCKET: a pathname, or
/// the abstract namespace when it starts with '@'. Without the variable (not run by systemd)
/// it does nothing. Never blocks (a non-blocking datagram socket, opened on first use and
/// kept) and never fails the caller: a notification is advice to the service manager, so a
/// lost one is returned as false and otherwise ignored. Thread safety: from the loop's thread
/// only.
bool notify_service(std::string_view message);

/// READY=1 and STATUS=`status`: the listeners are bound, or a reload has ended.
void notify_ready(std::string_view status);
/// RELOADING=1 with the current CLOCK_MONOTONIC time, and STATUS=reloading.
void notify_reloading();
/// STOPPING=1 and STATUS=`status`: a drain began.
void notify_stopping(std::string_view status);

}  // namespace app
