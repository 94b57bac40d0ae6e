#pragma once
// Socket activation (sd_listen_fds(3)): sockets a service manager bound and passed down as
// descriptors 3, 4, ... with LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES. A listener whose name
// is one of those names serves on them instead of binding its configured addresses.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <mio/unique_fd.hpp>

namespace app {

/// One passed descriptor and its name (FileDescriptorName=; "unknown" when none was given).
struct InheritedSocket {
    int fd = -1;
    std::string name;

    friend bool operator==(const InheritedSocket&, const InheritedSocket&) = default;
};

/// The environment as sd_listen_fds(3) defines it, read without side effects: nothing unless
/// `listen_pid` is `self` (the variables were meant for another process otherwise) and
/// `listen_fds` a count; descriptors from 3, named by the colon-separated `listen_fdnames`.
/// A malformed value yields nothing, and a name count that differs from the descriptor count
/// yields the descriptors named "unknown"; either way *problem (if not null) says why.
/// Throws only std::bad_alloc. Thread safety: a pure function.
[[nodiscard]] std::vector<InheritedSocket> parse_listen_fds(const char* listen_pid,
                                                            const char* listen_fds,
                                                            const char* listen_fdnames, long self,
                                                            std::string* problem);

/// What a listener expects an inherited descriptor to be.
enum class InheritedKind { tcp_listener, unix_listener, udp, unixgram };

/// nullopt-like "" if `fd` is a socket of `kind` (type, family, and for a stream socket that
/// it listens), else the reason, e.g. "is a UDP socket, not a listening TCP socket".
[[nodiscard]] std::string inherited_mismatch(int fd, InheritedKind kind);

/// Sets O_NONBLOCK (on the open file description, which the service manager's copy shares:
/// it never reads from it). Throws std::system_error.
void set_nonblocking(int fd);

/// Adopts `fd` (a copy from InheritedSockets::copies) as a `Socket` (mio::net::TcpListener,
/// UnixListener, UdpSocket or UnixDatagram) of `kind` for listener `listener`, non-blocking.
/// Throws std::runtime_error naming the listener and what the socket is instead.
template <class Socket>
[[nodiscard]] Socket adopt_inherited(mio::UniqueFd fd, InheritedKind kind,
                                     std::string_view listener) {
    const std::string prefix = "listener '" + std::string(listener) + "': the inherited socket ";
    if (const std::string why = inherited_mismatch(fd.get(), kind); !why.empty())
        throw std::runtime_error(prefix + why);
    set_nonblocking(fd.get());
    auto socket = Socket::from_fd(std::move(fd));
    if (!socket) throw std::runtime_error(prefix + socket.error().message());
    return std::move(*socket);
}

/// The sockets this process was passed, read once from its environment (then unset, so that
/// children never see them) and kept open for the process's life, so that a reload can take
/// them again. Thread safety: the loop's thread only.
class InheritedSockets {
public:
    /// The process's set (parsed, close-on-exec set, variables unset on first use).
    static InheritedSockets& process();

    /// Close-on-exec duplicates of every socket named `name`, in descriptor order (none if
    /// there is none). Throws std::system_error if dup fails (e.g. EMFILE).
    [[nodiscard]] std::vector<mio::UniqueFd> copies(std::string_view name);
    /// The names of sockets no listener has taken yet, one per socket.
    [[nodiscard]] std::vector<std::string> unclaimed() const;
    /// Logs (warning) problem() and every unclaimed socket: once the listeners are open. They
    /// stay open, so that a listener a reload adds can still take one.
    void warn_unclaimed() const;
    /// Why the environment was not usable as it was ("" if it was, or if there was none).
    [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

private:
    InheritedSockets();

    std::vector<InheritedSocket> sockets_;
    std::vector<bool> claimed_;
    std::string problem_;
};

}  // namespace app
