#pragma once
// A Merkle tree held in memory that answers any RFC 9162 question about any of its prefixes:
// the root of the first m leaves, an inclusion proof in it, a consistency proof between two
// prefixes.
//
// It keeps every complete aligned subtree's hash (level 0: the leaf hashes; level j: subtrees of
// 2^j leaves), about 2 x 32 bytes per leaf. Appending a leaf costs O(1) hashes amortised; a root
// or a proof then costs O(log^2 n) hashes at worst (only the subtrees along the right edge of a
// prefix are not stored) and reads nothing from disk.

#include <cstdint>
#include <vector>

#include "audit/transparency/merkle.h"

namespace keyledger::transparency {

class MerkleTree {
  public:
    void append(const Hash& leaf);
    [[nodiscard]] std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }

    // The root of the first `tree_size` leaves. Precondition: tree_size <= size().
    [[nodiscard]] Hash root(std::uint64_t tree_size) const;
    [[nodiscard]] Hash root() const { return root(size()); }

    // RFC 9162 2.1.3.1: the proof that leaf `leaf_index` (from 0) is in the first `tree_size`
    // leaves. Precondition: leaf_index < tree_size <= size().
    [[nodiscard]] std::vector<Hash> inclusion_proof(std::uint64_t leaf_index,
                                                    std::uint64_t tree_size) const;

    // RFC 9162 2.1.4.1: the proof that the first `old_size` leaves are a prefix of the first
    // `new_size`. Empty when old_size is 0 or equal to new_size.
    // Precondition: old_size <= new_size <= size().
    [[nodiscard]] std::vector<Hash> consistency_proof(std::uint64_t old_size,
                                                      std::uint64_t new_size) const;

  private:
    // MTH of leaves [begin, end), end > begin.
    [[nodiscard]] Hash range_hash(std::uint64_t begin, std::uint64_t end) const;
    void path(std::uint64_t index, std::uint64_t begin, std::uint64_t end,
              std::vector<Hash>& out) const;
    void subproof(std::uint64_t old_end, std::uint64_t begin, std::uint64_t end,
                  bool old_is_whole_subtree, std::vector<Hash>& out) const;

    std::vector<std::vector<Hash>> levels_;
};

}  // namespace keyledger::transparency
