#pragma once
// The frontier of a growing Merkle tree: the hashes of its complete subtrees from the left, one
// per set bit of the size (at most 64). Enough to extend the tree by one leaf and to compute its
// root, without keeping or re-reading any earlier leaf. This is what the checkpoint writer keeps
// between checkpoints.

#include <cstdint>
#include <vector>

#include "audit/transparency/merkle.h"

namespace keyledger::transparency {

class CompactRange {
  public:
    void append(const Hash& leaf);
    [[nodiscard]] std::uint64_t size() const { return size_; }
    // The RFC 9162 root of the leaves appended so far. O(log size) hashes.
    [[nodiscard]] Hash root() const;

  private:
    std::uint64_t size_ = 0;
    std::vector<Hash> subtrees_;  // largest (leftmost) first
};

}  // namespace keyledger::transparency
