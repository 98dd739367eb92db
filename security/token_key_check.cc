#include "security/token_key_check.h"

#include "security/digest.h"

namespace keyledger::security {

std::string token_key_check(const SecretHasher& hasher) {
    return to_hex(hasher.hash("keyledger token key check"));
}

}  // namespace keyledger::security
