#include "security/random.h"

#include <sodium.h>

#include <cassert>

#include "security/base32.h"
#include "security/sodium_internal.h"

namespace keyledger::security {
namespace {

[[maybe_unused]] bool valid_prefix(std::string_view prefix) {
    if (prefix.empty() || prefix.size() > 16) {
        return false;
    }
    for (const char c : prefix) {
        if (c < 'a' || c > 'z') {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string random_bytes(std::size_t count) {
    detail::ensure_sodium();
    std::string out(count, '\0');
    randombytes_buf(out.data(), out.size());
    return out;
}

std::uint32_t random_below(std::uint32_t upper_bound) {
    assert(upper_bound > 0);
    detail::ensure_sodium();
    return randombytes_uniform(upper_bound);
}

std::string new_id(std::string_view prefix) {
    assert(valid_prefix(prefix));
    constexpr std::size_t kIdBytes = 16;  // 128 bits

    std::string id(prefix);
    id.push_back('_');
    id += base32_lower_encode(random_bytes(kIdBytes));
    return id;
}

}  // namespace keyledger::security
