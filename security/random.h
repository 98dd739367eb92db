#pragma once
// The process's only source of randomness for ids and secrets: libsodium's CSPRNG (the kernel's
// getrandom() on Linux). Thread-safe; never blocks once the kernel pool is initialised. Not for
// the deterministic simulation, which must use a seeded generator of its own.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace keyledger::security {

// `count` uniformly random bytes.
[[nodiscard]] std::string random_bytes(std::size_t count);

// A uniformly random integer in [0, upper_bound), without modulo bias.
// Precondition (asserted): upper_bound > 0.
[[nodiscard]] std::uint32_t random_below(std::uint32_t upper_bound);

// A fresh public id: `prefix` + "_" + 26 characters of lower-case base32 (see base32.h) encoding
// 16 random bytes, i.e. 128 random bits; e.g. new_id("usr") -> "usr_k2v7n4q3xdw5bm6hgtcyz2jf5e".
// Ids are unguessable but not secret: they may be logged.
// Precondition (asserted): `prefix` is 1 to 16 characters of a-z.
[[nodiscard]] std::string new_id(std::string_view prefix);

}  // namespace keyledger::security
