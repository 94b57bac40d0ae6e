#pragma once
// BindClaims: detects, while a configuration is parsed, two sockets that could not both bind.

#include <string>
#include <string_view>
#include <vector>

#include "config/config_reader.hpp"
#include "config/endpoint.hpp"

namespace app {

/// The addresses a configuration binds so far. Two claims clash when binding both would fail:
/// the same Unix path, or the same port, family and socket kind (stream or datagram) with
/// equal addresses or either one unspecified. Port 0 never clashes.
class BindClaims {
public:
    /// Records `endpoint`, bound by `owner` (e.g. "listener 'x'" or "[admin]"). For every
    /// earlier claim it clashes with, records an error at `section.key` naming that owner
    /// (Section::error: parsing goes on). Throws only std::bad_alloc.
    void claim(const Endpoint& endpoint, bool stream, std::string owner, const Section& section,
               std::string_view key);

private:
    struct Claim {
        Endpoint endpoint;
        bool stream;
        std::string owner;
    };
    std::vector<Claim> claims_;
};

}  // namespace app
