#include "session_table.hpp"

namespace app {

SessionTable::SessionTable(std::size_t max_sessions) : max_(max_sessions < 1 ? 1 : max_sessions) {
    map_.reserve(max_);
}

std::optional<SlabKey> SessionTable::find(const SessionKey& key) const {
    const auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
}

SessionTable::Node* SessionTable::node_of(SlabKey session) noexcept {
    const std::uint32_t index = session.index();
    if (index >= nodes_.size()) return nullptr;
    Node& node = nodes_[index];
    return node.listed && node.session == session ? &node : nullptr;
}

void SessionTable::insert(const SessionKey& key, SlabKey session) {
    const std::uint32_t index = session.index();
    if (index >= nodes_.size()) nodes_.resize(index + 1);
    map_.emplace(key, session);
    nodes_[index] = Node{session, key, kNone, kNone, true};
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
    map_.erase(*node->key);
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
