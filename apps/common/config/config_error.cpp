#include "config/config_error.hpp"

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

}  // namespace

ConfigError::ConfigError(std::string file_, std::size_t line_, std::size_t column_,
                         std::string key_, std::string message_)
    : std::runtime_error(describe(file_, line_, column_, key_, message_)),
      file(std::move(file_)),
      line(line_),
      column(column_),
      key(std::move(key_)),
      message(std::move(message_)) {}

}  // namespace app
