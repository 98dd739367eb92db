// A name chosen by a user reaches the auditor's terminal without escape sequences or line breaks.

#include "audit/printable.h"

#include <gtest/gtest.h>

namespace keyledger::audit {
namespace {

TEST(Printable, KeepsOrdinaryTextAndUtf8AsItIs) {
    EXPECT_EQ(printable("orders webhook"), "orders webhook");
    EXPECT_EQ(printable("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");
    EXPECT_EQ(printable(""), "");
}

TEST(Printable, ShowsControlCharactersSoNoFakeLineOrColourCanBeDrawn) {
    EXPECT_EQ(printable("x\x1b[31mRED\x07\n  position 1 forged"),
              "x\\x1b[31mRED\\x07\\x0a  position 1 forged");
    EXPECT_EQ(printable("a\rb\tc\x7f"), "a\\x0db\\x09c\\x7f");
    EXPECT_EQ(printable(std::string_view("nul\0end", 7)), "nul\\x00end");
}

TEST(Printable, ShowsC1ControlsWrittenAsUtf8) {
    EXPECT_EQ(printable("csi\xC2\x9B"
                        "31m"),
              "csi\\u009b31m");
    EXPECT_EQ(printable("nbsp\xC2\xA0ok"), "nbsp\xC2\xA0ok");
}

TEST(Printable, DoublesBackslashesSoAnEscapeCannotBeForged) {
    EXPECT_EQ(printable("a\\x0ab"), "a\\\\x0ab");
    EXPECT_NE(printable("a\\x0ab"), printable("a\nb"));
}

}  // namespace
}  // namespace keyledger::audit
