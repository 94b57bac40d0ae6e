#pragma once
// Balancer: picks the server for a new connection. Pure logic (no I/O), unit-tested.

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "proxy_config.hpp"

namespace app {

/// What the balancer may know about each server when it picks (indexes match the upstream's
/// `servers`): whether it can take a connection now (healthy, not ejected, below its
/// max_connections, not already tried for this client), and how many connections it has.
struct Candidates {
    std::span<const std::uint8_t> eligible;  ///< 1 = may be picked
    std::span<const std::uint32_t> active;   ///< open connections per server
};

/// One per upstream. Primary servers are preferred; backup servers are picked only when no
/// primary server is eligible. Weights are honoured by every algorithm:
///   round_robin  smooth weighted round robin (nginx's; exact: while eligibility has not
///                changed since construction, any window of sum(weights) picks gives each
///                server exactly its weight; after a change the long-run shares stay exact)
///   least_conn   fewest active/weight, ties broken by smooth weighted round robin
///   p2c          two weighted-random draws of distinct servers, the one with fewer
///                active/weight (the first drawn on a tie)
///   random       weighted random
///   hash         weighted rendezvous hashing on the client key (e.g. source IP): a key maps to
///                the same server while that server is eligible, and removing one server moves
///                only the keys that were on it
///   first        the first eligible server in configuration order
/// Thread safety: none (event-loop thread only).
class Balancer {
public:
    Balancer(Balance algorithm, const std::vector<ServerConfig>& servers, std::uint64_t seed);

    /// The chosen server index, or nullopt if none is eligible. `client_key` is used by
    /// `hash` (a hash of the client's IP) and ignored otherwise.
    [[nodiscard]] std::optional<std::size_t> pick(const Candidates& candidates,
                                                  std::uint64_t client_key);

    [[nodiscard]] Balance algorithm() const noexcept { return algorithm_; }
    [[nodiscard]] std::size_t size() const noexcept { return weights_.size(); }

private:
    /// Fills pool_ with the eligible primaries, or if there are none the eligible backups.
    void collect_pool(const Candidates& candidates);
    [[nodiscard]] std::uint64_t active(const Candidates& candidates, std::size_t i) const noexcept;
    /// One step of nginx's smooth weighted round robin over `among` (not empty).
    std::size_t smooth_round_robin(const std::vector<std::size_t>& among);
    std::size_t least_conn(const Candidates& candidates);
    std::size_t power_of_two(const Candidates& candidates);
    /// A weighted random member of pool_ other than `except` (pass size() to exclude none;
    /// pool_ must hold another member).
    std::size_t weighted_random(std::size_t except);
    [[nodiscard]] std::size_t rendezvous(std::uint64_t client_key) const;

    Balance algorithm_;
    std::vector<std::uint32_t> weights_;
    std::vector<bool> backup_;
    std::vector<std::uint64_t> server_hash_;  ///< stable per address, for rendezvous hashing
    std::vector<std::int64_t> current_;       ///< smooth weighted round-robin state
    std::mt19937_64 rng_;
    std::vector<std::size_t> pool_;  ///< scratch: the candidates of the current pick
    std::vector<std::size_t> tied_;  ///< scratch: least_conn's equally loaded candidates
};

/// A stable 64-bit hash of bytes (FNV-1a then a 64-bit finaliser), for client keys and server
/// identities: the same on every run and every machine.
[[nodiscard]] std::uint64_t stable_hash(std::span<const std::byte> bytes) noexcept;

}  // namespace app
