#pragma once
// ConfigReader and Section: typed, validating access to a parsed TOML config that remembers
// every key it was asked about, so that keys nobody asked about can be rejected, and that
// collects every error instead of stopping at the first, so one run reports them all.

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
#include "config/enum_names.hpp"

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
/// Every accessor records its key as known (present or not). Errors name the file, line,
/// column and full dotted key, and come in two kinds:
///   - value accessors (optional, get, integer, duration, size, one_of, choice, endpoint(s),
///     section(s), table_array, ...) never throw ConfigError: an invalid value is recorded in
///     the ConfigReader and the default (or nothing) is returned, so parsing goes on and
///     ConfigReader::finish() reports every error at once;
///   - structural failures (fail, missing, fail_here, require) throw ConfigError: the code
///     cannot go on without that value, so the enclosing attempt() records the error and
///     abandons only its own section.
/// A Section refers to its ConfigReader and the parsed table, which must outlive it.
/// Thread safety: none.
class Section {
public:
    /// The dotted path of this table ("" for the root).
    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    /// The full dotted path of `key` in this table, e.g. "listeners.echo.bind".
    [[nodiscard]] std::string key_path(std::string_view key) const;
    /// Whether `key` is present (marks it known).
    [[nodiscard]] bool has(std::string_view key);
    /// Whether `key` is present (marks it known); if not, records "missing required key" (with
    /// a hint if a present key looks like a misspelling of it) and returns false.
    [[nodiscard]] bool expect_key(std::string_view key);
    /// Whether an error was recorded at `key` or inside it ("bind" covers "bind[1]"), so that
    /// checks built on its value can stay quiet instead of reporting a consequence.
    [[nodiscard]] bool failed(std::string_view key) const;
    /// The reader this section belongs to (e.g. to ask about errors in other sections).
    [[nodiscard]] const ConfigReader& reader() const noexcept { return *reader_; }

    /// The value of `key` converted to T (bool, std::string, double or an integer type, range-
    /// checked against T), or nullopt if absent or invalid (a wrong type or range is recorded).
    template <class T>
    [[nodiscard]] std::optional<T> optional(std::string_view key);
    /// optional(key), or `default_value` if absent or invalid. Records as optional().
    template <class T>
    [[nodiscard]] T get(std::string_view key, T default_value) {
        auto value = optional<T>(key);
        return value ? std::move(*value) : std::move(default_value);
    }
    /// The value of `key`. Throws ConfigError "missing required key" if absent, or the
    /// conversion error if invalid (structural: abandons the enclosing attempt()).
    template <class T>
    [[nodiscard]] T require(std::string_view key);

    /// An integer in [min, max] (TOML integer), or `default_value` if absent or invalid (the
    /// recorded error names the allowed range).
    template <std::integral T>
    [[nodiscard]] T integer(std::string_view key, T default_value, T min, T max) {
        return static_cast<T>(integer_in(key, clamp64(default_value), clamp64(min), clamp64(max)));
    }
    /// A list of integers each in [min, max], or `default_value` if absent or not an array; an
    /// invalid element is recorded (named "key[i]") and left out.
    template <std::integral T>
    [[nodiscard]] std::vector<T> integer_list(std::string_view key, std::vector<T> default_value,
                                              T min, T max);

    /// A duration string ("5s", "off"; see parse_duration), or `default_value` if absent or
    /// invalid (bare numbers, unknown units and non-strings are recorded).
    [[nodiscard]] std::chrono::milliseconds duration(std::string_view key,
                                                     std::chrono::milliseconds default_value);
    /// A size: a TOML integer (bytes) or a string with a unit ("16KiB"), within [min, max]
    /// (the error names the range with format_size), or `default_value` if absent or invalid.
    [[nodiscard]] std::uint64_t size(std::string_view key, std::uint64_t default_value,
                                     std::uint64_t min = 0,
                                     std::uint64_t max = std::numeric_limits<std::uint64_t>::max());
    /// A string that must be one of `allowed`, or `default_value` if absent or invalid. The
    /// error lists the allowed values and suggests the closest one.
    [[nodiscard]] std::string one_of(std::string_view key, std::string_view default_value,
                                     const std::vector<std::string>& allowed);
    /// one_of() over the names of an enum's table, mapped to its value.
    template <class E, std::size_t N>
    [[nodiscard]] E choice(std::string_view key, E default_value, const EnumNames<E, N>& names);
    /// One string or an array of strings; empty if absent or of another type (recorded); a
    /// non-string element is recorded and left out.
    [[nodiscard]] std::vector<std::string> string_or_list(std::string_view key);
    /// One endpoint or an array of them ("host:port" or "unix:/path"); empty if absent. An
    /// invalid one is recorded, naming the element (e.g. "listeners.x.bind[1]"), and left out.
    [[nodiscard]] std::vector<Endpoint> endpoints(std::string_view key);
    /// One endpoint string, or nullopt if absent or invalid (recorded).
    [[nodiscard]] std::optional<Endpoint> endpoint(std::string_view key);

    /// The sub-table `key`, or nullopt if absent or not a table (recorded).
    [[nodiscard]] std::optional<Section> section(std::string_view key);
    /// The sub-table `key`, or an empty section (every key at its default) if absent or not a
    /// table (recorded).
    [[nodiscard]] Section section_or_empty(std::string_view key);
    /// The named sub-tables of `key` (`[listeners.<name>]`) in name order; empty if absent. A
    /// name that is not `[a-z0-9_-]+` or a member that is not a table is recorded and skipped.
    [[nodiscard]] std::vector<std::pair<std::string, Section>> sections(std::string_view key);
    /// How many members the sub-table `key` has, valid or not (0 if absent or not a table);
    /// compared with sections().size() it tells whether every member is known by name.
    [[nodiscard]] std::size_t member_count(std::string_view key) const;
    /// The tables of an array of tables (`[[x.servers]]`); empty if absent or not an array
    /// (recorded); an element that is not a table is recorded and skipped.
    [[nodiscard]] std::vector<Section> table_array(std::string_view key);

    /// Records an error for `key`, located at its value (or at this table if absent); parsing
    /// goes on. Use this for checks whose failure leaves a usable value.
    void error(std::string_view key, const std::string& message) const;
    /// Throws ConfigError for `key`, located at its value (or at this table if absent): a
    /// structural failure that abandons the enclosing attempt(); prefer error() when parsing
    /// can go on.
    [[noreturn]] void fail(std::string_view key, const std::string& message) const;
    /// Throws ConfigError "missing required key" for `key`, located at this table, with a hint
    /// if a present key looks like a misspelling of it.
    [[noreturn]] void missing(std::string_view key) const;
    /// Throws ConfigError for this table itself (key = path()).
    [[noreturn]] void fail_here(const std::string& message) const;
    /// Where `key`'s value is (or this table, if absent).
    [[nodiscard]] SourceLocation locate(std::string_view key) const;

    /// Runs `body`; if it throws a ConfigError (a structural failure in this section), records
    /// it, treats every key of this table and its sub-tables as known (keys the abandoned code
    /// never reached are not misspellings) and returns false. A ConfigErrors (from finish())
    /// passes through; so does any other exception.
    template <class F>
    bool attempt(F&& body);

private:
    friend class ConfigReader;
    Section(ConfigReader& reader, const toml::table& table, std::string path, SourceLocation where);

    const toml::node* lookup(std::string_view key);
    void record(const ConfigError& error) const;
    void abandon(const ConfigError& error) const;
    ConfigError error_at(const toml::node& node, const std::string& key,
                         const std::string& message) const;
    ConfigError missing_error(std::string_view key) const;
    std::int64_t integer_in(std::string_view key, std::int64_t default_value, std::int64_t min,
                            std::int64_t max);
    std::int64_t checked_integer(const toml::node& node, const std::string& key, std::int64_t min,
                                 std::int64_t max) const;
    std::chrono::milliseconds duration_of(const toml::node& node, const std::string& key) const;
    std::uint64_t size_of(const toml::node& node, const std::string& key, std::uint64_t min,
                          std::uint64_t max) const;
    Endpoint endpoint_of(const toml::node& node, const std::string& key) const;
    [[noreturn]] void fail_at(const toml::node& node, const std::string& key,
                              const std::string& message) const;
    ConfigError type_error(const toml::node& node, const std::string& key,
                           std::string_view expected) const;
    [[noreturn]] void wrong_type(const toml::node& node, const std::string& key,
                                 std::string_view expected) const;
    std::vector<std::pair<const toml::node*, std::string>> string_items(std::string_view key);
    Section child(const toml::table& table, const std::string& path) const;
    template <class T>
    T convert(const toml::node& node, std::string_view key) const;
    /// body(), or `fallback` with body's ConfigError recorded: how value accessors keep going.
    template <class T, class F>
    T recover(T fallback, F&& body) const;
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

/// Reads a parsed config: hands out Sections, collects the errors they find and, once the
/// schema has read everything it knows, adds the keys nobody asked for and reports them all
/// (finish()). Must outlive its Sections; `root` must outlive the reader. Thread safety: none.
class ConfigReader {
public:
    /// `file` names the config in errors (the path given to load_config_file).
    ConfigReader(const toml::table& root, std::string file);

    /// The root table.
    [[nodiscard]] Section root();
    /// The file name given at construction.
    [[nodiscard]] const std::string& file() const noexcept { return file_; }

    /// Adds an error to the report (an exact duplicate is dropped). Throws only bad_alloc.
    void record(ConfigError error);
    /// Whether an error was recorded at the full dotted `key` or inside it ("a.b" covers
    /// "a.b.c" and "a.b[0]", not "a.bc").
    [[nodiscard]] bool has_error(std::string_view key) const;
    /// Runs `body` (e.g. a whole schema); if it throws a ConfigError, records it and treats
    /// every key of the document as known (where the schema stopped is unknown, and a key it
    /// never reached is not a misspelling) and returns false. A ConfigErrors passes through.
    template <class F>
    bool attempt(F&& body);
    /// Adds an error for every key that no Section accessor asked for (with a "did you mean"
    /// hint when a known key of the same table is within 2 edits), then, if there is any
    /// error, throws ConfigErrors with all of them in file order (line, column; --set and
    /// unlocated errors last, in the order found). Returns normally if the config is valid.
    /// Does not change the reader: calling it again throws the same.
    void finish() const;

    /// Where a node from the config is: "--set <arg>" for command-line overrides, else the file
    /// and the node's position, else `fallback` if the node has no position.
    [[nodiscard]] SourceLocation locate(const toml::source_region& region,
                                        const SourceLocation& fallback) const;

private:
    friend class Section;
    void mark(const toml::table& table, std::string_view key);
    void mark_all(const toml::table& table);
    void mark_tree(const toml::table& table);
    void collect_unknown(const toml::table& table, const std::string& path,
                         std::vector<ConfigError>& out) const;

    const toml::table* root_;
    std::string file_;
    std::map<const toml::table*, std::set<std::string, std::less<>>> known_;
    std::vector<ConfigError> errors_;
};

// ---- templates ----

namespace detail {
/// Runs `body`; a ConfigError it throws goes to `on_error` and gives false. A ConfigErrors (a
/// whole file's list, already complete) passes through.
template <class F, class E>
bool run_catching_config_error(F&& body, E&& on_error) {
    try {
        std::forward<F>(body)();
        return true;
    } catch (const ConfigErrors&) {
        throw;
    } catch (const ConfigError& error) {
        std::forward<E>(on_error)(error);
        return false;
    }
}
}  // namespace detail

template <class T, class F>
T Section::recover(T fallback, F&& body) const {
    std::optional<T> value;
    const bool ok =
        detail::run_catching_config_error([&] { value.emplace(std::forward<F>(body)()); },
                                          [this](const ConfigError& error) { record(error); });
    return ok ? std::move(*value) : std::move(fallback);
}

template <class F>
bool Section::attempt(F&& body) {
    return detail::run_catching_config_error(std::forward<F>(body),
                                             [this](const ConfigError& error) { abandon(error); });
}

template <class F>
bool ConfigReader::attempt(F&& body) {
    return detail::run_catching_config_error(std::forward<F>(body),
                                             [this](const ConfigError& error) {
                                                 record(error);
                                                 mark_tree(*root_);
                                             });
}

template <class T>
std::optional<T> Section::optional(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    return recover<std::optional<T>>(std::nullopt, [&] { return convert<T>(*node, key); });
}

template <class T>
T Section::require(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) missing(key);
    return convert<T>(*node, key);
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
    if (array == nullptr) {
        record(type_error(*node, key_path(key), "an array of integers"));
        return default_value;
    }
    std::vector<T> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string item = key_path(key) + "[" + std::to_string(i) + "]";
        const auto value = recover<std::optional<T>>(std::nullopt, [&] {
            return static_cast<T>(
                checked_integer(*array->get(i), item, clamp64(min), clamp64(max)));
        });
        if (value) out.push_back(*value);
    }
    return out;
}

template <class E, std::size_t N>
E Section::choice(std::string_view key, E default_value, const EnumNames<E, N>& names) {
    const std::string chosen =
        one_of(key, find_name(names, default_value).value_or(""), all_names(names));
    return find_value(names, chosen).value_or(default_value);
}

}  // namespace app
