#include "audit/transparency/merkle.h"

#include <algorithm>
#include <bit>
#include <span>

#include "security/sha256.h"

namespace keyledger::transparency {
namespace {

constexpr std::uint8_t kLeafPrefix = 0x00;
constexpr std::uint8_t kNodePrefix = 0x01;

}  // namespace

Hash leaf_hash(const Hash& leaf) {
    std::array<std::uint8_t, 33> input{};
    input[0] = kLeafPrefix;
    std::copy(leaf.begin(), leaf.end(), input.begin() + 1);
    return security::sha256(std::span<const std::uint8_t>(input));
}

Hash node_hash(const Hash& left, const Hash& right) {
    std::array<std::uint8_t, 65> input{};
    input[0] = kNodePrefix;
    std::copy(left.begin(), left.end(), input.begin() + 1);
    std::copy(right.begin(), right.end(), input.begin() + 33);
    return security::sha256(std::span<const std::uint8_t>(input));
}

Hash empty_tree_root() {
    return security::sha256(std::span<const std::uint8_t>());
}

std::uint64_t split_point(std::uint64_t n) {
    return std::bit_floor(n - 1);
}

std::string to_hex(const Hash& hash) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    text.reserve(hash.size() * 2);
    for (std::uint8_t byte : hash) {
        text.push_back(kDigits[byte >> 4]);
        text.push_back(kDigits[byte & 0xf]);
    }
    return text;
}

bool from_hex(std::string_view text, Hash& out) {
    if (text.size() != out.size() * 2) {
        return false;
    }
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;  // upper case is refused: one spelling per hash
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int high = nibble(text[2 * i]);
        const int low = nibble(text[2 * i + 1]);
        if (high < 0 || low < 0) {
            return false;
        }
        out[i] = static_cast<std::uint8_t>(high << 4 | low);
    }
    return true;
}

bool verify_inclusion(const Hash& leaf, std::uint64_t leaf_index, std::uint64_t tree_size,
                      std::span<const Hash> path, const Hash& root) {
    if (leaf_index >= tree_size) {
        return false;
    }
    std::uint64_t fn = leaf_index;
    std::uint64_t sn = tree_size - 1;
    Hash r = leaf_hash(leaf);
    for (const Hash& p : path) {
        if (sn == 0) {
            return false;
        }
        if ((fn & 1) != 0 || fn == sn) {
            r = node_hash(p, r);
            if ((fn & 1) == 0) {
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && r == root;
}

bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Hash& old_root,
                        const Hash& new_root, std::span<const Hash> path) {
    if (old_size > new_size) {
        return false;
    }
    if (old_size == 0) {
        return path.empty();
    }
    if (old_size == new_size) {
        return path.empty() && old_root == new_root;
    }
    if (path.empty()) {
        return false;
    }
    std::vector<Hash> nodes;
    nodes.reserve(path.size() + 1);
    if (std::has_single_bit(old_size)) {
        nodes.push_back(old_root);
    }
    nodes.insert(nodes.end(), path.begin(), path.end());

    std::uint64_t fn = old_size - 1;
    std::uint64_t sn = new_size - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    Hash fr = nodes.front();
    Hash sr = nodes.front();
    for (std::size_t i = 1; i < nodes.size(); ++i) {
        const Hash& c = nodes[i];
        if (sn == 0) {
            return false;
        }
        if ((fn & 1) != 0 || fn == sn) {
            fr = node_hash(c, fr);
            sr = node_hash(c, sr);
            if ((fn & 1) == 0) {
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return fr == old_root && sr == new_root && sn == 0;
}

}  // namespace keyledger::transparency
