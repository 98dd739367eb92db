#pragma once
// Flags of the bench programs that Google Benchmark does not know ("--kl_name=value"): taken out
// of argv before benchmark::Initialize sees it.

#include <cstdint>
#include <string>

namespace keyledger::bench {

// Removes every "--kl_*=value" argument from argv and remembers it.
void take_flags(int& argc, char** argv);
// The value of --kl_<name>, or `fallback`. Exits with a message on a value that is not a number.
std::uint64_t flag_u64(const std::string& name, std::uint64_t fallback);
std::string flag_string(const std::string& name, const std::string& fallback);

}  // namespace keyledger::bench
