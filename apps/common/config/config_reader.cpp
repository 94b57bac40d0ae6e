#include "config/config_reader.hpp"

#include <algorithm>
#include <tuple>

#include "config/suggest.hpp"

namespace app {
namespace {

std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

bool valid_name(std::string_view name) {
    if (name.empty()) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

}  // namespace

// ---- ConfigReader ----

struct ConfigReader::Unknown {
    SourceLocation where;
    std::string key;
    std::string message;
};

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

void ConfigReader::mark(const toml::table& table, std::string_view key) {
    known_[&table].emplace(key);
}

void ConfigReader::mark_all(const toml::table& table) {
    for (auto&& [key, value] : table)
        mark(table, key.str());
}

void ConfigReader::collect_unknown(const toml::table& table, const std::string& path,
                                   std::vector<Unknown>& out) const {
    const auto it = known_.find(&table);
    if (it == known_.end()) return;  // never opened as a Section: not part of the schema read
    const std::vector<std::string> known(it->second.begin(), it->second.end());
    const SourceLocation table_where = locate(table.source(), SourceLocation{file_, 0, 0});
    for (auto&& [key, value] : table) {
        const std::string name(key.str());
        const std::string full = join(path, name);
        if (!it->second.contains(name)) {
            out.push_back({locate(key.source(), table_where), full,
                           "unknown key '" + name + "'" + did_you_mean(name, known)});
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

void ConfigReader::reject_unknown_keys() const {
    std::vector<Unknown> unknown;
    collect_unknown(*root_, "", unknown);
    if (unknown.empty()) return;
    const auto first =
        std::min_element(unknown.begin(), unknown.end(), [](const Unknown& a, const Unknown& b) {
            return std::tuple(a.where.line == 0, a.where.line, a.where.column) <
                   std::tuple(b.where.line == 0, b.where.line, b.where.column);
        });
    throw ConfigError(first->where.file, first->where.line, first->where.column, first->key,
                      first->message);
}

// ---- Section: structure and errors ----

Section::Section(ConfigReader& reader, const toml::table& table, std::string path,
                 SourceLocation where)
    : reader_(&reader), table_(&table), path_(std::move(path)), where_(std::move(where)) {
    reader_->known_[table_];
}

std::string Section::key_path(std::string_view key) const {
    return join(path_, key);
}

bool Section::has(std::string_view key) {
    return lookup(key) != nullptr;
}

const toml::node* Section::lookup(std::string_view key) {
    reader_->mark(*table_, key);
    return table_->get(key);
}

SourceLocation Section::locate(std::string_view key) const {
    const toml::node* node = table_->get(key);
    return node != nullptr ? reader_->locate(node->source(), where_) : where_;
}

void Section::fail(std::string_view key, const std::string& message) const {
    const SourceLocation where = locate(key);
    throw ConfigError(where.file, where.line, where.column, key_path(key), message);
}

void Section::fail_here(const std::string& message) const {
    throw ConfigError(where_.file, where_.line, where_.column, path_, message);
}

void Section::fail_at(const toml::node& node, const std::string& key,
                      const std::string& message) const {
    const SourceLocation where = reader_->locate(node.source(), where_);
    throw ConfigError(where.file, where.line, where.column, key, message);
}

void Section::missing(std::string_view key) const {
    std::vector<std::string> present;
    for (auto&& [name, value] : *table_)
        present.emplace_back(name.str());
    std::string hint;
    if (auto close = closest_match(key, present)) hint = " (is '" + *close + "' a misspelling?)";
    const std::string where = path_.empty() ? std::string{} : " in [" + path_ + "]";
    throw ConfigError(where_.file, where_.line, where_.column, key_path(key),
                      "missing required key '" + std::string(key) + "'" + where + hint);
}

Section Section::child(const toml::table& table, const std::string& path) const {
    return Section(*reader_, table, path, reader_->locate(table.source(), where_));
}

std::optional<Section> Section::section(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    const toml::table* table = node->as_table();
    if (table == nullptr) wrong_type(*node, key_path(key), "a table");
    return child(*table, key_path(key));
}

Section Section::section_or_empty(std::string_view key) {
    static const toml::table empty;
    if (auto found = section(key)) return *found;
    return Section(*reader_, empty, key_path(key), where_);
}

std::vector<std::pair<std::string, Section>> Section::sections(std::string_view key) {
    std::optional<Section> parent = section(key);
    if (!parent) return {};
    reader_->mark_all(*parent->table_);
    std::vector<std::pair<std::string, Section>> out;
    for (auto&& [name_key, value] : *parent->table_) {
        const std::string name(name_key.str());
        const std::string path = parent->key_path(name);
        if (!valid_name(name)) {
            const SourceLocation at = reader_->locate(name_key.source(), parent->where_);
            throw ConfigError(at.file, at.line, at.column, path,
                              "invalid name '" + name + "': names must match [a-z0-9_-]+");
        }
        const toml::table* table = value.as_table();
        if (table == nullptr) wrong_type(value, path, "a table");
        out.emplace_back(name, parent->child(*table, path));
    }
    return out;
}

std::vector<Section> Section::table_array(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return {};
    const toml::array* array = node->as_array();
    if (array == nullptr) wrong_type(*node, key_path(key), "an array of tables");
    std::vector<Section> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string path = key_path(key) + "[" + std::to_string(i) + "]";
        const toml::table* table = array->get(i)->as_table();
        if (table == nullptr) wrong_type(*array->get(i), path, "a table");
        out.push_back(child(*table, path));
    }
    return out;
}

}  // namespace app
