#pragma once
// TimerQueue: deadlines that the event loop turns into the Poll::poll timeout. mio has no
// timers (a readiness library leaves them to the loop that owns the poll timeout), so neither
// does libpoll: they live here, with the daemons.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace app {

/// Names one scheduled timer. A default-constructed id names nothing (generation 0 is never
/// issued). An id goes stale once its timer fires or is cancelled; stale ids are harmless.
struct TimerId {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;

    friend constexpr bool operator==(TimerId, TimerId) noexcept = default;
};

/// A min-heap of deadlines with O(log n) schedule, O(1) cancel and an O(1) "push it later"
/// reschedule, for idle and request timeouts.
///
/// Layout: every timer owns a *slot* (deadline, user data, generation) in a vector with an
/// intrusive free list; the binary heap holds 16-byte entries (deadline, slot, generation).
/// - cancel() frees the slot and bumps its generation; the heap entry is deleted lazily when it
///   reaches the top (or by a rebuild once stale entries outnumber live timers).
/// - reschedule() to a *later* deadline only stores it in the slot. The heap entry keeps the
///   earlier deadline; when it surfaces, the entry is re-pushed with the slot's deadline. So an
///   idle timer pushed forward on every read costs one store, and one O(log n) re-heap per
///   idle period at most. Moving a deadline *earlier* pushes a new entry and orphans the old.
/// Steady state does not allocate: the vectors keep their capacity (see reserve()).
///
/// Thread safety: none; one event-loop thread owns the queue.
class TimerQueue {
public:
    using Clock = std::chrono::steady_clock;
    using TimePoint = Clock::time_point;

    TimerQueue() = default;

    /// Pre-sizes the slot table and the heap for `timers` concurrent timers, so that the loop
    /// does not allocate later. Errors: std::bad_alloc.
    void reserve(std::size_t timers);

    /// Schedules a timer firing at `deadline` (which may already be past) that reports
    /// `user_data` back. O(log n). Errors: std::bad_alloc while growing.
    [[nodiscard]] TimerId schedule(TimePoint deadline, std::uint64_t user_data);

    /// Cancels a pending timer. Returns false (and does nothing) if `id` is stale. O(1).
    bool cancel(TimerId id) noexcept;
    /// Cancels the timer `id` holds, if any, and empties `id` (for a connection's one timer
    /// slot). O(1).
    void cancel(std::optional<TimerId>& id) noexcept {
        if (id) cancel(*id);
        id.reset();
    }

    /// Moves a pending timer's deadline, earlier or later. Returns false if `id` is stale (the
    /// timer already fired or was cancelled); schedule a new one then. On success `id` still
    /// names the timer (this implementation never changes it; callers keep the value after the
    /// call, so a future one may). O(1) when moved later, O(log n) when moved earlier.
    bool reschedule(TimerId& id, TimePoint deadline);

    /// True if `id` names a timer that has neither fired nor been cancelled.
    [[nodiscard]] bool is_pending(TimerId id) const noexcept;

    /// The deadline of a pending timer, or std::nullopt if `id` is stale.
    [[nodiscard]] std::optional<TimePoint> deadline(TimerId id) const noexcept;

    /// How long the loop may sleep: std::nullopt when no timer is pending, zero when one is due,
    /// otherwise the time to the earliest deadline rounded *up* to whole milliseconds (so a
    /// poll never returns just before the deadline and spins). Discards stale heap entries at
    /// the top, hence non-const.
    [[nodiscard]] std::optional<std::chrono::nanoseconds> next_timeout(TimePoint now);

    /// Fires every timer whose deadline is <= `now`, earliest first, calling
    /// `on_timer(TimerId, std::uint64_t user_data)` for each; the id is already stale during the
    /// call. The callback may schedule, cancel or reschedule timers; a timer it schedules that is
    /// already due fires in this same call. At most as many timers fire as heap entries were
    /// queued on entry, so a callback that keeps scheduling due timers cannot trap the loop:
    /// the rest fire on the next call (next_timeout() answers zero meanwhile).
    /// Returns how many timers fired.
    template <class F>
    std::size_t fire_due(TimePoint now, F&& on_timer);

    /// Pending timers.
    [[nodiscard]] std::size_t size() const noexcept { return live_; }
    [[nodiscard]] bool empty() const noexcept { return live_ == 0; }
    /// Heap entries, live and stale (for tests and metrics).
    [[nodiscard]] std::size_t heap_size() const noexcept { return heap_.size(); }
    /// Drops every timer; all ids go stale.
    void clear() noexcept;

private:
    static constexpr std::uint32_t kNone = UINT32_MAX;

    struct Slot {
        TimePoint deadline{};  // what the user asked for
        TimePoint queued{};    // deadline of the slot's authoritative heap entry (<= deadline)
        std::uint64_t user_data = 0;
        std::uint32_t generation = 1;  // names the timer in TimerId; 0 is never issued
        std::uint32_t entry_tag = 0;   // tag of the authoritative heap entry
        std::uint32_t next_free = kNone;
        bool pending = false;
    };
    struct Entry {
        TimePoint deadline;
        std::uint32_t index;
        std::uint32_t tag;  // live iff the slot is pending and this equals its entry_tag
    };
    enum class Top { none, stale, early, due, later };

    [[nodiscard]] const Slot* find(TimerId id) const noexcept;
    [[nodiscard]] bool is_live(const Entry& e) const noexcept;
    void push_entry(std::uint32_t index, TimePoint deadline);
    Entry pop() noexcept;
    [[nodiscard]] Top classify_top(TimePoint now) const noexcept;
    void requeue_top();
    void release(std::uint32_t index) noexcept;
    void maybe_rebuild() noexcept;

    std::vector<Slot> slots_;
    std::vector<Entry> heap_;
    std::uint32_t free_head_ = kNone;
    std::size_t live_ = 0;
    std::size_t stale_ = 0;  // heap entries whose timer is gone or was moved earlier
};

template <class F>
std::size_t TimerQueue::fire_due(TimePoint now, F&& on_timer) {
    std::size_t fired = 0;
    const std::size_t budget = heap_.size();
    while (fired < budget) {
        const Top top = classify_top(now);
        if (top == Top::none || top == Top::later) break;
        if (top == Top::stale) {
            pop();
            --stale_;
        } else if (top == Top::early) {
            requeue_top();  // now queued after `now`: examined once per call
        } else {
            const Entry e = pop();
            const TimerId id{e.index, slots_[e.index].generation};
            const std::uint64_t data = slots_[e.index].user_data;
            release(e.index);
            ++fired;
            on_timer(id, data);
        }
    }
    return fired;
}

}  // namespace app
