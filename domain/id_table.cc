#include "domain/id_table.h"

#include <algorithm>
#include <array>
#include <functional>
#include <stdexcept>

namespace keyledger::domain {
namespace {

constexpr std::size_t kMinSlots = 16;

std::uint64_t hash_of(std::string_view id) {
    return std::hash<std::string_view>{}(id);
}

std::uint32_t high_half(std::uint64_t value) {
    return static_cast<std::uint32_t>(value >> 32);
}

}  // namespace

std::string_view IdTable::at(std::uint32_t index) const {
    const std::uint32_t begin = index == 0 ? 0 : ends_[index - 1];
    return std::string_view(chars_).substr(begin, ends_[index] - begin);
}

// The slot that holds `id`, or the empty slot where it would go. The table is never full, so
// the probe ends.
std::size_t IdTable::slot_of(std::string_view id, std::uint64_t hash) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
        const std::uint64_t entry = slots_[slot];
        if (entry == kEmpty ||
            (high_half(entry) == high_half(hash) && at(static_cast<std::uint32_t>(entry)) == id)) {
            return slot;
        }
    }
}

std::uint32_t IdTable::find(std::string_view id) const {
    if (slots_.empty()) {
        return kNone;
    }
    const std::uint64_t entry = slots_[slot_of(id, hash_of(id))];
    return entry == kEmpty ? kNone : static_cast<std::uint32_t>(entry);
}

void IdTable::place(std::uint32_t index) {
    const std::uint64_t hash = hash_of(at(index));
    slots_[slot_of(at(index), hash)] = (hash & ~std::uint64_t{0xffffffff}) | index;
}

// At most three quarters of the slots are used. Ids are placed in index order, so the layout
// depends on the ids and their order only.
std::size_t IdTable::slots_for(std::size_t count) {
    std::size_t size = kMinSlots;
    while (count * 4 > size * 3) {
        size *= 2;
    }
    return size;
}

std::uint32_t IdTable::intern(std::string_view id) {
    if (std::uint32_t found = find(id); found != kNone) {
        return found;
    }
    if (ends_.size() >= kNone - 1 || chars_.size() + id.size() > kNone) {
        throw std::length_error("the id table holds at most 4 GiB of ids");
    }
    const auto index = static_cast<std::uint32_t>(ends_.size());
    if (const std::size_t wanted = slots_for(ends_.size() + 1); wanted != slots_.size()) {
        slots_.assign(wanted, kEmpty);
        for (std::uint32_t earlier = 0; earlier < index; ++earlier) {
            place(earlier);
        }
    }
    chars_.append(id);
    ends_.push_back(static_cast<std::uint32_t>(chars_.size()));
    place(index);
    return index;
}

std::optional<IdTable> IdTable::from_parts(std::string chars, std::vector<std::uint32_t> ends) {
    std::uint32_t last = 0;
    for (std::uint32_t end : ends) {
        if (end < last) {
            return std::nullopt;
        }
        last = end;
    }
    if (last != chars.size() || ends.size() >= kNone) {
        return std::nullopt;
    }
    IdTable table;
    table.chars_ = std::move(chars);
    table.ends_ = std::move(ends);
    table.slots_.assign(slots_for(table.ends_.size()), kEmpty);
    // Each id lands in a random slot of a table bigger than the caches: the id kAhead places on
    // is hashed, and its slot fetched, while this one is placed.
    constexpr std::uint32_t kAhead = 8;
    const std::uint32_t count = table.size();
    const std::size_t mask = table.slots_.size() - 1;
    std::array<std::uint64_t, kAhead> hashes{};
    auto look_ahead = [&](std::uint32_t index) {
        const std::uint64_t hash = hash_of(table.at(index));
        hashes[index % kAhead] = hash;
        __builtin_prefetch(&table.slots_[hash & mask]);
    };
    for (std::uint32_t index = 0; index < std::min(count, kAhead); ++index) {
        look_ahead(index);
    }
    for (std::uint32_t index = 0; index < count; ++index) {
        const std::uint64_t hash = hashes[index % kAhead];
        if (index + kAhead < count) {
            look_ahead(index + kAhead);
        }
        const std::size_t slot = table.slot_of(table.at(index), hash);
        if (table.slots_[slot] != kEmpty) {
            return std::nullopt;  // the same id twice
        }
        table.slots_[slot] = (hash & ~std::uint64_t{0xffffffff}) | index;
    }
    return table;
}

}  // namespace keyledger::domain
