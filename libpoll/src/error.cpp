#include <mio/error.hpp>

#include <string>

namespace mio {
namespace {

class MioCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "mio"; }

    std::string message(int value) const override {
        switch (static_cast<Errc>(value)) {
            case Errc::already_registered:
                return "I/O source already registered with a Registry";
            case Errc::not_registered:
                return "I/O source not registered with this Registry";
            case Errc::registered_with_other_registry:
                return "I/O source already registered with a different Registry";
            case Errc::waker_exists:
                return "only a single Waker can be active per Poll instance";
            case Errc::invalid_address:
                return "invalid socket address";
            case Errc::path_too_long:
                return "Unix socket path is longer than sun_path allows";
        }
        return "unknown mio error " + std::to_string(value);
    }

    // Each libpoll error also answers to the portable condition a caller would test.
    bool equivalent(int value, const std::error_condition& cond) const noexcept override {
        switch (static_cast<Errc>(value)) {
            case Errc::already_registered:
            case Errc::registered_with_other_registry:
            case Errc::waker_exists:
                return cond == std::errc::file_exists;
            case Errc::not_registered:
                return cond == std::errc::no_such_file_or_directory;
            case Errc::invalid_address:
                return cond == std::errc::invalid_argument;
            case Errc::path_too_long:
                return cond == std::errc::filename_too_long;
        }
        return false;
    }
};

}  // namespace

const std::error_category& mio_category() noexcept {
    static const MioCategory category;
    return category;
}

}  // namespace mio
