#include "config/load.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "config/config_error.hpp"

namespace app {
namespace {

struct FileCloser {
    void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};

[[noreturn]] void unreadable(const std::string& path, int error) {
    throw ConfigError(path, 0, 0, "",
                      "cannot read config file: " + std::string(std::strerror(error)));
}

std::string read_file(const std::string& path) {
    const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) unreadable(path, errno);
    std::string content;
    char buffer[8192];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0)
        content.append(buffer, n);
    if (std::ferror(file.get())) unreadable(path, errno);
    return content;
}

bool bare_key(std::string_view segment) {
    if (segment.empty()) return false;
    for (const char c : segment) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::vector<std::string> split_key(const std::string& arg, std::string_view key) {
    std::vector<std::string> segments;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = key.find('.', start);
        const std::string_view segment = key.substr(start, dot - start);
        if (!bare_key(segment)) {
            throw UsageError("--set '" + arg +
                             "': invalid key; expected key.path=value with key parts made of "
                             "A-Z, a-z, 0-9, '_' and '-'");
        }
        segments.emplace_back(segment);
        if (dot == std::string_view::npos) return segments;
        start = dot + 1;
    }
}

/// `value` as a TOML basic string literal.
std::string quoted(std::string_view value) {
    std::string out = "\"";
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", byte);
            out += escape;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

/// A one-key document {v = value}, parsed as TOML if possible, else holding a string.
toml::table parse_value(std::string_view value, const std::string& source) {
    const bool single_line = value.find_first_of("\r\n") == std::string_view::npos;
    if (single_line) {
        try {
            return toml::parse("v = " + std::string(value), std::string(source));
        } catch (const toml::parse_error&) {
            // not a TOML value: a bare string
        }
    }
    return toml::parse("v = " + quoted(value), std::string(source));
}

toml::table& descend(toml::table& table, const std::string& name, const std::string& arg,
                     const std::string& path) {
    toml::node* node = table.get(name);
    if (node == nullptr) {
        table.insert(name, toml::table{});
        node = table.get(name);
    }
    toml::table* sub = node->as_table();
    if (sub == nullptr) {
        throw UsageError("--set '" + arg + "': '" + path +
                         "' is not a table, cannot set a key in it");
    }
    return *sub;
}

void apply_one(toml::table& config, const std::string& arg) {
    const std::size_t eq = arg.find('=');
    if (eq == std::string::npos) {
        throw UsageError("--set '" + arg + "': expected key.path=value");
    }
    if (eq == 0) throw UsageError("--set '" + arg + "': empty key; expected key.path=value");
    const std::vector<std::string> segments = split_key(arg, std::string_view(arg).substr(0, eq));
    toml::table doc = parse_value(std::string_view(arg).substr(eq + 1), "--set " + arg);
    toml::table* table = &config;
    std::string path;
    for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
        path += (i == 0 ? "" : ".") + segments[i];
        table = &descend(*table, segments[i], arg, path);
    }
    toml::node* value = doc.get("v");
    const toml::key key(segments.back(), value->source());
    value->visit([&](auto&& node) { table->insert_or_assign(key, std::move(node)); });
}

}  // namespace

toml::table parse_config_text(std::string_view text, const std::string& name) {
    try {
        return toml::parse(text, std::string(name));
    } catch (const toml::parse_error& error) {
        throw ConfigError(name, error.source().begin.line, error.source().begin.column, "",
                          std::string(error.description()));
    }
}

toml::table load_config_file(const std::string& path) {
    return parse_config_text(read_file(path), path);
}

void apply_overrides(toml::table& config, const std::vector<std::string>& sets) {
    for (const std::string& arg : sets)
        apply_one(config, arg);
}

}  // namespace app
