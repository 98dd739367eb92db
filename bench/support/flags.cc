#include "bench/support/flags.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string_view>

namespace keyledger::bench {
namespace {

std::map<std::string, std::string>& flags() {
    static std::map<std::string, std::string> values;
    return values;
}

}  // namespace

void take_flags(int& argc, char** argv) {
    constexpr std::string_view kPrefix = "--kl_";
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        const auto equals = arg.find('=');
        if (arg.starts_with(kPrefix) && equals != std::string_view::npos) {
            flags()[std::string(arg.substr(kPrefix.size(), equals - kPrefix.size()))] =
                std::string(arg.substr(equals + 1));
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
}

std::uint64_t flag_u64(const std::string& name, std::uint64_t fallback) {
    auto it = flags().find(name);
    if (it == flags().end()) {
        return fallback;
    }
    std::uint64_t value = 0;
    const auto& text = it->second;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        std::fprintf(stderr, "--kl_%s wants a whole number, not '%s'\n", name.c_str(),
                     text.c_str());
        std::exit(2);
    }
    return value;
}

std::string flag_string(const std::string& name, const std::string& fallback) {
    auto it = flags().find(name);
    return it == flags().end() ? fallback : it->second;
}

}  // namespace keyledger::bench
