#pragma once
// ConfigReader and Section: typed, validating access to a parsed TOML config that remembers
// every key it was asked about, so that keys nobody asked about can be rejected.

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config_error.hpp"
#include "config/endpoint.hpp"

namespace app {

class ConfigReader;

/// Where something is in the config: file (or "--set <arg>"), 1-based line and column (0 if
/// unknown).
struct SourceLocation {
    std::string file;
    std::size_t line = 0;
    std::size_t column = 0;
};

/// One TOML table of the config, e.g. the root, `[runtime]` or `[listeners.echo]`.
/// Every accessor records its key as known (present or not). Every failure throws ConfigError
/// naming the file, line, column and full dotted key. A Section refers to its ConfigReader and
/// the parsed table, which must outlive it. Thread safety: none.
class Section {
public:
    /// The dotted path of this table ("" for the root).
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    /// The full dotted path of `key` in this table, e.g. "listeners.echo.bind".
    [[nodiscard]] std::string key_path(std::string_view key) const;
    /// Whether `key` is present (marks it known).
    [[nodiscard]] bool has(std::string_view key);

    /// The value of `key` converted to T (bool, std::string, double or an integer type, range-
    /// checked against T), or nullopt if absent. Throws ConfigError on a wrong type or range.
    template <class T>
    [[nodiscard]] std::optional<T> optional(std::string_view key);
    /// optional(key), or `default_value` if absent. Throws as optional().
    template <class T>
    [[nodiscard]] T get(std::string_view key, T default_value) {
        auto value = optional<T>(key);
        return value ? std::move(*value) : std::move(default_value);
    }
    /// optional(key); throws ConfigError "missing required key" if absent.
    template <class T>
    [[nodiscard]] T require(std::string_view key);

    /// An integer in [min, max] (TOML integer), or `default_value` if absent. Throws ConfigError
    /// naming the allowed range.
    template <std::integral T>
    [[nodiscard]] T integer(std::string_view key, T default_value, T min, T max) {
        return static_cast<T>(integer_in(key, clamp64(default_value), clamp64(min), clamp64(max)));
    }
    /// A list of integers each in [min, max], or `default_value` if absent.
    template <std::integral T>
    [[nodiscard]] std::vector<T> integer_list(std::string_view key, std::vector<T> default_value,
                                              T min, T max);

    /// A duration string ("5s", "off"; see parse_duration), or `default_value` if absent.
    /// Throws ConfigError for bare numbers, unknown units and non-strings.
    [[nodiscard]] std::chrono::milliseconds duration(std::string_view key,
                                                     std::chrono::milliseconds default_value);
    /// A size: a TOML integer (bytes) or a string with a unit ("16KiB"), within [min, max]
    /// (the error names the range with format_size), or `default_value` if absent.
    [[nodiscard]] std::uint64_t size(std::string_view key, std::uint64_t default_value,
                                     std::uint64_t min = 0,
                                     std::uint64_t max = std::numeric_limits<std::uint64_t>::max());
    /// A string that must be one of `allowed`, or `default_value` if absent. The error lists the
    /// allowed values and suggests the closest one.
    [[nodiscard]] std::string one_of(std::string_view key, std::string_view default_value,
                                     const std::vector<std::string>& allowed);
    /// one_of() mapped to an enum through `names` (name, value) pairs.
    template <class E>
    [[nodiscard]] E choice(std::string_view key, E default_value,
                           const std::vector<std::pair<std::string, E>>& names);
    /// One string or an array of strings; empty if absent. Throws on other types.
    [[nodiscard]] std::vector<std::string> string_or_list(std::string_view key);
    /// One endpoint or an array of them ("host:port" or "unix:/path"); empty if absent.
    /// Throws ConfigError naming the element (e.g. "listeners.x.bind[1]") if one is invalid.
    [[nodiscard]] std::vector<Endpoint> endpoints(std::string_view key);
    /// One endpoint string, or nullopt if absent. Throws ConfigError if invalid.
    [[nodiscard]] std::optional<Endpoint> endpoint(std::string_view key);

    /// The sub-table `key`, or nullopt if absent. Throws ConfigError if it is not a table.
    [[nodiscard]] std::optional<Section> section(std::string_view key);
    /// The sub-table `key`, or an empty section (every key at its default) if absent.
    [[nodiscard]] Section section_or_empty(std::string_view key);
    /// The named sub-tables of `key` (`[listeners.<name>]`) in name order; empty if absent.
    /// Throws ConfigError if a name is not `[a-z0-9_-]+` or a member is not a table.
    [[nodiscard]] std::vector<std::pair<std::string, Section>> sections(std::string_view key);
    /// The tables of an array of tables (`[[x.servers]]`); empty if absent.
    [[nodiscard]] std::vector<Section> table_array(std::string_view key);

    /// Throws ConfigError for `key`, located at its value (or at this table if absent).
    [[noreturn]] void fail(std::string_view key, const std::string& message) const;
    /// Throws ConfigError "missing required key" for `key`, located at this table, with a hint
    /// if a present key looks like a misspelling of it.
    [[noreturn]] void missing(std::string_view key) const;
    /// Throws ConfigError for this table itself (key = path()).
    [[noreturn]] void fail_here(const std::string& message) const;
    /// Where `key`'s value is (or this table, if absent).
    [[nodiscard]] SourceLocation locate(std::string_view key) const;

private:
    friend class ConfigReader;
    Section(ConfigReader& reader, const toml::table& table, std::string path, SourceLocation where);

    const toml::node* lookup(std::string_view key);
    std::int64_t integer_in(std::string_view key, std::int64_t default_value, std::int64_t min,
                            std::int64_t max);
    std::int64_t checked_integer(const toml::node& node, const std::string& key, std::int64_t min,
                                 std::int64_t max) const;
    [[noreturn]] void fail_at(const toml::node& node, const std::string& key,
                              const std::string& message) const;
    [[noreturn]] void wrong_type(const toml::node& node, const std::string& key,
                                 std::string_view expected) const;
    std::vector<std::pair<const toml::node*, std::string>> string_items(std::string_view key);
    Section child(const toml::table& table, const std::string& path) const;
    template <class T>
    T convert(const toml::node& node, std::string_view key) const;
    template <std::integral T>
    static constexpr std::int64_t clamp64(T value) {
        if constexpr (std::is_unsigned_v<T>) {
            constexpr auto max =
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
            return static_cast<std::int64_t>(std::min<std::uint64_t>(value, max));
        } else {
            return static_cast<std::int64_t>(value);
        }
    }

    ConfigReader* reader_;
    const toml::table* table_;
    std::string path_;
    SourceLocation where_;
};

/// Reads a parsed config: hands out Sections and, once the schema has read everything it knows,
/// rejects keys nobody asked for. Must outlive its Sections; `root` must outlive the reader.
class ConfigReader {
public:
    /// `file` names the config in errors (the path given to load_config_file).
    ConfigReader(const toml::table& root, std::string file);

    /// The root table.
    [[nodiscard]] Section root();
    /// The file name given at construction.
    [[nodiscard]] const std::string& file() const noexcept { return file_; }
    /// Throws ConfigError for the first (in file order) key that no Section accessor asked for,
    /// with a "did you mean" hint when a known key of the same table is within 2 edits.
    void reject_unknown_keys() const;

    /// Where a node from the config is: "--set <arg>" for command-line overrides, else the file
    /// and the node's position, else `fallback` if the node has no position.
    [[nodiscard]] SourceLocation locate(const toml::source_region& region,
                                        const SourceLocation& fallback) const;

private:
    friend class Section;
    struct Unknown;
    void mark(const toml::table& table, std::string_view key);
    void mark_all(const toml::table& table);
    void collect_unknown(const toml::table& table, const std::string& path,
                         std::vector<Unknown>& out) const;

    const toml::table* root_;
    std::string file_;
    std::map<const toml::table*, std::set<std::string, std::less<>>> known_;
};

// ---- templates ----

template <class T>
std::optional<T> Section::optional(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    return convert<T>(*node, key);
}

template <class T>
T Section::require(std::string_view key) {
    auto value = optional<T>(key);
    if (!value) missing(key);
    return std::move(*value);
}

template <class T>
T Section::convert(const toml::node& node, std::string_view key) const {
    if constexpr (std::is_same_v<T, bool>) {
        if (const auto* v = node.as_boolean()) return v->get();
        wrong_type(node, key_path(key), "a boolean");
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (const auto* v = node.as_string()) return v->get();
        wrong_type(node, key_path(key), "a string");
    } else if constexpr (std::is_same_v<T, double>) {
        if (const auto* v = node.as_floating_point()) return v->get();
        if (const auto* v = node.as_integer()) return static_cast<double>(v->get());
        wrong_type(node, key_path(key), "a number");
    } else {
        static_assert(std::is_integral_v<T>, "unsupported config value type");
        constexpr auto lo = clamp64(std::numeric_limits<T>::min());
        constexpr auto hi = clamp64(std::numeric_limits<T>::max());
        return static_cast<T>(checked_integer(node, key_path(key), lo, hi));
    }
}

template <std::integral T>
std::vector<T> Section::integer_list(std::string_view key, std::vector<T> default_value, T min,
                                     T max) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return default_value;
    const toml::array* array = node->as_array();
    if (array == nullptr) wrong_type(*node, key_path(key), "an array of integers");
    std::vector<T> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string item = key_path(key) + "[" + std::to_string(i) + "]";
        out.push_back(
            static_cast<T>(checked_integer(*array->get(i), item, clamp64(min), clamp64(max))));
    }
    return out;
}

template <class E>
E Section::choice(std::string_view key, E default_value,
                  const std::vector<std::pair<std::string, E>>& names) {
    std::vector<std::string> allowed;
    std::string default_name;
    for (const auto& [name, value] : names) {
        allowed.push_back(name);
        if (value == default_value) default_name = name;
    }
    const std::string chosen = one_of(key, default_name, allowed);
    for (const auto& [name, value] : names) {
        if (name == chosen) return value;
    }
    return default_value;
}

}  // namespace app
