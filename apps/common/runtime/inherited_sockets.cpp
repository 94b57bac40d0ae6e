#include "runtime/inherited_sockets.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <system_error>

#include <spdlog/spdlog.h>

namespace app {
namespace {

constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START
constexpr long kMaxFds = 4096;

bool parse_number(const char* text, long& out) {
    if (text == nullptr || *text == '\0') return false;
    const std::string_view s(text);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

std::vector<std::string> split_names(std::string_view names) {
    std::vector<std::string> out;
    while (true) {
        const std::size_t colon = names.find(':');
        out.emplace_back(names.substr(0, colon));
        if (colon == std::string_view::npos) return out;
        names.remove_prefix(colon + 1);
    }
}

int socket_option(int fd, int option) {
    int value = -1;
    socklen_t len = sizeof value;
    return ::getsockopt(fd, SOL_SOCKET, option, &value, &len) == 0 ? value : -1;
}

}  // namespace

std::vector<InheritedSocket> parse_listen_fds(const char* listen_pid, const char* listen_fds,
                                              const char* listen_fdnames, long self,
                                              std::string* problem) {
    const auto why = [&](std::string text) {
        if (problem != nullptr) *problem = std::move(text);
    };
    long pid = 0, count = 0;
    if (listen_pid == nullptr && listen_fds == nullptr) return {};
    if (!parse_number(listen_pid, pid)) {
        why("LISTEN_PID is not a process id");
        return {};
    }
    if (pid != self) return {};  // meant for the process that exec'd us: not ours
    if (!parse_number(listen_fds, count) || count < 0 || count > kMaxFds) {
        why("LISTEN_FDS is not a descriptor count");
        return {};
    }
    std::vector<std::string> names;
    if (listen_fdnames != nullptr) names = split_names(listen_fdnames);
    if (listen_fdnames != nullptr && names.size() != static_cast<std::size_t>(count)) {
        why("LISTEN_FDNAMES has " + std::to_string(names.size()) + " names for " +
            std::to_string(count) + " descriptors: every one is named 'unknown'");
        names.clear();
    }
    std::vector<InheritedSocket> out;
    for (long i = 0; i < count; ++i) {
        const std::string& name = names.empty() ? std::string() : names[i];
        out.push_back({kFirstFd + static_cast<int>(i), name.empty() ? "unknown" : name});
    }
    return out;
}

std::string inherited_mismatch(int fd, InheritedKind kind) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int type = socket_option(fd, SO_TYPE);
    if (type < 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return "is not a socket";
    const bool unix_family = addr.ss_family == AF_UNIX;
    const bool inet = addr.ss_family == AF_INET || addr.ss_family == AF_INET6;
    const bool stream = type == SOCK_STREAM, dgram = type == SOCK_DGRAM;
    const std::string what = std::string(unix_family ? "a Unix "
                                         : inet      ? "an Internet "
                                                     : "a ") +
                             (stream  ? "stream"
                              : dgram ? "datagram"
                                      : "other") +
                             " socket";
    switch (kind) {
        case InheritedKind::tcp_listener:
        case InheritedKind::unix_listener: {
            const bool family = kind == InheritedKind::tcp_listener ? inet : unix_family;
            const char* want = kind == InheritedKind::tcp_listener ? "a listening TCP socket"
                                                                   : "a listening Unix socket";
            if (!family || !stream) return "is " + what + ", not " + want;
            if (socket_option(fd, SO_ACCEPTCONN) != 1) return std::string("is not listening");
            return {};
        }
        case InheritedKind::udp:
            return inet && dgram ? std::string() : "is " + what + ", not a UDP socket";
        case InheritedKind::unixgram:
            return unix_family && dgram ? std::string()
                                        : "is " + what + ", not a Unix datagram socket";
    }
    return "is of no known kind";
}

InheritedSockets& InheritedSockets::process() {
    static InheritedSockets sockets;
    return sockets;
}

InheritedSockets::InheritedSockets()
    : sockets_(parse_listen_fds(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"),
                                std::getenv("LISTEN_FDNAMES"), static_cast<long>(::getpid()),
                                &problem_)),
      claimed_(sockets_.size(), false) {
    // Ours alone: a child we start must neither inherit the descriptors nor believe the
    // variables were meant for it.
    for (const InheritedSocket& s : sockets_)
        (void)::fcntl(s.fd, F_SETFD, FD_CLOEXEC);  // a descriptor that is not open stays so
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        throw std::system_error(errno, std::generic_category(), "O_NONBLOCK");
}

std::vector<mio::UniqueFd> InheritedSockets::copies(std::string_view name) {
    std::vector<mio::UniqueFd> out;
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
        if (sockets_[i].name != name) continue;
        const int copy = ::fcntl(sockets_[i].fd, F_DUPFD_CLOEXEC, kFirstFd);
        if (copy < 0) {
            throw std::system_error(errno, std::generic_category(),
                                    "inherited socket " + std::to_string(sockets_[i].fd) + " ('" +
                                        sockets_[i].name + "')");
        }
        out.emplace_back(copy);
        claimed_[i] = true;
    }
    return out;
}

std::vector<std::string> InheritedSockets::unclaimed() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
        if (!claimed_[i])
            out.push_back(sockets_[i].name + " (descriptor " + std::to_string(sockets_[i].fd) +
                          ")");
    }
    return out;
}

void InheritedSockets::warn_unclaimed() const {
    if (!problem_.empty()) spdlog::warn("socket activation: {}", problem_);
    for (const std::string& name : unclaimed())
        spdlog::warn("socket activation: no listener is named for the inherited socket {}", name);
}

}  // namespace app
