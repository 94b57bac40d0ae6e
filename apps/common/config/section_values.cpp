// Section: typed values (integers, durations, sizes, enums, strings, endpoints). The public
// accessors record an invalid value and return the default; the *_of helpers throw, so that
// require() and the list accessors can share them.

#include "config/config_reader.hpp"
#include "config/suggest.hpp"
#include "config/units.hpp"

namespace app {
namespace {

std::string_view type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::string join_list(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

}  // namespace

ConfigError Section::type_error(const toml::node& node, const std::string& key,
                                std::string_view expected) const {
    return error_at(node, key,
                    "expected " + std::string(expected) + ", got " + std::string(type_name(node)));
}

void Section::wrong_type(const toml::node& node, const std::string& key,
                         std::string_view expected) const {
    throw type_error(node, key, expected);
}

std::int64_t Section::checked_integer(const toml::node& node, const std::string& key,
                                      std::int64_t min, std::int64_t max) const {
    const auto* integer = node.as_integer();
    if (integer == nullptr) wrong_type(node, key, "an integer");
    const std::int64_t value = integer->get();
    if (value < min || value > max) {
        fail_at(node, key,
                "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                    " (got " + std::to_string(value) + ")");
    }
    return value;
}

std::int64_t Section::integer_in(std::string_view key, std::int64_t default_value, std::int64_t min,
                                 std::int64_t max) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return default_value;
    return recover(default_value, [&] { return checked_integer(*node, key_path(key), min, max); });
}

std::chrono::milliseconds Section::duration_of(const toml::node& node,
                                               const std::string& key) const {
    const auto* text = node.as_string();
    if (text == nullptr) wrong_type(node, key, "a duration string such as \"5s\"");
    if (auto parsed = parse_duration(text->get())) return *parsed;
    fail_at(node, key,
            "invalid duration '" + text->get() +
                "': expected a non-negative integer with a unit (ms, s, m, h, d), e.g. \"5s\", "
                "or \"off\"");
}

std::chrono::milliseconds Section::duration(std::string_view key,
                                            std::chrono::milliseconds default_value) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return default_value;
    return recover(default_value, [&] { return duration_of(*node, key_path(key)); });
}

std::uint64_t Section::size_of(const toml::node& node, const std::string& key, std::uint64_t min,
                               std::uint64_t max) const {
    std::uint64_t value = 0;
    if (const auto* integer = node.as_integer()) {
        if (integer->get() < 0) fail_at(node, key, "a size must not be negative");
        value = static_cast<std::uint64_t>(integer->get());
    } else if (const auto* text = node.as_string()) {
        const auto parsed = parse_size(text->get());
        if (!parsed) {
            fail_at(node, key,
                    "invalid size '" + text->get() +
                        "': expected an integer (bytes) or a number with a unit (B, KiB, MiB, "
                        "GiB, TiB), e.g. \"16KiB\"");
        }
        value = *parsed;
    } else {
        wrong_type(node, key, "a size (integer bytes or a string such as \"16KiB\")");
    }
    if (value < min || value > max) {
        fail_at(node, key,
                "must be between " + format_size(min) + " and " + format_size(max) + " (got " +
                    format_size(value) + ")");
    }
    return value;
}

std::uint64_t Section::size(std::string_view key, std::uint64_t default_value, std::uint64_t min,
                            std::uint64_t max) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return default_value;
    return recover(default_value, [&] { return size_of(*node, key_path(key), min, max); });
}

std::string Section::one_of(std::string_view key, std::string_view default_value,
                            const std::vector<std::string>& allowed) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::string(default_value);
    return recover(std::string(default_value), [&]() -> std::string {
        const auto* text = node->as_string();
        if (text == nullptr) {
            wrong_type(*node, key_path(key), "a string, one of " + join_list(allowed));
        }
        for (const std::string& candidate : allowed) {
            if (candidate == text->get()) return candidate;
        }
        fail_at(*node, key_path(key),
                "invalid value '" + text->get() + "': expected one of " + join_list(allowed) +
                    did_you_mean(text->get(), allowed));
    });
}

std::vector<std::pair<const toml::node*, std::string>> Section::string_items(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return {};
    if (node->is_string()) return {{node, key_path(key)}};
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        record(type_error(*node, key_path(key), "a string or an array of strings"));
        return {};
    }
    std::vector<std::pair<const toml::node*, std::string>> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node* item = array->get(i);
        std::string item_key = key_path(key) + "[" + std::to_string(i) + "]";
        if (item->is_string()) {
            out.emplace_back(item, std::move(item_key));
        } else {
            record(type_error(*item, item_key, "a string"));
        }
    }
    return out;
}

std::vector<std::string> Section::string_or_list(std::string_view key) {
    std::vector<std::string> out;
    for (const auto& [node, item_key] : string_items(key)) {
        out.push_back(node->as_string()->get());
    }
    return out;
}

Endpoint Section::endpoint_of(const toml::node& node, const std::string& key) const {
    const auto* text = node.as_string();
    if (text == nullptr) wrong_type(node, key, "an address string");
    std::string why;
    auto parsed = Endpoint::parse(text->get(), &why);
    if (!parsed) fail_at(node, key, "invalid address: " + why);
    return std::move(*parsed);
}

std::vector<Endpoint> Section::endpoints(std::string_view key) {
    std::vector<Endpoint> out;
    for (const auto& [node, item_key] : string_items(key)) {
        auto endpoint = recover<std::optional<Endpoint>>(
            std::nullopt,
            [&, &node = node, &item_key = item_key] { return endpoint_of(*node, item_key); });
        if (endpoint) out.push_back(std::move(*endpoint));
    }
    return out;
}

std::optional<Endpoint> Section::endpoint(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    return recover<std::optional<Endpoint>>(std::nullopt,
                                            [&] { return endpoint_of(*node, key_path(key)); });
}

}  // namespace app
