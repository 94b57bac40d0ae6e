// Section: the structure of a config (sub-tables, named tables, arrays of tables) and its
// errors (recorded, or thrown to abandon a section).

#include <algorithm>

#include "config/config_reader.hpp"
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

bool Section::expect_key(std::string_view key) {
    if (has(key)) return true;
    record(missing_error(key));
    return false;
}

bool Section::failed(std::string_view key) const {
    return reader_->has_error(key_path(key));
}

const toml::node* Section::lookup(std::string_view key) {
    reader_->mark(*table_, key);
    return table_->get(key);
}

SourceLocation Section::locate(std::string_view key) const {
    const toml::node* node = table_->get(key);
    return node != nullptr ? reader_->locate(node->source(), where_) : where_;
}

// ---- errors ----

void Section::record(const ConfigError& error) const {
    reader_->record(error);
}

void Section::abandon(const ConfigError& error) const {
    record(error);
    reader_->mark_tree(*table_);
}

ConfigError Section::error_at(const toml::node& node, const std::string& key,
                              const std::string& message) const {
    const SourceLocation where = reader_->locate(node.source(), where_);
    return ConfigError(where.file, where.line, where.column, key, message);
}

void Section::error(std::string_view key, const std::string& message) const {
    const SourceLocation where = locate(key);
    record(ConfigError(where.file, where.line, where.column, key_path(key), message));
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
    throw error_at(node, key, message);
}

ConfigError Section::missing_error(std::string_view key) const {
    std::vector<std::string> present;
    for (auto&& [name, value] : *table_)
        present.emplace_back(name.str());
    std::string hint;
    if (auto close = closest_match(key, present)) hint = " (is '" + *close + "' a misspelling?)";
    const std::string where = path_.empty() ? std::string{} : " in [" + path_ + "]";
    return ConfigError(where_.file, where_.line, where_.column, key_path(key),
                       "missing required key '" + std::string(key) + "'" + where + hint);
}

void Section::missing(std::string_view key) const {
    throw missing_error(key);
}

// ---- structure ----

Section Section::child(const toml::table& table, const std::string& path) const {
    return Section(*reader_, table, path, reader_->locate(table.source(), where_));
}

std::optional<Section> Section::section(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    const toml::table* table = node->as_table();
    if (table == nullptr) {
        record(type_error(*node, key_path(key), "a table"));
        return std::nullopt;
    }
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
            record(ConfigError(at.file, at.line, at.column, path,
                               "invalid name '" + name + "': names must match [a-z0-9_-]+"));
        } else if (const toml::table* table = value.as_table()) {
            out.emplace_back(name, parent->child(*table, path));
        } else {
            record(type_error(value, path, "a table"));
        }
    }
    return out;
}

std::size_t Section::member_count(std::string_view key) const {
    const toml::node* node = table_->get(key);
    const toml::table* table = node != nullptr ? node->as_table() : nullptr;
    return table != nullptr ? table->size() : 0;
}

std::vector<Section> Section::table_array(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return {};
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        record(type_error(*node, key_path(key), "an array of tables"));
        return {};
    }
    std::vector<Section> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string path = key_path(key) + "[" + std::to_string(i) + "]";
        if (const toml::table* table = array->get(i)->as_table()) {
            out.push_back(child(*table, path));
        } else {
            record(type_error(*array->get(i), path, "a table"));
        }
    }
    return out;
}

}  // namespace app
