#include <mio/event.hpp>
#include <mio/events.hpp>

namespace mio {

std::string to_string(const Event& event) {
    struct Name {
        bool present;
        const char* text;
    };
    const Name names[] = {
        {event.is_readable(), "readable"},
        {event.is_writable(), "writable"},
        {event.is_error(), "error"},
        {event.is_read_closed(), "read_closed"},
        {event.is_write_closed(), "write_closed"},
        {event.is_priority(), "priority"},
        {event.is_aio(), "aio"},
        {event.is_lio(), "lio"},
    };
    std::string out = "Event { token: " + std::to_string(event.token().value);
    for (const Name& n : names) {
        if (n.present) out += std::string(", ") + n.text;
    }
    return out + " }";
}

Events::Events(std::size_t capacity)
    : data_(std::make_unique<Event[]>(capacity == 0 ? 1 : capacity)),
      capacity_(capacity == 0 ? 1 : capacity) {}

std::string to_string(const Events& events) {
    std::string out = "Events { capacity: " + std::to_string(events.capacity()) + ", [";
    const char* separator = "";
    for (const Event& event : events) {
        out += separator + to_string(event);
        separator = ", ";
    }
    return out + "] }";
}

}  // namespace mio
