#include "config/toml_write.hpp"

#include <limits>

#include "config/units.hpp"

namespace app {

void put_duration(toml::table& table, std::string_view key, std::chrono::milliseconds value) {
    table.insert_or_assign(key, format_duration(value));
}

void put_size(toml::table& table, std::string_view key, std::uint64_t bytes) {
    const std::string text = format_size(bytes);
    const bool in_bytes = !text.ends_with("iB");
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (in_bytes && bytes <= max) {
        table.insert_or_assign(key, static_cast<std::int64_t>(bytes));
    } else {
        table.insert_or_assign(key, text);
    }
}

void put_endpoints(toml::table& table, std::string_view key, const std::vector<Endpoint>& list) {
    if (list.size() == 1) {
        table.insert_or_assign(key, list.front().to_string());
        return;
    }
    toml::array array;
    for (const Endpoint& endpoint : list)
        array.push_back(endpoint.to_string());
    table.insert_or_assign(key, std::move(array));
}

}  // namespace app
