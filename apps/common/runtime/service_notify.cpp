#include "runtime/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>

namespace app {
namespace {

// The socket and the address, resolved once: $NOTIFY_SOCKET does not change while we run.
struct NotifyTarget {
    int fd = -1;
    sockaddr_un addr{};
    socklen_t addr_len = 0;
};

std::optional<NotifyTarget> open_target() {
    const char* name = std::getenv("NOTIFY_SOCKET");
    if (name == nullptr) return std::nullopt;
    const std::size_t len = std::strlen(name);
    NotifyTarget t;
    t.addr.sun_family = AF_UNIX;
    if (len < 2 || len >= sizeof t.addr.sun_path || (name[0] != '/' && name[0] != '@'))
        return std::nullopt;  // not a socket systemd would name: nothing to tell
    std::memcpy(t.addr.sun_path, name, len);
    if (name[0] == '@') t.addr.sun_path[0] = '\0';  // abstract: the leading NUL, no terminator
    t.addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
    t.fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (t.fd < 0) return std::nullopt;
    return t;
}

std::uint64_t monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1'000u;
}

}  // namespace

std::string reloading_message(std::uint64_t monotonic_usec) {
    return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec);
}

bool notify_service(std::string_view message) {
    static const std::optional<NotifyTarget> target = open_target();
    if (!target) return false;
    const ssize_t n = ::sendto(target->fd, message.data(), message.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&target->addr), target->addr_len);
    return n == static_cast<ssize_t>(message.size());
}

namespace {

// STATUS= is one line of the message: a reason that spans lines (an exception's text) is
// joined, so that no line of it is read as an assignment.
std::string one_line(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return out;
}

}  // namespace

void notify_ready(std::string_view status) {
    (void)notify_service("READY=1\nSTATUS=" + one_line(status));  // advice: see the header
}

void notify_reloading() {
    (void)notify_service(reloading_message(monotonic_usec()) + "\nSTATUS=reloading");
}

void notify_stopping(std::string_view status) {
    (void)notify_service("STOPPING=1\nSTATUS=" + one_line(status));
}

}  // namespace app
