#include "audit/transparency/compact_range.h"

namespace keyledger::transparency {

void CompactRange::append(const Hash& leaf) {
    Hash node = leaf_hash(leaf);
    // Each trailing set bit of the old size is a complete subtree of the same width as the node
    // being carried: merge them, as a binary increment carries.
    for (std::uint64_t carry = size_; (carry & 1) != 0; carry >>= 1) {
        node = node_hash(subtrees_.back(), node);
        subtrees_.pop_back();
    }
    subtrees_.push_back(node);
    ++size_;
}

Hash CompactRange::root() const {
    if (subtrees_.empty()) {
        return empty_tree_root();
    }
    Hash root = subtrees_.back();
    for (auto it = subtrees_.rbegin() + 1; it != subtrees_.rend(); ++it) {
        root = node_hash(*it, root);
    }
    return root;
}

}  // namespace keyledger::transparency
