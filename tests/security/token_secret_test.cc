#include "security/token_secret.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "security/crc32.h"

namespace keyledger::security {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

TEST(Crc32, MatchesTheStandardCheckValue) {
    EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
    EXPECT_EQ(crc32(""), 0u);
    EXPECT_EQ(crc32("a"), 0xE8B7BE43u);
}

TEST(TokenSecret, HasTheDocumentedShape) {
    for (const TokenKind kind : {TokenKind::app, TokenKind::api}) {
        const std::string secret = make_token_secret(kind);
        ASSERT_EQ(secret.size(), kTokenSecretLength);
        EXPECT_EQ(secret.substr(0, 8), kind == TokenKind::app ? "klg_app_" : "klg_api_");
        EXPECT_EQ(secret.find_first_not_of(kBase62, 8), std::string::npos) << secret;
        EXPECT_EQ(token_secret_kind(secret), kind);
        EXPECT_TRUE(secret_format_ok(secret));
    }
}

// Computed outside this code base (Python: zlib.crc32, then base 62 over the documented
// alphabet), so they pin the grammar: secrets already handed out must stay valid.
TEST(TokenSecret, AcceptsSecretsBuiltFromTheGrammar) {
    EXPECT_EQ(token_secret_kind("klg_app_0123456789ABCDEFGHIJKLMNOPQRSTUV35y5jP"), TokenKind::app);
    EXPECT_EQ(token_secret_kind("klg_app_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz045JBS"), TokenKind::app);
    EXPECT_EQ(token_secret_kind("klg_app_000000000000000000000000000000001ZRNs8"), TokenKind::app);
    EXPECT_EQ(token_secret_kind("klg_api_0123456789ABCDEFGHIJKLMNOPQRSTUV1b5LC3"), TokenKind::api);
    EXPECT_EQ(token_secret_kind("klg_api_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz4eAxB8"), TokenKind::api);
    EXPECT_EQ(token_secret_kind("klg_api_0000000000000000000000000000000038kQa4"), TokenKind::api);
}

TEST(TokenSecret, RefusesWrongPrefixLengthAndAlphabet) {
    const std::string good = "klg_api_0123456789ABCDEFGHIJKLMNOPQRSTUV1b5LC3";
    ASSERT_TRUE(secret_format_ok(good));

    const std::vector<std::string> bad = {
        "",
        "klg_api_",
        good.substr(0, good.size() - 1),  // truncated
        good + "0",                       // extended
        " " + good,
        good + "\n",
        "KLG_API_0123456789ABCDEFGHIJKLMNOPQRSTUV1b5LC3",
        "klg_xyz_0123456789ABCDEFGHIJKLMNOPQRSTUV1b5LC3",
        "klg-api_0123456789ABCDEFGHIJKLMNOPQRSTUV1b5LC3",
        "klg_api_0123456789ABCDEFGHIJKLMNOPQRSTU-1b5LC3",  // outside base62
        "klg_api_0123456789ABCDEFGHIJKLMNOPQRSTU_1b5LC3",
        "klg_api_0123456789ABCDEFGHIJKLMNOPQRSTUV1b5LC\xc3",
        "klg_app_0123456789ABCDEFGHIJKLMNOPQRSTUV1b5LC3",  // the api checksum under app
    };
    for (const std::string& secret : bad) {
        EXPECT_FALSE(secret_format_ok(secret)) << secret;
        EXPECT_FALSE(token_secret_kind(secret).has_value()) << secret;
    }
}

TEST(TokenSecret, RefusesEverySingleWrongCharacter) {
    std::mt19937 rng(11);
    for (int i = 0; i < 3000; ++i) {
        const std::string secret = make_token_secret(i % 2 == 0 ? TokenKind::app : TokenKind::api);
        ASSERT_TRUE(secret_format_ok(secret)) << secret;
        for (std::size_t pos = 0; pos < secret.size(); ++pos) {
            std::string typo = secret;
            do {
                typo[pos] = kBase62[rng() % kBase62.size()];
            } while (typo[pos] == secret[pos]);
            ASSERT_FALSE(secret_format_ok(typo)) << secret << " -> " << typo;
        }
    }
}

TEST(TokenSecret, RefusesEveryAlternativeAtEveryPosition) {
    for (int i = 0; i < 40; ++i) {
        const std::string secret = make_token_secret(TokenKind::api);
        for (std::size_t pos = 0; pos < secret.size(); ++pos) {
            for (const char c : kBase62) {
                if (c == secret[pos]) {
                    continue;
                }
                std::string typo = secret;
                typo[pos] = c;
                ASSERT_FALSE(secret_format_ok(typo)) << secret << " -> " << typo;
            }
        }
    }
}

TEST(TokenSecret, RefusesSwappedNeighbours) {
    for (int i = 0; i < 2000; ++i) {
        const std::string secret = make_token_secret(TokenKind::app);
        for (std::size_t pos = 8; pos + 1 < secret.size(); ++pos) {
            if (secret[pos] == secret[pos + 1]) {
                continue;
            }
            std::string typo = secret;
            std::swap(typo[pos], typo[pos + 1]);
            ASSERT_FALSE(secret_format_ok(typo)) << secret << " -> " << typo;
        }
    }
}

TEST(TokenSecret, SecretsDiffer) {
    std::set<std::string> bodies;
    for (int i = 0; i < 10'000; ++i) {
        bodies.insert(make_token_secret(TokenKind::api).substr(8, 32));
    }
    EXPECT_EQ(bodies.size(), 10'000u);
    EXPECT_NE(make_token_secret(TokenKind::app), make_token_secret(TokenKind::app));
}

TEST(TokenSecret, BodyUsesTheWholeAlphabetEvenly) {
    // 64 000 draws over 62 characters: about 1032 each, standard deviation about 32.
    std::map<char, int> counts;
    for (int i = 0; i < 2000; ++i) {
        for (const char c : make_token_secret(TokenKind::app).substr(8, 32)) {
            ++counts[c];
        }
    }
    ASSERT_EQ(counts.size(), kBase62.size());
    for (const auto& [c, count] : counts) {
        EXPECT_GT(count, 800) << c;
        EXPECT_LT(count, 1300) << c;
    }
}

TEST(TokenSecret, IsFoundInsideLongerTextOnlyWhenWhole) {
    const std::string secret = make_token_secret(TokenKind::api);
    EXPECT_TRUE(contains_token_secret(secret));
    EXPECT_TRUE(contains_token_secret("/v1/tokens/" + secret + "/rotate"));
    EXPECT_TRUE(contains_token_secret("klg_apklg_ap" + secret));
    EXPECT_FALSE(contains_token_secret(secret.substr(0, secret.size() - 1)));
    std::string mistyped = secret;
    mistyped[20] = mistyped[20] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(contains_token_secret("/v1/tokens/" + mistyped));
    EXPECT_FALSE(contains_token_secret("tok_ujoa4ypq6unitduqlvxubhjma4"));
    EXPECT_FALSE(contains_token_secret(""));
}

}  // namespace
}  // namespace keyledger::security
