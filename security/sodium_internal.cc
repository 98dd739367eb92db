#include "security/sodium_internal.h"

#include <sodium.h>

#include <cstdlib>

namespace keyledger::security::detail {

void ensure_sodium() {
    // A function-local static is initialised once, and other threads wait for it (C++11 and
    // later), so sodium_init() runs exactly once even when the first calls race.
    static const bool ready = sodium_init() >= 0;
    if (!ready) {
        std::abort();
    }
}

}  // namespace keyledger::security::detail
