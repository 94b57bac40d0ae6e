#include "runtime/timers.hpp"

#include <algorithm>
#include <stdexcept>

namespace app {
namespace {

// Orders the std heap algorithms' max-heap as a min-heap on deadlines.
struct Later {
    template <class E>
    bool operator()(const E& a, const E& b) const noexcept {
        return a.deadline > b.deadline;
    }
};

// Stale entries tolerated beyond the live count before the heap is rebuilt.
constexpr std::size_t kStaleSlack = 64;

}  // namespace

void TimerQueue::reserve(std::size_t timers) {
    slots_.reserve(timers);
    // Lazy deletion lets stale entries accumulate up to live + slack before a rebuild.
    heap_.reserve(2 * timers + kStaleSlack + 1);
}

TimerId TimerQueue::schedule(TimePoint deadline, std::uint64_t user_data) {
    std::uint32_t index = free_head_;
    if (index != kNone) {
        free_head_ = slots_[index].next_free;
    } else {
        if (slots_.size() >= kNone) throw std::length_error("TimerQueue: too many timers");
        index = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    Slot& slot = slots_[index];
    slot.deadline = deadline;
    slot.user_data = user_data;
    slot.pending = true;
    slot.next_free = kNone;
    push_entry(index, deadline);
    ++live_;
    return TimerId{index, slot.generation};
}

bool TimerQueue::cancel(TimerId id) noexcept {
    if (find(id) == nullptr) return false;
    release(id.index);
    ++stale_;  // its heap entry stays until it surfaces or a rebuild
    maybe_rebuild();
    return true;
}

bool TimerQueue::reschedule(TimerId& id, TimePoint deadline) {
    if (find(id) == nullptr) return false;
    Slot& slot = slots_[id.index];
    slot.deadline = deadline;
    if (deadline < slot.queued) {
        // The queued entry would fire too late: orphan it and queue the earlier deadline.
        ++stale_;
        push_entry(id.index, deadline);
        maybe_rebuild();
    }
    return true;
}

bool TimerQueue::is_pending(TimerId id) const noexcept {
    return find(id) != nullptr;
}

std::optional<TimerQueue::TimePoint> TimerQueue::deadline(TimerId id) const noexcept {
    const Slot* slot = find(id);
    if (slot == nullptr) return std::nullopt;
    return slot->deadline;
}

std::optional<std::chrono::nanoseconds> TimerQueue::next_timeout(TimePoint now) {
    for (;;) {
        if (heap_.empty()) return std::nullopt;
        const Entry& top = heap_.front();
        if (!is_live(top)) {
            pop();
            --stale_;
        } else if (slots_[top.index].deadline > top.deadline) {
            requeue_top();
        } else {
            break;
        }
    }
    const auto left = heap_.front().deadline - now;
    if (left <= Clock::duration::zero()) return std::chrono::nanoseconds::zero();
    return std::chrono::ceil<std::chrono::milliseconds>(left);
}

void TimerQueue::clear() noexcept {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].pending) release(static_cast<std::uint32_t>(i));
    }
    heap_.clear();
    stale_ = 0;
}

const TimerQueue::Slot* TimerQueue::find(TimerId id) const noexcept {
    if (id.index >= slots_.size()) return nullptr;
    const Slot& slot = slots_[id.index];
    if (!slot.pending || slot.generation != id.generation) return nullptr;
    return &slot;
}

bool TimerQueue::is_live(const Entry& e) const noexcept {
    const Slot& slot = slots_[e.index];
    return slot.pending && slot.entry_tag == e.tag;
}

void TimerQueue::push_entry(std::uint32_t index, TimePoint deadline) {
    Slot& slot = slots_[index];
    slot.queued = deadline;
    ++slot.entry_tag;
    heap_.push_back(Entry{deadline, index, slot.entry_tag});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
}

TimerQueue::Entry TimerQueue::pop() noexcept {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    const Entry e = heap_.back();
    heap_.pop_back();
    return e;
}

TimerQueue::Top TimerQueue::classify_top(TimePoint now) const noexcept {
    if (heap_.empty()) return Top::none;
    const Entry& top = heap_.front();
    if (!is_live(top)) return Top::stale;
    if (top.deadline > now) return Top::later;
    if (slots_[top.index].deadline > now) return Top::early;
    return Top::due;
}

void TimerQueue::requeue_top() {
    const std::uint32_t index = pop().index;
    push_entry(index, slots_[index].deadline);
}

void TimerQueue::release(std::uint32_t index) noexcept {
    Slot& slot = slots_[index];
    slot.pending = false;
    if (++slot.generation == 0) slot.generation = 1;
    slot.next_free = free_head_;
    free_head_ = index;
    --live_;
}

// Compacts in place (no allocation), so the amortised cost of lazy deletion stays O(1).
void TimerQueue::maybe_rebuild() noexcept {
    if (stale_ <= live_ + kStaleSlack) return;
    std::erase_if(heap_, [this](const Entry& e) { return !is_live(e); });
    std::make_heap(heap_.begin(), heap_.end(), Later{});
    stale_ = 0;
}

}  // namespace app
