#pragma once
// ListenerSet: every socket a daemon binds for its [listeners.<name>] tables, the accept loop
// and the datagram wake-up, written once for both daemons.
//
// Stream listeners (TCP, Unix stream) and datagram sockets (UDP, Unix datagram) live in
// separate typed containers, so each handler receives exactly the type it can use. Bindings
// are never erased while the daemon runs (a closed one keeps its slot), so the index in a
// token stays valid; a reload closes a listener's sockets and opens new ones after them.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <mio/net/udp_socket.hpp>
#include <mio/net/unix_datagram.hpp>
#include <mio/registry.hpp>

#include "config/endpoint.hpp"
#include "runtime/metrics.hpp"
#include "runtime/stream.hpp"
#include "runtime/token_space.hpp"

namespace app {

/// Who owns a bound socket: a daemon's listener (its index), for handlers, logs and metrics.
struct BindingOwner {
    std::uint32_t id = 0;                ///< the daemon's listener index
    std::string name;                    ///< the listener's name, for logs
    ListenerMetrics* metrics = nullptr;  ///< counts accept errors; never null once opened
};

/// What every binding records besides its socket.
struct BindingInfo {
    BindingOwner owner;
    std::string endpoint;     ///< as configured, for logs
    std::string unix_path;    ///< unlinked on close ("" if not a Unix path)
    std::uint32_t index = 0;  ///< its slot in the set's container of its kind (stable)
    bool ready = false;       ///< queued to run again without a new edge
};

/// The address type a datagram socket reports its peers with.
template <class Socket>
struct DatagramAddr;
template <>
struct DatagramAddr<mio::net::UdpSocket> {
    using type = mio::net::SocketAddr;
};
template <>
struct DatagramAddr<mio::net::UnixDatagram> {
    using type = mio::net::UnixAddr;
};

/// Sends one datagram to `to` (the family's send call). Errors: WouldBlock, the OS error.
[[nodiscard]] mio::Result<std::size_t> send_datagram(const mio::net::UdpSocket& socket,
                                                     std::span<const std::byte> data,
                                                     const mio::net::SocketAddr& to);
[[nodiscard]] mio::Result<std::size_t> send_datagram(const mio::net::UnixDatagram& socket,
                                                     std::span<const std::byte> data,
                                                     const mio::net::UnixAddr& to);

/// A bound datagram socket and the one reply that may be waiting to be sent: a reply that met
/// WouldBlock is kept, and the handler stops reading until it is gone, so a full socket buffer
/// slows the service down instead of dropping replies silently.
template <class Socket>
struct DatagramBinding {
    using Addr = typename DatagramAddr<Socket>::type;
    std::optional<Socket> socket;  ///< empty once closed
    BindingInfo info;
    std::vector<std::byte> pending;
    Addr pending_to{};
    bool has_pending = false;

    /// Keeps `reply` for `to` until flush_pending() sends it. May allocate once (the buffer
    /// keeps its capacity).
    void hold(std::span<const std::byte> reply, const Addr& to) {
        pending.assign(reply.begin(), reply.end());
        pending_to = to;
        has_pending = true;
    }
    /// Sends the held reply. Returns false if it still meets WouldBlock (keep waiting);
    /// otherwise the reply is gone (sent, or failed: `*failed` set) and true is returned.
    bool flush_pending(std::size_t* sent, bool* failed) {
        auto n = send_datagram(*socket, pending, pending_to);
        if (!n && mio::is_would_block(n.error())) return false;
        *sent = n ? *n : 0;
        *failed = !n;
        has_pending = false;
        pending.clear();
        return true;
    }
};

/// A bound stream listener.
struct StreamBinding {
    std::optional<StreamListener> listener;  ///< empty once closed
    BindingInfo info;
    bool paused = false;  ///< out of descriptors or memory: retried later
};

using UdpBinding = DatagramBinding<mio::net::UdpSocket>;
using UnixDatagramBinding = DatagramBinding<mio::net::UnixDatagram>;

/// The daemon's side of a ListenerSet: typed callbacks, each for one kind of socket.
struct ListenerHandlers {
    /// Asked before each accept; false leaves clients in the backlog and retries shortly
    /// (e.g. a memory budget is reached). Unset: always true.
    std::function<bool()> may_accept;
    /// A connection was accepted on a listener of `owner`.
    std::function<void(const BindingOwner& owner, StreamListener::Accepted accepted)> on_accept;
    /// A datagram socket is readable: read with a bounded budget; return true if the budget
    /// ran out with more to read (the socket is run again after the other events).
    std::function<bool(UdpBinding& binding)> on_udp;
    std::function<bool(UnixDatagramBinding& binding)> on_unix_datagram;
};

/// Owns the bound sockets of all listeners. Accepting: until WouldBlock, at most
/// kAcceptBatch per wake-up (then queued behind the other events); on EMFILE, ENFILE,
/// ENOBUFS or ENOMEM the listener pauses (clients wait in the backlog) and resumes when
/// resume_accepting() is called (a connection closed) or after kAcceptRetry.
/// Thread safety: none; the event-loop thread owns it. The Registry must outlive it.
class ListenerSet {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr int kAcceptBatch = 64;
    static constexpr std::chrono::milliseconds kAcceptRetry{250};

    enum class Transport : std::uint8_t { stream, datagram };
    /// One listener's sockets to open.
    struct Spec {
        BindingOwner owner;
        Transport transport = Transport::stream;
        bool reuseport = false;  ///< TCP only
        std::span<const Endpoint> bind;
    };

    ListenerSet(const mio::Registry& registry, ListenerHandlers handlers);
    ListenerSet(const ListenerSet&) = delete;
    ListenerSet& operator=(const ListenerSet&) = delete;
    /// Closes every socket (unlinking Unix paths).
    ~ListenerSet();

    /// Binds and registers every endpoint of `spec` (all bound before any is registered, so a
    /// failure leaves nothing half-open). Returns the addresses actually bound, in order (port
    /// 0: the kernel's choice). Throws std::runtime_error "listener '<name>': cannot bind
    /// <endpoint>: <reason>" (or "registering <endpoint>: <reason>").
    std::vector<std::string> open(const Spec& spec);
    /// Closes the sockets of listener `owner_id` (a reload re-binds it with open()).
    void close_owner(std::uint32_t owner_id);
    /// Closes every socket (drain).
    void close_all();

    /// Handles an event whose token is one of this set's kinds (stream_listener, udp_socket,
    /// unix_datagram_socket); stale or unknown indices are ignored.
    void handle(TokenId id);
    /// Whether a socket is queued to run again without a new edge.
    [[nodiscard]] bool has_ready() const noexcept { return !ready_.empty(); }
    /// Runs the queued sockets once each.
    void run_ready();
    /// Something was freed (a connection closed): paused listeners try again.
    void resume_accepting();
    /// When paused listeners retry on their own; nullopt if none is paused.
    [[nodiscard]] std::optional<Clock::time_point> next_deadline() const noexcept {
        return retry_at_;
    }
    /// Fires the retry once its time has come.
    void tick(Clock::time_point now);

    /// The UDP binding in slot `index` (BindingInfo::index), or nullptr. Its socket is empty
    /// once closed (drain, reload). Slots are never reused, so a saved index stays valid.
    [[nodiscard]] UdpBinding* udp_binding(std::uint32_t index) noexcept {
        return index < udp_.size() ? &udp_[index] : nullptr;
    }

    /// Open stream listeners and datagram sockets (for logs and tests).
    [[nodiscard]] std::size_t open_count() const noexcept;

private:
    void accept_batch(std::uint32_t index);
    void pause(StreamBinding& binding);
    void queue(TokenKind kind, std::uint32_t index, BindingInfo& info);
    /// The binding `id` names, or nullptr (not one of the set's kinds, or out of range).
    BindingInfo* info_of(TokenId id) noexcept;
    template <class Binding, class Handler>
    void serve_datagram(std::vector<Binding>& bindings, TokenKind kind, std::uint32_t index,
                        const Handler& handler);
    void open_stream(const Spec& spec, std::vector<std::string>& actual);
    void open_datagram(const Spec& spec, std::vector<std::string>& actual);

    const mio::Registry& registry_;
    ListenerHandlers handlers_;
    std::vector<StreamBinding> streams_;
    std::vector<UdpBinding> udp_;
    std::vector<UnixDatagramBinding> unix_datagram_;
    std::vector<TokenId> ready_;
    std::vector<TokenId> ready_swap_;
    std::optional<Clock::time_point> retry_at_;
};

}  // namespace app
