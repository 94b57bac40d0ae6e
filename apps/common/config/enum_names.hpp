#pragma once
// EnumNames: the one (config name, value) table of an enum. Parsing (Section::choice), the
// error messages that list the choices and to_string() all read the same table, so a name
// cannot be added to one and forgotten in another.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace app {

/// One enumerator and its name in config files.
template <class E>
struct EnumName {
    std::string_view name;
    E value;
};

/// The table of an enum with N config names, in the order error messages list them.
template <class E, std::size_t N>
using EnumNames = std::array<EnumName<E>, N>;

/// The config name of `value`, or nullopt if the table has none (e.g. a value the config
/// cannot select). Never throws.
template <class E, std::size_t N>
[[nodiscard]] constexpr std::optional<std::string_view> find_name(const EnumNames<E, N>& names,
                                                                  E value) noexcept {
    for (const EnumName<E>& entry : names) {
        if (entry.value == value) return entry.name;
    }
    return std::nullopt;
}

/// The value named `name`, or nullopt. Never throws.
template <class E, std::size_t N>
[[nodiscard]] constexpr std::optional<E> find_value(const EnumNames<E, N>& names,
                                                    std::string_view name) noexcept {
    for (const EnumName<E>& entry : names) {
        if (entry.name == name) return entry.value;
    }
    return std::nullopt;
}

/// Every name, in table order (for "expected one of ..." and "did you mean"). Throws only
/// std::bad_alloc.
template <class E, std::size_t N>
[[nodiscard]] std::vector<std::string> all_names(const EnumNames<E, N>& names) {
    std::vector<std::string> out;
    out.reserve(N);
    for (const EnumName<E>& entry : names)
        out.emplace_back(entry.name);
    return out;
}

}  // namespace app
