#include "security/password.h"

#include <gtest/gtest.h>

#include <string>

namespace keyledger::security {
namespace {

TEST(Password, VerifiesTheRightPasswordOnly) {
    const std::string encoded = hash_password("correct horse battery", PasswordCost::minimal);
    EXPECT_TRUE(verify_password(encoded, "correct horse battery"));
    EXPECT_FALSE(verify_password(encoded, "correct horse batterY"));
    EXPECT_FALSE(verify_password(encoded, "correct horse battery "));
    EXPECT_FALSE(verify_password(encoded, ""));
}

TEST(Password, HashesAreArgon2idAtTheRequestedCost) {
    const std::string encoded = hash_password("password", PasswordCost::minimal);
    // Minimal cost: 8 KiB of memory, one pass, one lane.
    EXPECT_EQ(encoded.rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << encoded;
}

TEST(Password, SaltMakesEveryHashDifferent) {
    const std::string first = hash_password("password", PasswordCost::minimal);
    const std::string second = hash_password("password", PasswordCost::minimal);
    EXPECT_NE(first, second);
    EXPECT_TRUE(verify_password(first, "password"));
    EXPECT_TRUE(verify_password(second, "password"));
}

TEST(Password, HandlesBytesThatAreNotText) {
    const std::string password("pass\0word\xff", 10);
    const std::string encoded = hash_password(password, PasswordCost::minimal);
    EXPECT_TRUE(verify_password(encoded, password));
    EXPECT_FALSE(verify_password(encoded, "pass"));  // no truncation at the NUL
}

TEST(Password, RefusesEncodedStringsThatAreNotHashes) {
    const std::string encoded = hash_password("password", PasswordCost::minimal);
    EXPECT_FALSE(verify_password("", "password"));
    EXPECT_FALSE(verify_password("password", "password"));
    EXPECT_FALSE(verify_password(encoded.substr(0, encoded.size() - 4), "password"));
    EXPECT_FALSE(verify_password(encoded + std::string(200, 'A'), "password"));
    EXPECT_FALSE(verify_password(std::string(encoded).insert(10, 1, '\0'), "password"));
}

TEST(Password, InteractiveCostIsRealArgon2id) {
    const std::string encoded = hash_password("password", PasswordCost::interactive);
    EXPECT_EQ(encoded.rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u) << encoded;
    EXPECT_TRUE(verify_password(encoded, "password"));
}

TEST(PasswordCost, ParsesExactlyTheThreeNames) {
    EXPECT_EQ(parse_password_cost("interactive"), PasswordCost::interactive);
    EXPECT_EQ(parse_password_cost("moderate"), PasswordCost::moderate);
    EXPECT_EQ(parse_password_cost("minimal"), PasswordCost::minimal);
    EXPECT_FALSE(parse_password_cost("").has_value());
    EXPECT_FALSE(parse_password_cost("Minimal").has_value());
    EXPECT_FALSE(parse_password_cost("minimal ").has_value());
    EXPECT_FALSE(parse_password_cost("sensitive").has_value());
    for (const PasswordCost cost :
         {PasswordCost::interactive, PasswordCost::moderate, PasswordCost::minimal}) {
        EXPECT_EQ(parse_password_cost(password_cost_name(cost)), cost);
    }
}

}  // namespace
}  // namespace keyledger::security
