#pragma once
// Source: what can be registered with a Registry (mio's `event::Source` trait).

#include <concepts>

#include <mio/error.hpp>
#include <mio/interest.hpp>
#include <mio/token.hpp>

namespace mio {

class Registry;

/// A type that can be registered with a Registry. Every libpoll I/O type models it, and so does
/// SourceFd. A user type models it by delegating the three calls to a member, e.g.
///
///     struct Conn {
///         net::TcpStream stream;
///         Result<void> register_with(const Registry& r, Token t, Interest i) {
///             return r.register_source(stream, t, i);
///         }
///         ... reregister_with / deregister_from likewise ...
///     };
///
/// Users call Registry::register_source / reregister_source / deregister_source, not these.
/// An error returned by a Source is handed back by the Registry unchanged.
template <class S>
concept Source = requires(S& source, const Registry& registry, Token token, Interest interest) {
    { source.register_with(registry, token, interest) } -> std::same_as<Result<void>>;
    { source.reregister_with(registry, token, interest) } -> std::same_as<Result<void>>;
    { source.deregister_from(registry) } -> std::same_as<Result<void>>;
};

}  // namespace mio
