// Balancer: the six algorithms over the eligible servers of the preferred tier.

#include "balancer.hpp"

#include <cmath>
#include <limits>

namespace app {
namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;
constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ull;

/// splitmix64's finaliser: a bijection that spreads every input bit over the output.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/// `hash`'s per-(key, server) draw: uniform in the open interval (0, 1).
double unit_interval(std::uint64_t client_key, std::uint64_t server_hash) noexcept {
    const std::uint64_t h = mix64(server_hash ^ mix64(client_key + kGolden));
    return (static_cast<double>(h >> 11) + 0.5) * 0x1.0p-53;
}

/// Whether server a is less loaded than b: active_a / weight_a < active_b / weight_b.
bool less_loaded(std::uint64_t active_a, std::uint64_t weight_a, std::uint64_t active_b,
                 std::uint64_t weight_b) noexcept {
    return active_a * weight_b < active_b * weight_a;
}

}  // namespace

std::uint64_t stable_hash(std::span<const std::byte> bytes) noexcept {
    std::uint64_t h = kFnvOffset;
    for (const std::byte b : bytes) {
        h ^= static_cast<std::uint64_t>(b);
        h *= kFnvPrime;
    }
    return mix64(h);
}

Balancer::Balancer(Balance algorithm, const std::vector<ServerConfig>& servers, std::uint64_t seed)
    : algorithm_(algorithm), current_(servers.size(), 0), rng_(seed) {
    weights_.reserve(servers.size());
    backup_.reserve(servers.size());
    server_hash_.reserve(servers.size());
    for (const ServerConfig& server : servers) {
        weights_.push_back(server.weight == 0 ? 1 : server.weight);
        backup_.push_back(server.backup);
        const std::string address = server.address.to_string();
        server_hash_.push_back(stable_hash(std::as_bytes(std::span(address))));
    }
    pool_.reserve(servers.size());
    tied_.reserve(servers.size());
}

std::optional<std::size_t> Balancer::pick(const Candidates& candidates, std::uint64_t client_key) {
    collect_pool(candidates);
    if (pool_.empty()) return std::nullopt;
    if (pool_.size() == 1) return pool_.front();  // (a smooth round-robin step would be a no-op)
    switch (algorithm_) {
        case Balance::round_robin:
            return smooth_round_robin(pool_);
        case Balance::least_conn:
            return least_conn(candidates);
        case Balance::p2c:
            return power_of_two(candidates);
        case Balance::random:
            return weighted_random(weights_.size());
        case Balance::hash:
            return rendezvous(client_key);
        case Balance::first:
            return pool_.front();
    }
    return pool_.front();
}

void Balancer::collect_pool(const Candidates& candidates) {
    pool_.clear();
    const std::size_t n = std::min(weights_.size(), candidates.eligible.size());
    for (const bool backups : {false, true}) {
        for (std::size_t i = 0; i < n; ++i) {
            if (candidates.eligible[i] != 0 && backup_[i] == backups) pool_.push_back(i);
        }
        if (!pool_.empty()) return;
    }
}

std::uint64_t Balancer::active(const Candidates& candidates, std::size_t i) const noexcept {
    return i < candidates.active.size() ? candidates.active[i] : 0;
}

std::size_t Balancer::smooth_round_robin(const std::vector<std::size_t>& among) {
    std::int64_t total = 0;
    std::size_t best = among.front();
    for (const std::size_t i : among) {
        current_[i] += weights_[i];
        total += weights_[i];
        if (current_[i] > current_[best]) best = i;
    }
    current_[best] -= total;
    return best;
}

std::size_t Balancer::least_conn(const Candidates& candidates) {
    tied_.clear();
    for (const std::size_t i : pool_) {
        if (!tied_.empty()) {
            const std::size_t t = tied_.front();
            const std::uint64_t a = active(candidates, i);
            const std::uint64_t b = active(candidates, t);
            if (less_loaded(b, weights_[t], a, weights_[i])) continue;  // worse than the tied
            if (less_loaded(a, weights_[i], b, weights_[t])) tied_.clear();
        }
        tied_.push_back(i);
    }
    return tied_.size() == 1 ? tied_.front() : smooth_round_robin(tied_);
}

std::size_t Balancer::power_of_two(const Candidates& candidates) {
    // The second draw excludes the first server: with two identical draws the choice would
    // ignore load (for n equal servers, the most loaded one would still get 1/n^2 of picks).
    const std::size_t a = weighted_random(weights_.size());
    const std::size_t b = weighted_random(a);
    return less_loaded(active(candidates, b), weights_[b], active(candidates, a), weights_[a]) ? b
                                                                                               : a;
}

std::size_t Balancer::weighted_random(std::size_t except) {
    std::uint64_t total = 0;
    for (const std::size_t i : pool_) {
        if (i != except) total += weights_[i];
    }
    std::uniform_int_distribution<std::uint64_t> draw(0, total - 1);
    std::uint64_t r = draw(rng_);
    for (const std::size_t i : pool_) {
        if (i == except) continue;
        if (r < weights_[i]) return i;
        r -= weights_[i];
    }
    return pool_.back();
}

std::size_t Balancer::rendezvous(std::uint64_t client_key) const {
    std::size_t best = pool_.front();
    double best_score = -std::numeric_limits<double>::infinity();
    for (const std::size_t i : pool_) {
        const double u = unit_interval(client_key, server_hash_[i]);
        const double score = -static_cast<double>(weights_[i]) / std::log(u);
        if (score > best_score) {
            best_score = score;
            best = i;
        }
    }
    return best;
}

}  // namespace app
