#pragma once
// Ids interned to dense 32-bit indices, in order of first appearance: each id's characters
// are kept once, back to back, and an open-addressing table leads from an id to its index. The
// same sequence of ids always gives the same table, so two models folded from one log are equal.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyledger::domain {

class IdTable {
  public:
    static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

    // The index of `id`, or kNone when it was never interned.
    std::uint32_t find(std::string_view id) const;
    // The index of `id`, giving it the next free one if it is new.
    std::uint32_t intern(std::string_view id);

    std::string_view at(std::uint32_t index) const;
    std::uint32_t size() const { return static_cast<std::uint32_t>(ends_.size()); }

    // The two arrays that define the table (every id's characters, and where each one ends), for
    // a snapshot; from_parts() rebuilds the lookup table from them. nullopt when they do not
    // describe a table (ends out of order or past the characters, an id twice).
    const std::string& chars() const { return chars_; }
    const std::vector<std::uint32_t>& ends() const { return ends_; }
    static std::optional<IdTable> from_parts(std::string chars, std::vector<std::uint32_t> ends);

    // The lookup table follows from the ids and their order, so only they are compared.
    bool operator==(const IdTable& other) const {
        return ends_ == other.ends_ && chars_ == other.chars_;
    }

  private:
    // Each used slot holds the id's hash (high half) and its index (low half).
    static constexpr std::uint64_t kEmpty = std::numeric_limits<std::uint64_t>::max();

    std::size_t slot_of(std::string_view id, std::uint64_t hash) const;
    void place(std::uint32_t index);
    static std::size_t slots_for(std::size_t count);

    std::string chars_;
    std::vector<std::uint32_t> ends_;
    std::vector<std::uint64_t> slots_;
};

}  // namespace keyledger::domain
