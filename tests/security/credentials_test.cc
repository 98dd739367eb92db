#include "security/credentials.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace keyledger::security {
namespace {

using Outcome = std::expected<ParsedCredential, CredentialProblem>;

Outcome bearer(std::string secret) {
    return ParsedCredential{CredentialScheme::bearer, std::move(secret), std::nullopt};
}
Outcome basic(std::string user_id, std::string secret) {
    return ParsedCredential{CredentialScheme::basic, std::move(secret), std::move(user_id)};
}
const Outcome kMalformed = std::unexpected(CredentialProblem::malformed);
const Outcome kMissing = std::unexpected(CredentialProblem::missing);

struct Case {
    std::string name;
    std::vector<std::string> fields;  // every Authorization field value
    bool query_token;                 // access_token in the query
    Outcome expected;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

// The base64 literals were produced independently of our encoder:
//   ":klg_api_x"     OmtsZ19hcGlfeA==      "tok_abc:secret"  dG9rX2FiYzpzZWNyZXQ=
//   "a:b:c"          YTpiOmM=              "tok_x:"          dG9rX3g6
//   "ünïcode:pw"     w7xuw69jb2RlOnB3      "no colon here"   bm8gY29sb24gaGVyZQ==
//   "\xff:secret"    /zpzZWNyZXQ=          "u:sx"            dTpzeA==
//   "\xc0\xaf:secret" (overlong) wK86c2VjcmV0
const std::vector<Case> kCases = {
    // Bearer: scheme case, spaces, surrounding whitespace, the whole token68 alphabet.
    {"bearer_canonical", {"Bearer abc"}, false, bearer("abc")},
    {"bearer_lower_case", {"bearer abc"}, false, bearer("abc")},
    {"bearer_upper_case", {"BEARER abc"}, false, bearer("abc")},
    {"bearer_mixed_case", {"bEaReR abc"}, false, bearer("abc")},
    {"bearer_many_spaces", {"Bearer     abc"}, false, bearer("abc")},
    {"bearer_spaces_around", {"   Bearer abc   "}, false, bearer("abc")},
    {"bearer_tabs_around", {"\tBearer abc\t"}, false, bearer("abc")},
    {"bearer_real_secret",
     {"Bearer klg_api_3kZ9QmVb0xT7cR2nW5yLp8HdF4jG6aEs1uYtK0"},
     false,
     bearer("klg_api_3kZ9QmVb0xT7cR2nW5yLp8HdF4jG6aEs1uYtK0")},
    {"bearer_token68_alphabet", {"Bearer aZ09-._~+/"}, false, bearer("aZ09-._~+/")},
    {"bearer_trailing_equals", {"Bearer abc=="}, false, bearer("abc==")},

    // Bearer: malformed.
    {"bearer_tab_after_scheme", {"Bearer\tabc"}, false, kMalformed},
    {"bearer_tab_after_spaces", {"Bearer \tabc"}, false, kMalformed},
    {"bearer_trailing_word", {"Bearer abc def"}, false, kMalformed},
    {"bearer_trailing_word_after_tab", {"Bearer abc\tdef"}, false, kMalformed},
    {"bearer_comma_list", {"Bearer abc, Bearer def"}, false, kMalformed},
    {"bearer_bang", {"Bearer ab!c"}, false, kMalformed},
    {"bearer_colon", {"Bearer ab:c"}, false, kMalformed},
    {"bearer_quote", {"Bearer \"abc\""}, false, kMalformed},
    {"bearer_percent", {"Bearer ab%20c"}, false, kMalformed},
    {"bearer_non_ascii",
     {"Bearer \xc3\xa4"
      "bc"},
     false,
     kMalformed},
    {"bearer_nul", {std::string("Bearer ab\0c", 11)}, false, kMalformed},
    {"bearer_equals_inside", {"Bearer ab=c"}, false, kMalformed},
    {"bearer_only_equals", {"Bearer ==="}, false, kMalformed},
    {"bearer_without_value", {"Bearer"}, false, kMalformed},
    {"bearer_spaces_without_value", {"Bearer    "}, false, kMalformed},
    {"bearer_glued_to_value", {"Bearerabc"}, false, kMalformed},

    // Basic: accepted.
    {"basic_empty_user", {"Basic OmtsZ19hcGlfeA=="}, false, basic("", "klg_api_x")},
    {"basic_token_id", {"Basic dG9rX2FiYzpzZWNyZXQ="}, false, basic("tok_abc", "secret")},
    {"basic_split_at_first_colon", {"Basic YTpiOmM="}, false, basic("a", "b:c")},
    {"basic_empty_secret", {"Basic dG9rX3g6"}, false, basic("tok_x", "")},
    {"basic_utf8_user",
     {"Basic w7xuw69jb2RlOnB3"},
     false,
     basic("\xc3\xbcn\xc3\xaf"
           "code",
           "pw")},
    {"basic_lower_case", {"basic YTpiOmM="}, false, basic("a", "b:c")},
    {"basic_upper_case", {"BASIC YTpiOmM="}, false, basic("a", "b:c")},
    {"basic_many_spaces", {"  Basic    YTpiOmM=  "}, false, basic("a", "b:c")},

    // Basic: malformed.
    {"basic_without_colon", {"Basic bm8gY29sb24gaGVyZQ=="}, false, kMalformed},
    {"basic_invalid_utf8", {"Basic /zpzZWNyZXQ="}, false, kMalformed},
    {"basic_overlong_utf8", {"Basic wK86c2VjcmV0"}, false, kMalformed},
    {"basic_missing_padding", {"Basic dTpzeA"}, false, kMalformed},
    {"basic_short_padding", {"Basic dTpzeA="}, false, kMalformed},
    {"basic_nonzero_trailing_bits", {"Basic dTpzeB=="}, false, kMalformed},
    {"basic_base64url_alphabet", {"Basic _zpzZWNyZXQ="}, false, kMalformed},
    {"basic_space_inside", {"Basic dTpz eA=="}, false, kMalformed},
    {"basic_trailing_word", {"Basic dTpzeA== more"}, false, kMalformed},
    {"basic_tab_after_scheme", {"Basic\tdTpzeA=="}, false, kMalformed},
    {"basic_without_value", {"Basic"}, false, kMalformed},
    {"basic_only_padding", {"Basic ===="}, false, kMalformed},

    // Other schemes and empty values.
    {"unknown_scheme", {"Token abc"}, false, kMalformed},
    {"digest_scheme", {"Digest username=\"a\""}, false, kMalformed},
    {"scheme_lookalike", {"Bearer- abc"}, false, kMalformed},
    {"empty_value", {""}, false, kMalformed},
    {"whitespace_value", {" \t "}, false, kMalformed},
    {"secret_without_scheme", {"abc"}, false, kMalformed},

    // Where the credential comes from.
    {"missing", {}, false, kMissing},
    {"two_fields", {"Bearer abc", "Bearer abc"}, false, kMalformed},
    {"two_fields_one_empty", {"Bearer abc", ""}, false, kMalformed},
    {"two_fields_different_schemes", {"Bearer abc", "Basic YTpiOmM="}, false, kMalformed},
    {"query_token_only", {}, true, kMalformed},
    {"query_token_and_header", {"Bearer abc"}, true, kMalformed},
};

class ParseCredential : public testing::TestWithParam<Case> {};

TEST_P(ParseCredential, FollowsTheWireRules) {
    const Case& c = GetParam();
    std::vector<std::string_view> fields(c.fields.begin(), c.fields.end());
    const Outcome actual = parse_credential(fields, c.query_token);

    ASSERT_EQ(actual.has_value(), c.expected.has_value());
    if (c.expected.has_value()) {
        EXPECT_EQ(actual->scheme, c.expected->scheme);
        EXPECT_EQ(actual->secret, c.expected->secret);
        EXPECT_EQ(actual->basic_user_id, c.expected->basic_user_id);
    } else {
        EXPECT_EQ(actual.error(), c.expected.error());
    }
}

INSTANTIATE_TEST_SUITE_P(Table, ParseCredential, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace keyledger::security
