#pragma once
// Writing config values back as TOML (for --print-config), in the forms the reader accepts.

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "config/endpoint.hpp"

namespace app {

/// Sets `key` to a duration string ("5s", "1500ms", "0s"); see format_duration.
void put_duration(toml::table& table, std::string_view key, std::chrono::milliseconds value);

/// Sets `key` to a size: a unit string ("16KiB") when a binary unit is exact, else an integer
/// number of bytes. Sizes above INT64_MAX bytes that are not exact in a unit are not
/// representable; they are written as "<n>B" strings.
void put_size(toml::table& table, std::string_view key, std::uint64_t bytes);

/// Sets `key` to one endpoint string when there is exactly one, else to an array of them.
void put_endpoints(toml::table& table, std::string_view key, const std::vector<Endpoint>& list);

}  // namespace app
