// ConfigReader: the errors of one config (collected, then reported together) and the keys
// nobody asked for.

#include "config/config_reader.hpp"

#include <algorithm>
#include <tuple>

#include "config/suggest.hpp"

namespace app {
namespace {

std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

/// File order: located errors by line and column, then unlocated ones (--set, unreadable).
bool before(const ConfigError& a, const ConfigError& b) {
    return std::tuple(a.line == 0, a.line, a.column) < std::tuple(b.line == 0, b.line, b.column);
}

}  // namespace

ConfigReader::ConfigReader(const toml::table& root, std::string file)
    : root_(&root), file_(std::move(file)) {
    known_[root_];  // the root is always inspected, even if nobody read it
}

Section ConfigReader::root() {
    return Section(*this, *root_, "", locate(root_->source(), SourceLocation{file_, 0, 0}));
}

SourceLocation ConfigReader::locate(const toml::source_region& region,
                                    const SourceLocation& fallback) const {
    if (region.path && region.path->starts_with("--set")) return {*region.path, 0, 0};
    if (region.begin.line == 0) return fallback;
    return {file_, region.begin.line, region.begin.column};
}

void ConfigReader::record(ConfigError error) {
    const bool duplicate = std::any_of(errors_.begin(), errors_.end(), [&](const ConfigError& e) {
        return std::string_view(e.what()) == error.what();
    });
    if (!duplicate) errors_.push_back(std::move(error));
}

bool ConfigReader::has_error(std::string_view key) const {
    return std::any_of(errors_.begin(), errors_.end(), [key](const ConfigError& e) {
        if (!e.key.starts_with(key)) return false;
        if (e.key.size() == key.size() || key.empty()) return true;
        const char next = e.key[key.size()];
        return next == '.' || next == '[';
    });
}

void ConfigReader::mark(const toml::table& table, std::string_view key) {
    known_[&table].emplace(key);
}

void ConfigReader::mark_all(const toml::table& table) {
    for (auto&& [key, value] : table)
        mark(table, key.str());
}

void ConfigReader::mark_tree(const toml::table& table) {
    mark_all(table);
    for (auto&& [key, value] : table) {
        if (const auto* sub = value.as_table()) mark_tree(*sub);
        if (const auto* array = value.as_array()) {
            for (const toml::node& element : *array) {
                if (const auto* sub = element.as_table()) mark_tree(*sub);
            }
        }
    }
}

void ConfigReader::collect_unknown(const toml::table& table, const std::string& path,
                                   std::vector<ConfigError>& out) const {
    const auto it = known_.find(&table);
    if (it == known_.end()) return;  // never opened as a Section: not part of the schema read
    const std::vector<std::string> known(it->second.begin(), it->second.end());
    const SourceLocation table_where = locate(table.source(), SourceLocation{file_, 0, 0});
    for (auto&& [key, value] : table) {
        const std::string name(key.str());
        const std::string full = join(path, name);
        if (!it->second.contains(name)) {
            const SourceLocation at = locate(key.source(), table_where);
            out.emplace_back(at.file, at.line, at.column, full,
                             "unknown key '" + name + "'" + did_you_mean(name, known));
        } else if (const auto* sub = value.as_table()) {
            collect_unknown(*sub, full, out);
        } else if (const auto* array = value.as_array()) {
            for (std::size_t i = 0; i < array->size(); ++i) {
                if (const auto* element = array->get(i)->as_table()) {
                    collect_unknown(*element, full + "[" + std::to_string(i) + "]", out);
                }
            }
        }
    }
}

void ConfigReader::finish() const {
    std::vector<ConfigError> all = errors_;
    collect_unknown(*root_, "", all);
    if (all.empty()) return;
    // Stable: errors at one place keep the order they were found in (cause before consequence).
    std::stable_sort(all.begin(), all.end(), before);
    throw ConfigErrors(std::move(all));
}

}  // namespace app
