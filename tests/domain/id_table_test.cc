// The id table: dense indices in order of first appearance, found again after
// any number of growths, and rebuilt from its two arrays only when they describe a table.

#include <gtest/gtest.h>

#include "domain/id_table.h"

namespace keyledger::testing {
namespace {

using domain::IdTable;

std::string id_number(int i) {
    return "tok_" + std::to_string(i * 7919);
}

TEST(IdTable, GivesDenseIndicesAndFindsThemAfterGrowing) {
    IdTable table;
    EXPECT_EQ(table.find("usr_a"), IdTable::kNone);
    for (int i = 0; i < 5000; ++i) {
        ASSERT_EQ(table.intern(id_number(i)), static_cast<std::uint32_t>(i));
    }
    EXPECT_EQ(table.intern(""), 5000u);
    for (int i = 0; i < 5000; ++i) {
        ASSERT_EQ(table.find(id_number(i)), static_cast<std::uint32_t>(i));
        ASSERT_EQ(table.intern(id_number(i)), static_cast<std::uint32_t>(i));
        ASSERT_EQ(table.at(static_cast<std::uint32_t>(i)), id_number(i));
    }
    EXPECT_EQ(table.find(""), 5000u);
    EXPECT_EQ(table.find("tok_1"), IdTable::kNone);
    EXPECT_EQ(table.size(), 5001u);
}

TEST(IdTable, IsRebuiltFromItsArrays) {
    IdTable table;
    for (int i = 0; i < 100; ++i) {
        table.intern(id_number(i));
    }
    auto rebuilt = IdTable::from_parts(table.chars(), table.ends());
    ASSERT_TRUE(rebuilt.has_value());
    EXPECT_TRUE(*rebuilt == table);
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(rebuilt->find(id_number(i)), static_cast<std::uint32_t>(i));
    }
    // Growing on from a rebuilt table gives the same indices as growing on from the original.
    EXPECT_EQ(rebuilt->intern("whk_new"), table.intern("whk_new"));
    EXPECT_TRUE(*rebuilt == table);
}

TEST(IdTable, RefusesArraysThatAreNotATable) {
    EXPECT_FALSE(IdTable::from_parts("abcd", {2, 1}).has_value());  // ends out of order
    EXPECT_FALSE(IdTable::from_parts("abcd", {2, 5}).has_value());  // past the characters
    EXPECT_FALSE(IdTable::from_parts("abcd", {2, 3}).has_value());  // characters left over
    EXPECT_FALSE(IdTable::from_parts("abab", {2, 4}).has_value());  // the same id twice
    EXPECT_TRUE(IdTable::from_parts("abcd", {2, 4}).has_value());
    EXPECT_TRUE(IdTable::from_parts("", {}).has_value());
}

}  // namespace
}  // namespace keyledger::testing
