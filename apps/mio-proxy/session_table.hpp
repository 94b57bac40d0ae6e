#pragma once
// SessionTable: one UDP listener's sessions, found by client, kept in least-recently-used
// order and bounded. Pure bookkeeping over slab keys (the sessions themselves live in the
// proxy's slab), so it is unit-tested without sockets.
//
// A session is "mapped" while new datagrams from its client go to it. It leaves the map but
// stays listed (detach) once it has taken requests_per_session datagrams: it still waits for its
// replies, and the client's next datagram starts a new session. At max_sessions the caller
// evicts least_recent() before inserting: a flood of new sources evicts old sessions instead
// of locking out the next client.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <mio/net/socket_addr.hpp>

#include "runtime/slab.hpp"

namespace app {

/// What identifies a client: the listener socket it sent to and its address (port 0 when
/// sessions are keyed by IP alone).
struct SessionKey {
    std::uint32_t binding = 0;
    mio::net::SocketAddr client;
    friend bool operator==(const SessionKey&, const SessionKey&) noexcept = default;
};

struct SessionKeyHash {
    std::size_t operator()(const SessionKey& key) const noexcept {
        return std::hash<mio::net::SocketAddr>{}(key.client) * 31u + key.binding;
    }
};

/// Thread safety: none (the event-loop thread).
class SessionTable {
public:
    /// At most `max_sessions` (>= 1) listed sessions. Memory grows with the sessions listed
    /// (never up front), by doubling: the steady state allocates nothing.
    explicit SessionTable(std::size_t max_sessions);

    /// The mapped session of `key`, if any.
    [[nodiscard]] std::optional<SlabKey> find(const SessionKey& key) const;
    /// Lists a new session as the most recent and maps `key` to it. Precondition: !full() and
    /// `key` not mapped. Errors: std::bad_alloc.
    void insert(const SessionKey& key, SlabKey session);
    /// Marks `session` the most recently used.
    void touch(SlabKey session) noexcept;
    /// Unmaps `session` (it stays listed): later datagrams of its client start a new one.
    void detach(SlabKey session) noexcept;
    /// Unlists (and unmaps) `session`; unknown sessions are ignored.
    void erase(SlabKey session) noexcept;
    /// The least recently used session, if any.
    [[nodiscard]] std::optional<SlabKey> least_recent() const noexcept;

    /// A new bound (a reload): a smaller one is reached by evicting before the next inserts.
    void set_max_sessions(std::size_t max_sessions) noexcept {
        max_ = max_sessions < 1 ? 1 : max_sessions;
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool full() const noexcept { return size_ >= max_; }
    [[nodiscard]] std::size_t max_sessions() const noexcept { return max_; }

private:
    static constexpr std::uint32_t kNone = 0xffffffffu;
    static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
    struct Node {
        SlabKey session{};
        std::optional<SessionKey> key;  ///< set while mapped
        std::uint32_t prev = kNone;     ///< towards the least recent
        std::uint32_t next = kNone;     ///< towards the most recent
        bool listed = false;
    };
    Node* node_of(SlabKey session) noexcept;
    void unlink(std::uint32_t index) noexcept;
    void push_back(std::uint32_t index) noexcept;
    // The map: open addressing with linear probing over slab keys (the SessionKey is read from
    // nodes_), deletion by backward shift (no tombstones). It grows by doubling while below
    // half full, so a steady state allocates nothing, per datagram or per session.
    [[nodiscard]] std::size_t slot_of(const SessionKey& key) const noexcept;
    void map_insert(const SessionKey& key, SlabKey session);
    void map_erase(const SessionKey& key) noexcept;
    void grow();

    std::size_t max_;
    std::size_t size_ = 0;
    std::size_t mapped_ = 0;
    std::vector<std::uint64_t> slots_;  ///< SlabKey values; kEmpty where free
    std::vector<Node> nodes_;           ///< by slab index
    std::uint32_t oldest_ = kNone;
    std::uint32_t newest_ = kNone;
};

}  // namespace app
