#include "config/config_error.hpp"

#include <algorithm>
#include <utility>

namespace app {
namespace {

std::string describe(const std::string& file, std::size_t line, std::size_t column,
                     const std::string& key, const std::string& message) {
    std::string text = file;
    if (line > 0) text += ":" + std::to_string(line) + ":" + std::to_string(column);
    text += ": ";
    if (!key.empty()) text += key + ": ";
    return text + message;
}

std::string join(const std::vector<ConfigError>& errors, std::string_view separator) {
    const std::size_t listed = std::min(errors.size(), ConfigErrors::kMaxListed);
    std::string text;
    for (std::size_t i = 0; i < listed; ++i) {
        if (i > 0) text += separator;
        text += errors[i].what();
    }
    if (const std::size_t rest = errors.size() - listed; rest > 0) {
        text += std::string(separator) + "... and " + std::to_string(rest) + " more error" +
                (rest == 1 ? "" : "s");
    }
    return text;
}

}  // namespace

ConfigError::ConfigError(std::string file_, std::size_t line_, std::size_t column_,
                         std::string key_, std::string message_)
    : std::runtime_error(describe(file_, line_, column_, key_, message_)),
      file(std::move(file_)),
      line(line_),
      column(column_),
      key(std::move(key_)),
      message(std::move(message_)) {}

ConfigError::ConfigError(const ConfigError& first, const std::string& what_text)
    : std::runtime_error(what_text),
      file(first.file),
      line(first.line),
      column(first.column),
      key(first.key),
      message(first.message) {}

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors_)
    : ConfigError(errors_.front(), join(errors_, "\n")), errors(std::move(errors_)) {}

std::string ConfigErrors::joined(std::string_view separator) const {
    return join(errors, separator);
}

}  // namespace app
