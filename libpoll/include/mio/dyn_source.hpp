#pragma once
// DynSource: a run-time polymorphic Source, for heterogeneous collections of sources
// (mio's `Box<dyn Source>`).

#include <mio/error.hpp>
#include <mio/export.hpp>
#include <mio/interest.hpp>
#include <mio/token.hpp>

namespace mio {

class Registry;

/// An abstract base that models the Source concept through virtual calls, so that
/// `std::unique_ptr<DynSource>` can hold any source and still be registered:
/// `registry.register_source(*ptr, token, interest)`. The static Source concept is the
/// default; reach for this only when the concrete type is not known at compile time.
class MIO_API DynSource {
public:
    virtual ~DynSource() = default;
    /// See Registry::register_source. Errors: whatever the implementation returns.
    [[nodiscard]] virtual Result<void> register_with(const Registry& registry, Token token,
                                                     Interest interest) = 0;
    /// See Registry::reregister_source.
    [[nodiscard]] virtual Result<void> reregister_with(const Registry& registry, Token token,
                                                       Interest interest) = 0;
    /// See Registry::deregister_source.
    [[nodiscard]] virtual Result<void> deregister_from(const Registry& registry) = 0;
};

}  // namespace mio
