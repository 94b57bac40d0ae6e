#pragma once
// ReadyList: the connections whose round budget ran out (Flow::more), resumed after the other
// events of the loop turn, so one busy peer cannot starve the others. Both daemons keep one
// over their connection slab. An entry is listed at most once: its own `queued` flag says so
// (one bool per connection instead of a lookup).

#include <vector>

#include "runtime/slab.hpp"

namespace app {

/// T must have a `bool queued` member, false while the entry is not listed.
/// Thread safety: none (the event-loop thread).
template <class T>
class ReadyList {
public:
    /// Lists `entry` (whose key is `key`) unless it is listed already. Errors: std::bad_alloc.
    void push(SlabKey key, T& entry) {
        if (entry.queued) return;
        entry.queued = true;
        keys_.push_back(key);
    }

    /// Work is listed: the loop polls without waiting.
    [[nodiscard]] bool empty() const noexcept { return keys_.empty(); }

    /// Calls `resume(key, entry)` for every listed entry still in `slab`, in listing order,
    /// after clearing its flag. Entries that `resume` lists again wait for the next run(), so a
    /// run is bounded. Errors: whatever `resume` throws.
    template <class F>
    void run(Slab<T>& slab, F&& resume) {
        running_.swap(keys_);
        for (SlabKey key : running_) {
            T* entry = slab.get(key);
            if (entry == nullptr) continue;  // closed meanwhile
            entry->queued = false;
            resume(key, *entry);
        }
        running_.clear();  // keeps the capacity: no allocation in steady state
    }

private:
    std::vector<SlabKey> keys_;
    std::vector<SlabKey> running_;
};

}  // namespace app
