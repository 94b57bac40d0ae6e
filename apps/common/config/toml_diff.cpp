#include "config/toml_diff.hpp"

#include <set>
#include <sstream>

namespace app {
namespace {

std::string text_of(const toml::node& node) {
    std::ostringstream out;
    node.visit([&](const auto& value) { out << value; });
    return out.str();
}

std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Every leaf of `node` at `path`, prefixed by `sign` ("+" or "-").
void list_all(const toml::node& node, const std::string& path, char sign,
              std::vector<std::string>& out) {
    if (const toml::table* table = node.as_table()) {
        for (const auto& [key, child] : *table)
            list_all(child, join(path, key.str()), sign, out);
        return;
    }
    out.push_back(std::string(1, sign) + " " + path + " = " + text_of(node));
}

void diff(const toml::table& before, const toml::table& after, const std::string& path,
          std::vector<std::string>& out) {
    std::set<std::string> keys;
    for (const auto& [key, node] : before)
        keys.insert(std::string(key.str()));
    for (const auto& [key, node] : after)
        keys.insert(std::string(key.str()));
    for (const std::string& key : keys) {
        const toml::node* old_node = before.get(key);
        const toml::node* new_node = after.get(key);
        const std::string here = join(path, key);
        if (old_node == nullptr) {
            list_all(*new_node, here, '+', out);
        } else if (new_node == nullptr) {
            list_all(*old_node, here, '-', out);
        } else if (old_node->is_table() && new_node->is_table()) {
            diff(*old_node->as_table(), *new_node->as_table(), here, out);
        } else if (text_of(*old_node) != text_of(*new_node)) {
            out.push_back("~ " + here + ": " + text_of(*old_node) + " -> " + text_of(*new_node));
        }
    }
}

}  // namespace

std::vector<std::string> diff_tables(const toml::table& before, const toml::table& after) {
    std::vector<std::string> out;
    diff(before, after, "", out);
    return out;
}

}  // namespace app
