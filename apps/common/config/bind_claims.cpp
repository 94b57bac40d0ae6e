#include "config/bind_claims.hpp"

namespace app {
namespace {

bool clashes(const Endpoint& a, bool a_stream, const Endpoint& b, bool b_stream) {
    if (a.is_unix() || b.is_unix()) {
        return a.is_unix() && b.is_unix() && a.unix_path() == b.unix_path();
    }
    const auto& x = a.inet();
    const auto& y = b.inet();
    if (a_stream != b_stream || x.port() != y.port() || x.port() == 0) return false;
    if (x.family() != y.family()) return false;
    return x == y || x.is_unspecified() || y.is_unspecified();
}

}  // namespace

void BindClaims::claim(const Endpoint& endpoint, bool stream, std::string owner,
                       const Section& section, std::string_view key) {
    for (const Claim& other : claims_) {
        if (!clashes(other.endpoint, other.stream, endpoint, stream)) continue;
        const std::string other_text = other.endpoint.to_string();
        const std::string text = endpoint.to_string();
        section.error(key, "'" + text + "' is already bound by " + other.owner +
                               (other_text == text ? "" : " ('" + other_text + "')"));
    }
    claims_.push_back(Claim{endpoint, stream, std::move(owner)});
}

}  // namespace app
