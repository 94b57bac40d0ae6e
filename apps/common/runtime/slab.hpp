#pragma once
// Slab: the connection table. Keys carry a generation, so a token that outlived its
// connection can never reach the connection that reused the slot: a closed connection's
// events may still be in the batch being dispatched.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <mio/token.hpp>

namespace app {

static_assert(sizeof(std::size_t) >= sizeof(std::uint64_t), "tokens must hold 64-bit keys");

/// A slab key: the slot index in the low 32 bits, the slot's generation in bits 32..59.
/// The top 4 bits are always clear, so a key fits the value part of a TokenId
/// (runtime/token_space.hpp) and `base + value` cannot overflow for any base below 2^63.
/// Value 0 is never issued (generations start at 1), so a zero-initialised Key is invalid.
struct SlabKey {
    std::uint64_t value = 0;

    static constexpr std::uint32_t kGenerationMask = 0x0fff'ffffU;

    [[nodiscard]] static constexpr SlabKey make(std::uint32_t index,
                                                std::uint32_t generation) noexcept {
        return SlabKey{(std::uint64_t{generation & kGenerationMask} << 32) | index};
    }
    [[nodiscard]] constexpr std::uint32_t index() const noexcept {
        return static_cast<std::uint32_t>(value & 0xffff'ffffU);
    }
    [[nodiscard]] constexpr std::uint32_t generation() const noexcept {
        return static_cast<std::uint32_t>(value >> 32);
    }
    /// The mio::Token for this key when the slab's tokens start at `base`.
    [[nodiscard]] constexpr mio::Token token(std::size_t base) const noexcept {
        return mio::Token{base + value};
    }
    friend constexpr bool operator==(SlabKey, SlabKey) noexcept = default;
};

/// A vector of slots with a free list and per-slot generation counters (Rust's `slab` crate
/// plus generations). insert/get/remove are O(1); removed slots are reused LIFO.
///
/// Tokens: the slab hands out keys whose tokens start at `token_base`, leaving the numbers
/// below it for the listeners, the signal source and the waker. from_token() maps a token back
/// and rejects anything below the base; get() rejects stale keys.
///
/// Pointer stability: `T*` from get() stays valid until that entry is removed, unless insert()
/// grows the vector; call reserve(max_entries) at startup to rule that out.
/// Generation wrap: a slot is reused 2^28 times before a stale key could alias; acceptable for
/// event-loop tokens whose lifetime is one batch of events.
/// Thread safety: none; one event-loop thread owns the slab.
template <class T>
class Slab {
public:
    using Key = SlabKey;

    /// A slab whose tokens start at `token_base`.
    explicit Slab(std::size_t token_base = 0) noexcept : base_(token_base) {}

    /// Pre-allocates room for `n` entries. Errors: std::bad_alloc.
    void reserve(std::size_t n) { slots_.reserve(n); }

    /// Stores `value` in a free slot (reusing the most recently freed one) and returns its key.
    /// Errors: std::bad_alloc when growing; std::length_error beyond 2^32 - 1 slots.
    [[nodiscard]] Key insert(T value) { return emplace(std::move(value)); }

    /// Constructs a T in place from `args`; see insert().
    template <class... Args>
    [[nodiscard]] Key emplace(Args&&... args) {
        const std::uint32_t index = take_slot();
        Slot& slot = slots_[index];
        slot.value.emplace(std::forward<Args>(args)...);
        ++size_;
        return Key::make(index, slot.generation);
    }

    /// The entry for `key`, or nullptr if the key is stale (removed, or its slot reused) or was
    /// never issued by this slab.
    [[nodiscard]] T* get(Key key) noexcept { return find(key); }
    [[nodiscard]] const T* get(Key key) const noexcept {
        return const_cast<Slab*>(this)->find(key);  // NOLINT: same lookup, const view
    }
    [[nodiscard]] bool contains(Key key) const noexcept { return get(key) != nullptr; }

    /// Removes the entry for `key` and returns it; std::nullopt if the key is stale.
    /// Any other copy of `key` goes stale.
    std::optional<T> remove(Key key) {
        T* value = find(key);
        if (value == nullptr) return std::nullopt;
        std::optional<T> out(std::move(*value));
        release(key.index());
        return out;
    }

    /// The token for `key` (key.token(token_base())).
    [[nodiscard]] mio::Token token(Key key) const noexcept { return key.token(base_); }

    /// The key a token stands for, or std::nullopt for a token below the base (a listener or
    /// another reserved token) or out of the key range. The key may still be stale: check get().
    [[nodiscard]] std::optional<Key> from_token(mio::Token token) const noexcept {
        if (token.value < base_) return std::nullopt;
        const std::uint64_t value = token.value - base_;
        if ((value >> 60) != 0) return std::nullopt;
        return Key{value};
    }

    /// get(from_token(token)), or nullptr.
    [[nodiscard]] T* get_by_token(mio::Token token) noexcept {
        const auto key = from_token(token);
        return key ? get(*key) : nullptr;
    }

    [[nodiscard]] std::size_t token_base() const noexcept { return base_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    /// Slots ever allocated (live + free).
    [[nodiscard]] std::size_t slots() const noexcept { return slots_.size(); }

    /// Calls `f(Key, T&)` for each live entry in slot order. `f` may remove the entry it is
    /// given (or others); it must not insert (that could reallocate).
    template <class F>
    void for_each(F&& f) {
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            Slot& slot = slots_[i];
            if (slot.value)
                f(Key::make(static_cast<std::uint32_t>(i), slot.generation), *slot.value);
        }
    }
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            const Slot& slot = slots_[i];
            if (slot.value)
                f(Key::make(static_cast<std::uint32_t>(i), slot.generation), *slot.value);
        }
    }

    /// The keys of the live entries now, in slot order: for a loop that closes entries and
    /// may insert or remove others meanwhile (a drain). Throws only std::bad_alloc.
    [[nodiscard]] std::vector<Key> keys() const {
        std::vector<Key> out;
        out.reserve(size_);
        for_each([&](Key key, const T&) { out.push_back(key); });
        return out;
    }

    /// Removes every entry; every outstanding key goes stale. Keeps the capacity.
    void clear() noexcept {
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            if (slots_[i].value) release(static_cast<std::uint32_t>(i));
        }
    }

private:
    static constexpr std::uint32_t kNone = UINT32_MAX;

    struct Slot {
        std::optional<T> value;
        std::uint32_t generation = 1;
        std::uint32_t next_free = kNone;
    };

    std::uint32_t take_slot() {
        if (free_head_ != kNone) {
            const std::uint32_t index = free_head_;
            free_head_ = slots_[index].next_free;
            return index;
        }
        if (slots_.size() >= kNone) throw std::length_error("Slab: too many entries");
        slots_.emplace_back();
        return static_cast<std::uint32_t>(slots_.size() - 1);
    }

    T* find(Key key) noexcept {
        const std::uint32_t index = key.index();
        if (index >= slots_.size()) return nullptr;
        Slot& slot = slots_[index];
        if (!slot.value || slot.generation != key.generation()) return nullptr;
        return &*slot.value;
    }

    void release(std::uint32_t index) noexcept {
        Slot& slot = slots_[index];
        slot.value.reset();
        slot.generation = (slot.generation + 1) & Key::kGenerationMask;
        if (slot.generation == 0) slot.generation = 1;
        slot.next_free = free_head_;
        free_head_ = index;
        --size_;
    }

    std::vector<Slot> slots_;
    std::size_t base_;
    std::size_t size_ = 0;
    std::uint32_t free_head_ = kNone;
};

}  // namespace app
