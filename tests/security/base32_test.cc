#include "security/base32.h"

#include <gtest/gtest.h>

namespace keyledger::security {
namespace {

TEST(Base32, MatchesRfc4648VectorsInLowerCaseWithoutPadding) {
    EXPECT_EQ(base32_lower_encode(""), "");
    EXPECT_EQ(base32_lower_encode("f"), "my");
    EXPECT_EQ(base32_lower_encode("fo"), "mzxq");
    EXPECT_EQ(base32_lower_encode("foo"), "mzxw6");
    EXPECT_EQ(base32_lower_encode("foob"), "mzxw6yq");
    EXPECT_EQ(base32_lower_encode("fooba"), "mzxw6ytb");
    EXPECT_EQ(base32_lower_encode("foobar"), "mzxw6ytboi");
}

TEST(Base32, SixteenBytesGiveTwentySixCharacters) {
    EXPECT_EQ(base32_lower_encode(std::string(16, '\0')), std::string(26, 'a'));
    EXPECT_EQ(base32_lower_encode(std::string(16, '\xff')), std::string(25, '7') + "4");
}

}  // namespace
}  // namespace keyledger::security
