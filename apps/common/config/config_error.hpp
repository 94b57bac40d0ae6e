#pragma once
// ConfigError: an invalid configuration, located in its file (exit code 78).

#include <cstddef>
#include <stdexcept>
#include <string>

namespace app {

/// An invalid configuration value, key or file. Positions are 1-based; 0 means unknown.
/// what() is "<file>:<line>:<column>: <key>: <message>"; the line/column part is left out when
/// unknown and the key part when there is no key (e.g. a file that cannot be read).
struct ConfigError : std::runtime_error {
    /// Builds the error and its what() text. Throws only std::bad_alloc.
    ConfigError(std::string file, std::size_t line, std::size_t column, std::string key,
                std::string message);

    std::string file;     ///< the config file, or "--set <arg>" for a command-line override
    std::size_t line;     ///< 1-based, 0 if unknown
    std::size_t column;   ///< 1-based, 0 if unknown
    std::string key;      ///< full dotted path, e.g. "listeners.echo.bind"; may be empty
    std::string message;  ///< the reason alone, without the location
};

}  // namespace app
