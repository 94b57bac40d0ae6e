#include "session_table.hpp"

#include <algorithm>

namespace app {

SessionTable::SessionTable(std::size_t max_sessions)
    : max_(max_sessions < 1 ? 1 : max_sessions), slots_(64, kEmpty) {}

// The slot holding `key`, or the empty slot where it would go.
std::size_t SessionTable::slot_of(const SessionKey& key) const noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = SessionKeyHash{}(key)&mask;; i = (i + 1) & mask) {
        if (slots_[i] == kEmpty) return i;
        const Node& node = nodes_[SlabKey{slots_[i]}.index()];
        if (node.key && *node.key == key) return i;
    }
}

std::optional<SlabKey> SessionTable::find(const SessionKey& key) const {
    const std::uint64_t slot = slots_[slot_of(key)];
    if (slot == kEmpty) return std::nullopt;
    return SlabKey{slot};
}

void SessionTable::map_insert(const SessionKey& key, SlabKey session) {
    if (2 * (mapped_ + 1) > slots_.size()) grow();
    slots_[slot_of(key)] = session.value;
    ++mapped_;
}

void SessionTable::grow() {
    std::vector<std::uint64_t> old(slots_.size() * 2, kEmpty);
    old.swap(slots_);
    for (std::uint64_t slot : old) {
        if (slot == kEmpty) continue;
        slots_[slot_of(*nodes_[SlabKey{slot}.index()].key)] = slot;
    }
}

// Backward-shift deletion: the entries after the hole that probed past it move into it, so
// every lookup still meets its key before an empty slot.
void SessionTable::map_erase(const SessionKey& key) noexcept {
    const std::size_t mask = slots_.size() - 1;
    std::size_t hole = slot_of(key);
    if (slots_[hole] == kEmpty) return;
    --mapped_;
    for (std::size_t j = (hole + 1) & mask; slots_[j] != kEmpty; j = (j + 1) & mask) {
        const std::size_t home = SessionKeyHash{}(*nodes_[SlabKey{slots_[j]}.index()].key) & mask;
        // Entry j may fill the hole unless its home lies cyclically in (hole, j].
        const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays) continue;
        slots_[hole] = slots_[j];
        hole = j;
    }
    slots_[hole] = kEmpty;
}

SessionTable::Node* SessionTable::node_of(SlabKey session) noexcept {
    const std::uint32_t index = session.index();
    if (index >= nodes_.size()) return nullptr;
    Node& node = nodes_[index];
    return node.listed && node.session == session ? &node : nullptr;
}

void SessionTable::insert(const SessionKey& key, SlabKey session) {
    const std::uint32_t index = session.index();
    if (index >= nodes_.size()) nodes_.resize(std::max<std::size_t>(index + 1, 2 * nodes_.size()));
    nodes_[index] = Node{session, key, kNone, kNone, true};
    map_insert(key, session);
    push_back(index);
    ++size_;
}

void SessionTable::touch(SlabKey session) noexcept {
    if (node_of(session) == nullptr || newest_ == session.index()) return;
    unlink(session.index());
    push_back(session.index());
}

void SessionTable::detach(SlabKey session) noexcept {
    Node* node = node_of(session);
    if (node == nullptr || !node->key) return;
    map_erase(*node->key);
    node->key.reset();
}

void SessionTable::erase(SlabKey session) noexcept {
    Node* node = node_of(session);
    if (node == nullptr) return;
    detach(session);
    unlink(session.index());
    node->listed = false;
    --size_;
}

std::optional<SlabKey> SessionTable::least_recent() const noexcept {
    if (oldest_ == kNone) return std::nullopt;
    return nodes_[oldest_].session;
}

void SessionTable::unlink(std::uint32_t index) noexcept {
    Node& node = nodes_[index];
    if (node.prev != kNone) nodes_[node.prev].next = node.next;
    if (node.next != kNone) nodes_[node.next].prev = node.prev;
    if (oldest_ == index) oldest_ = node.next;
    if (newest_ == index) newest_ = node.prev;
    node.prev = node.next = kNone;
}

void SessionTable::push_back(std::uint32_t index) noexcept {
    Node& node = nodes_[index];
    node.prev = newest_;
    node.next = kNone;
    if (newest_ != kNone) nodes_[newest_].next = index;
    newest_ = index;
    if (oldest_ == kNone) oldest_ = index;
}

}  // namespace app
