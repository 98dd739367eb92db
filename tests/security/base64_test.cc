#include "security/base64.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace keyledger::security {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
}

TEST(Base64, DecodesRfc4648Vectors) {
    EXPECT_EQ(base64_decode_canonical(""), "");
    EXPECT_EQ(base64_decode_canonical("Zg=="), "f");
    EXPECT_EQ(base64_decode_canonical("Zm8="), "fo");
    EXPECT_EQ(base64_decode_canonical("Zm9v"), "foo");
    EXPECT_EQ(base64_decode_canonical("Zm9vYg=="), "foob");
    EXPECT_EQ(base64_decode_canonical("Zm9vYmE="), "fooba");
    EXPECT_EQ(base64_decode_canonical("Zm9vYmFy"), "foobar");
    EXPECT_EQ(base64_decode_canonical("+/+/"), std::string("\xfb\xff\xbf", 3));
}

TEST(Base64, RoundTripsRandomBytes) {
    std::mt19937 rng(1);
    for (int i = 0; i < 2000; ++i) {
        std::string bytes(static_cast<std::size_t>(rng() % 64), '\0');
        for (char& c : bytes) {
            c = static_cast<char>(rng());
        }
        const std::string text = base64_encode(bytes);
        ASSERT_EQ(text.size() % 4, 0u);
        ASSERT_EQ(base64_decode_canonical(text), bytes) << text;
    }
}

TEST(Base64, RefusesNonCanonicalText) {
    const std::vector<std::string> bad = {
        "Zg",           // padding missing
        "Zg=",          // padding short
        "Zg===",        // padding long
        "Zm9",          // not a multiple of four
        "Zm8",          //
        "Zh==",         // non-zero bits after the last byte (4 unused bits)
        "Zm9=",         // non-zero bits after the last byte (2 unused bits)
        "Zm8==",        //
        "=Zg=",         // padding first
        "Zg==Zg==",     // padding in the middle
        "Z===",         // three padding characters
        "====",         //
        "Zm9v=",        //
        "Zm9-",         // base64url alphabet
        "Zm9_",         //
        "Zm9v\n",       // line break
        " Zm9v",        // whitespace
        "Zm9v ",        //
        "Zm 9v",        //
        "Zm\t9v",       //
        "Zm9\xc3\xa4",  // non-ASCII
        std::string("Zm9\0", 4),
        "Zm9v.",
    };
    for (const std::string& text : bad) {
        EXPECT_FALSE(base64_decode_canonical(text).has_value()) << "accepted \"" << text << "\"";
    }
}

TEST(Base64, EveryByteStringHasExactlyOneAcceptedSpelling) {
    // Flipping the unused low bits of the last character must never be accepted.
    const std::string one_byte = base64_encode("a");  // "YQ==": 'Q' carries 4 unused bits
    for (char last : std::string("RSTUVWXYZabcdef")) {
        std::string variant = one_byte;
        variant[1] = last;
        EXPECT_FALSE(base64_decode_canonical(variant).has_value()) << variant;
    }
}

}  // namespace
}  // namespace keyledger::security
