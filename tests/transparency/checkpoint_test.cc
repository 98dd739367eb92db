// The checkpoint text and public key formats: what is signed, and that anything else is refused.

#include <gtest/gtest.h>

#include "audit/transparency/checkpoint.h"

namespace keyledger::transparency {
namespace {

CheckpointSigner signer(std::string name = "keyledger/kls_a", char fill = 'k') {
    auto made = CheckpointSigner::from_seed(std::move(name), std::string(32, fill));
    EXPECT_TRUE(made) << made.error();
    return std::move(*made);
}

Checkpoint sample(std::uint64_t size = 42) {
    Hash root{};
    for (std::size_t i = 0; i < root.size(); ++i) {
        root[i] = static_cast<std::uint8_t>(i * 9);
    }
    return {"keyledger/kls_a", size, root};
}

TEST(CheckpointFormat, ASignedCheckpointIsThreeLinesABlankLineAndASignature) {
    const std::string text = signer().sign(sample());
    const std::string body = "keyledger/kls_a\n42\nAAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDhc=\n";
    ASSERT_TRUE(text.starts_with(body + "\n\xE2\x80\x94 keyledger/kls_a ")) << text;
    EXPECT_TRUE(text.ends_with("\n"));
    auto opened = open_checkpoint(text, signer().public_key());
    ASSERT_TRUE(opened) << opened.error();
    EXPECT_EQ(*opened, sample());
}

TEST(CheckpointFormat, SigningIsDeterministicAndBindsEveryField) {
    const auto key = signer().public_key();
    EXPECT_EQ(signer().sign(sample()), signer().sign(sample()));
    const std::string text = signer().sign(sample());
    for (std::size_t i = 0; i < text.find("\n\n"); ++i) {
        std::string altered = text;
        altered[i] = altered[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(open_checkpoint(altered, key)) << "byte " << i;
    }
}

TEST(CheckpointFormat, AnotherKeyOrAnotherOriginIsRefused) {
    const std::string text = signer().sign(sample());
    auto other_key = open_checkpoint(text, signer("keyledger/kls_a", 'x').public_key());
    ASSERT_FALSE(other_key);
    EXPECT_NE(other_key.error().find("signature is not valid"), std::string::npos);
    EXPECT_FALSE(open_checkpoint(text, signer("keyledger/kls_b").public_key()));
    EXPECT_THROW((void)signer("keyledger/kls_b").sign(sample()), std::logic_error);
}

TEST(CheckpointFormat, MalformedTextsAreRefusedWithAReason) {
    const std::string good = signer().sign(sample());
    const std::string signature = good.substr(good.find("\n\n") + 2);
    const std::string root = "AAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDhc=";
    for (const std::string& text : {
             std::string(),
             std::string("keyledger/kls_a\n42\n") + root + "\n",
             std::string("keyledger/kls_a\n042\n") + root + "\n\n" + signature,
             std::string("keyledger/kls_a\n-1\n") + root + "\n\n" + signature,
             std::string("keyledger/kls_a\n99999999999999999999999\n") + root + "\n\n" + signature,
             std::string("keyledger/kls_a\n42\nAAkS\n\n") + signature,
             std::string("keyledger kls_a\n42\n") + root + "\n\n" + signature,
             std::string("keyledger/kls_a\n42\n") + root + "\nextra\n\n" + signature,
             std::string("keyledger/kls_a\n42\n") + root + "\n\n",
             std::string("keyledger/kls_a\n42\n") + root + "\n\n- keyledger/kls_a abc\n",
             good.substr(0, good.size() - 1),
             std::string(70'000, 'a'),
         }) {
        auto parsed = parse_checkpoint(text);
        EXPECT_FALSE(parsed) << text;
        if (!parsed) {
            EXPECT_TRUE(parsed.error().starts_with("not a checkpoint")) << parsed.error();
        }
    }
}

TEST(CheckpointFormat, AnUnknownExtraSignatureDoesNotHideAValidOne) {
    const std::string good = signer().sign(sample());
    const std::string foreign = signer("witness/1", 'w').sign({"witness/1", 42, sample().root});
    const std::string with_witness = good + foreign.substr(foreign.find("\n\n") + 2);
    auto opened = open_checkpoint(with_witness, signer().public_key());
    EXPECT_TRUE(opened) << opened.error();
}

TEST(PublicKeyFormat, RoundTripsAndRefusesAnAlteredLine) {
    const PublicKey key = signer().public_key();
    const std::string line = format_public_key(key);
    EXPECT_TRUE(line.starts_with("keyledger/kls_a+")) << line;
    auto parsed = parse_public_key(line);
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(parsed->key, key.key);
    EXPECT_EQ(parsed->name, key.name);

    std::string renamed = line;
    renamed.replace(0, std::string("keyledger/kls_a").size(), "keyledger/kls_b");
    auto refused = parse_public_key(renamed);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("key id does not match"), std::string::npos);
    EXPECT_FALSE(parse_public_key("nonsense"));
    EXPECT_FALSE(parse_public_key("a+b+c"));
    EXPECT_FALSE(parse_public_key(""));
}

TEST(CheckpointSignerTest, RefusesBadSeedsAndNames) {
    EXPECT_FALSE(CheckpointSigner::from_seed("keyledger/kls_a", std::string(31, 'k')));
    EXPECT_FALSE(CheckpointSigner::from_seed("keyledger kls", std::string(32, 'k')));
    EXPECT_FALSE(CheckpointSigner::from_seed("a+b", std::string(32, 'k')));
    EXPECT_FALSE(CheckpointSigner::from_seed("", std::string(32, 'k')));
}

}  // namespace
}  // namespace keyledger::transparency
