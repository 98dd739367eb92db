#include "security/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace keyledger::security {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
    EXPECT_TRUE(valid_utf8(""));
    EXPECT_TRUE(valid_utf8("plain ascii:"));
    EXPECT_TRUE(valid_utf8("\xc3\xa4"));              // U+00E4
    EXPECT_TRUE(valid_utf8("\xe2\x82\xac"));          // U+20AC
    EXPECT_TRUE(valid_utf8("\xed\x9f\xbf"));          // U+D7FF, last before the surrogates
    EXPECT_TRUE(valid_utf8("\xee\x80\x80"));          // U+E000, first after them
    EXPECT_TRUE(valid_utf8("\xf0\x9f\x98\x80"));      // U+1F600
    EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF
    EXPECT_TRUE(valid_utf8(std::string("a\0b", 3)));  // NUL is well-formed
}

TEST(Utf8, RefusesMalformedText) {
    const std::vector<std::string> bad = {
        "\x80",              // continuation without lead
        "\xbf",              //
        "\xc0\xaf",          // overlong '/'
        "\xc1\xbf",          // overlong
        "\xe0\x80\xaf",      // overlong
        "\xe0\x9f\xbf",      // overlong
        "\xf0\x8f\xbf\xbf",  // overlong
        "\xed\xa0\x80",      // surrogate U+D800
        "\xed\xbf\xbf",      // surrogate U+DFFF
        "\xf4\x90\x80\x80",  // U+110000
        "\xf5\x80\x80\x80",  //
        "\xff",              //
        "\xc3",              // truncated
        "\xe2\x82",          //
        "\xf0\x9f\x98",      //
        "\xc3\x28",          // bad continuation
        "\xe2\x28\xa1",      //
        "\xf0\x9f\x28\x80",  //
        "ok\xc3",            // truncated at the end
    };
    for (const std::string& text : bad) {
        EXPECT_FALSE(valid_utf8(text)) << testing::PrintToString(text);
    }
}

}  // namespace
}  // namespace keyledger::security
