#include "audit/transparency/merkle_tree.h"

#include <bit>
#include <cassert>

namespace keyledger::transparency {

void MerkleTree::append(const Hash& leaf) {
    Hash node = leaf_hash(leaf);
    for (std::size_t level = 0;; ++level) {
        if (level == levels_.size()) {
            levels_.emplace_back();
        }
        levels_[level].push_back(node);
        const std::size_t count = levels_[level].size();
        if (count % 2 != 0) {
            return;
        }
        node = node_hash(levels_[level][count - 2], levels_[level][count - 1]);
    }
}

Hash MerkleTree::range_hash(std::uint64_t begin, std::uint64_t end) const {
    const std::uint64_t width = end - begin;
    if (std::has_single_bit(width) && begin % width == 0) {
        const auto level = static_cast<std::size_t>(std::countr_zero(width));
        return levels_[level][begin >> level];
    }
    const std::uint64_t k = split_point(width);
    return node_hash(range_hash(begin, begin + k), range_hash(begin + k, end));
}

Hash MerkleTree::root(std::uint64_t tree_size) const {
    assert(tree_size <= size());
    return tree_size == 0 ? empty_tree_root() : range_hash(0, tree_size);
}

// PATH(m, D[begin:end]) of RFC 9162, appended to `out` in the order the verifier consumes it
// (from the leaf up).
void MerkleTree::path(std::uint64_t index, std::uint64_t begin, std::uint64_t end,
                      std::vector<Hash>& out) const {
    if (end - begin <= 1) {
        return;
    }
    const std::uint64_t k = split_point(end - begin);
    if (index < begin + k) {
        path(index, begin, begin + k, out);
        out.push_back(range_hash(begin + k, end));
    } else {
        path(index, begin + k, end, out);
        out.push_back(range_hash(begin, begin + k));
    }
}

std::vector<Hash> MerkleTree::inclusion_proof(std::uint64_t leaf_index,
                                              std::uint64_t tree_size) const {
    assert(leaf_index < tree_size && tree_size <= size());
    std::vector<Hash> out;
    path(leaf_index, 0, tree_size, out);
    return out;
}

// SUBPROOF(m, D[begin:end], b) of RFC 9162, with m = old_end - begin.
void MerkleTree::subproof(std::uint64_t old_end, std::uint64_t begin, std::uint64_t end,
                          bool old_is_whole_subtree, std::vector<Hash>& out) const {
    if (old_end == end) {
        if (!old_is_whole_subtree) {
            out.push_back(range_hash(begin, end));
        }
        return;
    }
    const std::uint64_t k = split_point(end - begin);
    if (old_end - begin <= k) {
        subproof(old_end, begin, begin + k, old_is_whole_subtree, out);
        out.push_back(range_hash(begin + k, end));
    } else {
        subproof(old_end, begin + k, end, false, out);
        out.push_back(range_hash(begin, begin + k));
    }
}

std::vector<Hash> MerkleTree::consistency_proof(std::uint64_t old_size,
                                                std::uint64_t new_size) const {
    assert(old_size <= new_size && new_size <= size());
    std::vector<Hash> out;
    if (old_size == 0 || old_size == new_size) {
        return out;
    }
    subproof(old_size, 0, new_size, true, out);
    return out;
}

}  // namespace keyledger::transparency
