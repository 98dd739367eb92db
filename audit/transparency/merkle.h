#pragma once
// The Merkle tree of Certificate Transparency (RFC 9162 section 2.1) over keyledger's event log.
//
// The leaves are the events' stored 32-byte hashes, in log order: event position p is leaf index
// p - 1. A leaf is hashed as SHA-256(0x00 || leaf), an inner node as SHA-256(0x01 || left ||
// right), and the root of the empty tree is SHA-256 of nothing. Proofs and their verification
// follow RFC 9162 sections 2.1.3 and 2.1.4 exactly; this header is pure (no I/O) and is what the
// standalone verifier links.
//
// Link keyledger_transparency_core.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keyledger::transparency {

using Hash = std::array<std::uint8_t, 32>;

[[nodiscard]] Hash leaf_hash(const Hash& leaf);
[[nodiscard]] Hash node_hash(const Hash& left, const Hash& right);
[[nodiscard]] Hash empty_tree_root();

// The largest power of two smaller than n (n > 1), the split point of RFC 9162's MTH.
[[nodiscard]] std::uint64_t split_point(std::uint64_t n);

// 64 lower-case hex digits, and back (nullopt-like failure as false).
[[nodiscard]] std::string to_hex(const Hash& hash);
[[nodiscard]] bool from_hex(std::string_view text, Hash& out);

// Verifies an inclusion proof (RFC 9162 2.1.3.2): that `leaf` is leaf number `leaf_index`
// (from 0) of the tree of `tree_size` leaves whose root is `root`.
[[nodiscard]] bool verify_inclusion(const Hash& leaf, std::uint64_t leaf_index,
                                    std::uint64_t tree_size, std::span<const Hash> path,
                                    const Hash& root);

// Verifies a consistency proof (RFC 9162 2.1.4.2): that the tree of `old_size` leaves with root
// `old_root` is a prefix of the tree of `new_size` leaves with root `new_root`. Equal sizes need
// an empty proof and equal roots; the empty tree (old_size 0) is a prefix of every tree and needs
// an empty proof.
[[nodiscard]] bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size,
                                      const Hash& old_root, const Hash& new_root,
                                      std::span<const Hash> path);

}  // namespace keyledger::transparency
