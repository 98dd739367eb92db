#pragma once
// Secret digests to the tokens they belong to, in an open-addressing table of 8-byte slots: 32
// bits of the digest's hash and a reference. The digests themselves stay in the token records;
// the caller lends a function that gives the digest a reference stands for, so a lookup compares
// the hash bits first and the full digest only on a match.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "domain/types.h"

namespace keyledger::domain {

class SecretIndex {
  public:
    using Ref = std::uint32_t;
    static constexpr Ref kNoRef = std::numeric_limits<Ref>::max();

    // The reference stored for `digest`, or kNoRef.
    template <class DigestOf>
    Ref find(const Digest& digest, const DigestOf& digest_of) const {
        if (slots_.empty()) {
            return kNoRef;
        }
        const std::uint64_t slot = slots_[slot_of(digest, digest_of)];
        return slot == kEmpty ? kNoRef : static_cast<Ref>(slot);
    }

    // Stores `ref` for `digest`, replacing what it led to before. digest_of(ref) must give
    // `digest` from now on.
    template <class DigestOf>
    void put(const Digest& digest, Ref ref, const DigestOf& digest_of) {
        grow_for(used_ + 1);
        const std::size_t at = slot_of(digest, digest_of);
        if (slots_[at] == kEmpty) {
            ++used_;
        }
        slots_[at] = (std::uint64_t{hash_of(digest)} << 32) | ref;
    }

    template <class DigestOf>
    void erase(const Digest& digest, const DigestOf& digest_of) {
        if (slots_.empty()) {
            return;
        }
        std::size_t hole = slot_of(digest, digest_of);
        if (slots_[hole] == kEmpty) {
            return;
        }
        // Backward shift: later slots of the same run move up, so no probe meets a gap early.
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t next = (hole + 1) & mask; slots_[next] != kEmpty;
             next = (next + 1) & mask) {
            const std::size_t home = (slots_[next] >> 32) & mask;
            if (((next - home) & mask) >= ((next - hole) & mask)) {
                slots_[hole] = slots_[next];
                hole = next;
            }
        }
        slots_[hole] = kEmpty;
        --used_;
    }

    std::size_t size() const { return used_; }

    // Room for `count` digests without growing: a bulk load rehashes nothing.
    void reserve(std::size_t count) { grow_for(count); }

    // Starts loading the slot `digest` goes to, for a bulk load to ask a few digests ahead: each
    // lands in a random slot of a table bigger than the caches.
    void prefetch(const Digest& digest) const {
        if (!slots_.empty()) {
            __builtin_prefetch(&slots_[hash_of(digest) & (slots_.size() - 1)]);
        }
    }

    // Every stored reference, sorted: the content of the index given the token records.
    std::vector<Ref> refs() const {
        std::vector<Ref> out;
        out.reserve(used_);
        for (std::uint64_t slot : slots_) {
            if (slot != kEmpty) {
                out.push_back(static_cast<Ref>(slot));
            }
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    // Equal content; where each entry sits depends on the order of insertions.
    bool operator==(const SecretIndex& other) const {
        return used_ == other.used_ && refs() == other.refs();
    }

  private:
    static constexpr std::uint64_t kEmpty = std::numeric_limits<std::uint64_t>::max();

    // Digests are keyed hashes, but tests use plain ones: mix all of it.
    static std::uint32_t hash_of(const Digest& digest) {
        std::uint64_t h = 0;
        for (std::size_t i = 0; i < digest.size(); i += 8) {
            std::uint64_t word = 0;
            for (std::size_t b = 0; b < 8; ++b) {
                word |= std::uint64_t{digest[i + b]} << (8 * b);
            }
            h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
            h ^= h >> 29;
        }
        return static_cast<std::uint32_t>(h >> 32);
    }

    // The slot holding `digest`, or the empty one where it would go (never full, so it ends).
    template <class DigestOf>
    std::size_t slot_of(const Digest& digest, const DigestOf& digest_of) const {
        const std::uint32_t hash = hash_of(digest);
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
            const std::uint64_t slot = slots_[at];
            if (slot == kEmpty ||
                ((slot >> 32) == hash && digest_of(static_cast<Ref>(slot)) == digest)) {
                return at;
            }
        }
    }

    // At most three quarters used; on growth every entry moves to its new place.
    void grow_for(std::size_t count) {
        std::size_t size = std::max<std::size_t>(slots_.size(), 16);
        while (count * 4 > size * 3) {
            size *= 2;
        }
        if (size == slots_.size()) {
            return;
        }
        std::vector<std::uint64_t> old(size, kEmpty);
        old.swap(slots_);
        const std::size_t mask = size - 1;
        for (std::uint64_t slot : old) {
            if (slot != kEmpty) {
                std::size_t at = (slot >> 32) & mask;
                while (slots_[at] != kEmpty) {
                    at = (at + 1) & mask;
                }
                slots_[at] = slot;
            }
        }
    }

    std::vector<std::uint64_t> slots_;
    std::size_t used_ = 0;
};

}  // namespace keyledger::domain
