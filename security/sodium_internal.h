#pragma once
// Internal to keyledger_security: libsodium start-up.

namespace keyledger::security::detail {

// Initialises libsodium exactly once per process (thread-safe; later calls are cheap). Every
// function of this library that calls into libsodium calls this first.
//
// Aborts the process if libsodium cannot initialise: without a working CSPRNG the only other
// choice would be to mint predictable ids and secrets.
void ensure_sodium();

}  // namespace keyledger::security::detail
