#pragma once
// Force-included in the fuzz build only (clang, C++23). Cap'n Proto 0.9's headers compare a
// `const char*` with a kj::StringPtr; with C++20's comparison rewriting kj drops the free
// operators that made this work and clang 16 finds no other. These restore them.
// TODO(reliability): drop once Debian's Cap'n Proto supports C++20 with clang.

#include <kj/string.h>

namespace kj {
inline bool operator==(const char* a, const StringPtr& b) {
    return b == StringPtr(a);
}
inline bool operator!=(const char* a, const StringPtr& b) {
    return !(b == StringPtr(a));
}
}  // namespace kj
