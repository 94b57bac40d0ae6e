#include <mio/interest.hpp>

namespace mio {

std::string to_string(Interest interest) {
    struct Name {
        bool present;
        const char* text;
    };
    const Name names[] = {
        {interest.is_readable(), "READABLE"}, {interest.is_writable(), "WRITABLE"},
        {interest.is_aio(), "AIO"},           {interest.is_lio(), "LIO"},
        {interest.is_priority(), "PRIORITY"},
    };
    std::string out;
    for (const Name& n : names) {
        if (!n.present) continue;
        if (!out.empty()) out += " | ";
        out += n.text;
    }
    return out;
}

}  // namespace mio
