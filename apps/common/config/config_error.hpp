#pragma once
// ConfigError: an invalid configuration, located in its file (exit code 78); ConfigErrors: all
// of a file's errors at once, so that one --check run lists every mistake.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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

protected:
    /// `first`'s fields with another what() text (for ConfigErrors).
    ConfigError(const ConfigError& first, const std::string& what_text);
};

/// Every error found in one configuration, in file order. It is a ConfigError (the first
/// error's fields), so code and tests that handle one error keep working; what() lists up to
/// kMaxListed errors, one per line, then "... and N more errors". Thread safety: a plain value.
struct ConfigErrors : ConfigError {
    /// More than this many errors are counted, not listed: past 20 a file is rarely worth
    /// reading error by error, and the first ones usually explain the rest.
    static constexpr std::size_t kMaxListed = 20;

    /// Takes `errors`, already in the order to report. Precondition: not empty. Throws only
    /// std::bad_alloc.
    explicit ConfigErrors(std::vector<ConfigError> errors);

    /// The listed errors' what() texts joined by `separator` ("\n" gives what(); "; " gives
    /// one log line), with "... and N more errors" last when some are not listed.
    [[nodiscard]] std::string joined(std::string_view separator) const;

    std::vector<ConfigError> errors;  ///< all of them, in file order
};

}  // namespace app
