#pragma once
// Password hashes for the simulation: Argon2id at libsodium's minimum cost (1 pass over 8 KiB,
// the `minimal` cost of security/password.h) with a salt derived from the run's seed, so that a
// run records the same hashes every time. security::verify_password checks them like any other.

#include <string>
#include <string_view>

namespace keyledger::sim {

inline constexpr std::string_view kSimPasswordCost = "minimal (Argon2id, t=1, m=8 KiB)";

// `salt_material` is hashed into the 16-byte salt; the result is a PHC "$argon2id$..." string.
[[nodiscard]] std::string sim_password_hash(std::string_view password,
                                            std::string_view salt_material);

}  // namespace keyledger::sim
