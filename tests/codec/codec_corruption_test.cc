// decode() refuses what is not a well-formed payload with an error value, and never crashes or
// hangs, whatever the bytes: random garbage, truncations, bit flips, a payload read as the wrong
// type, and a message built to make the reader walk the same words over and over.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "domain/codec/codec.h"
#include "tests/codec/random_events.h"

namespace keyledger {
namespace {

using namespace domain;
using codec::decode;
using codec::encode;
using ::testing::HasSubstr;

constexpr std::size_t kEventTypes = std::variant_size_v<Event>;

std::vector<std::string> type_names() {
    std::vector<std::string> names;
    for (const Event& event : testing::default_events()) {
        names.emplace_back(event_type(event));
    }
    return names;
}

// Little-endian words as payload bytes, for messages built by hand.
std::string bytes_of(const std::vector<std::uint64_t>& words) {
    std::string out(words.size() * 8, '\0');
    for (std::size_t i = 0; i < words.size(); ++i) {
        for (int b = 0; b < 8; ++b) {
            out[i * 8 + b] = static_cast<char>(words[i] >> (8 * b));
        }
    }
    return out;
}

// Decoding may succeed or fail; when it succeeds the event must be usable. Returns which.
bool decode_anything(std::string_view type, std::string_view bytes) {
    auto decoded = decode(type, bytes);
    if (decoded) {
        (void)encode(*decoded);
    } else {
        EXPECT_FALSE(decoded.error().empty());
    }
    return decoded.has_value();
}

TEST(CodecCorruption, UnknownTypeIsAnError) {
    const std::string bytes = encode(UserDeleted{.user_id = "u"});
    for (std::string_view type : {"", "Unknown", "userdeleted", "UserDeleted ", "Fact"}) {
        auto decoded = decode(type, bytes);
        ASSERT_FALSE(decoded.has_value()) << type;
        EXPECT_THAT(decoded.error(), HasSubstr("unknown event type"));
    }
    EXPECT_FALSE(decode(std::string_view("UserDeleted\0", 12), bytes).has_value());
}

TEST(CodecCorruption, EmptyOrPartialWordIsAnError) {
    EXPECT_THAT(decode("UserDeleted", "").error(), HasSubstr("whole number of words"));
    const std::string bytes = encode(UserDeleted{.user_id = "u"});
    EXPECT_THAT(decode("UserDeleted", bytes + "x").error(), HasSubstr("whole number of words"));
}

TEST(CodecCorruption, OversizedPayloadIsRefusedBeforeParsing) {
    const std::string huge(codec::kMaxPayloadBytes + 8, '\0');
    EXPECT_THAT(decode("UserDeleted", huge).error(), HasSubstr("exceeds the payload limit"));
}

TEST(CodecCorruption, BytesAfterTheMessageAreAnError) {
    const std::string bytes = encode(UserDeleted{.user_id = "u"});
    auto decoded = decode("UserDeleted", bytes + std::string(8, '\0'));
    ASSERT_FALSE(decoded.has_value());
    EXPECT_THAT(decoded.error(), HasSubstr("8 bytes after its message"));
}

TEST(CodecCorruption, EveryTruncationOfAValidPayloadIsAnError) {
    testing::Rng rng(11);
    for (int i = 0; i < 300; ++i) {
        const Event event = testing::random_event(rng);
        const std::string bytes = encode(event);
        for (std::size_t size = 0; size < bytes.size(); ++size) {
            auto decoded = decode(event_type(event), std::string_view(bytes).substr(0, size));
            ASSERT_FALSE(decoded.has_value()) << event_type(event) << " cut at " << size;
        }
    }
}

TEST(CodecCorruption, UnknownEnumerantIsAnError) {
    // A one-segment LoginFailed: segment table (word 0), root pointer (word 1), then the root's
    // data section (word 2), whose first 16 bits hold the reason.
    std::string bytes = encode(LoginFailed{.user_id = "u", .reason = Reason::malformed});
    bytes[16] = static_cast<char>(8);  // control: the 9th enumerant, invalid_credentials
    ASSERT_EQ(decode("LoginFailed", bytes).value(),
              Event(LoginFailed{.user_id = "u", .reason = Reason::invalid_credentials}));

    bytes[16] = static_cast<char>(0xFF);
    bytes[17] = static_cast<char>(0x7F);
    auto decoded = decode("LoginFailed", bytes);
    ASSERT_FALSE(decoded.has_value());
    EXPECT_THAT(decoded.error(), HasSubstr("unknown enumerant 32767"));
}

TEST(CodecCorruption, PayloadOfAnotherTypeLacksItsDigest) {
    // TokenRotated's second pointer, secretHash, is past the end of UserDeleted's struct, so it
    // reads as empty: a digest of the wrong length.
    auto decoded = decode("TokenRotated", encode(UserDeleted{.user_id = "u"}));
    ASSERT_FALSE(decoded.has_value());
    EXPECT_THAT(decoded.error(), HasSubstr("secretHash holds 0 bytes, a digest has 32"));
}

TEST(CodecCorruption, EveryPayloadReadAsEveryTypeNeverCrashes) {
    testing::Rng rng(12);
    const auto names = type_names();
    for (int i = 0; i < 200; ++i) {
        const std::string bytes = encode(testing::random_event(rng, i % kEventTypes));
        for (const std::string& type : names) {
            decode_anything(type, bytes);
        }
    }
}

TEST(CodecCorruption, RandomBytesNeverCrash) {
    testing::Rng rng(13);
    const auto names = type_names();
    for (int i = 0; i < 20'000; ++i) {
        const std::size_t size = std::uniform_int_distribution<std::size_t>(0, 300)(rng);
        decode_anything(names[i % kEventTypes], testing::random_bytes(rng, size));
    }
}

// A word that is likely to be a pointer Cap'n Proto will follow: any kind, a small offset, small
// sizes; or, one time in four, plain noise.
std::uint64_t plausible_word(testing::Rng& rng) {
    if (rng() % 4 == 0) {
        return rng();
    }
    const std::uint64_t kind = rng() % 4;    // struct, list, far, other
    const std::uint64_t offset = rng() % 8;  // forward, within a small message
    const std::uint64_t high = rng() % 64;   // struct sizes, or list element size and count
    const std::uint64_t element = rng() % 8;
    return kind | (offset << 2) | (element << 32) | (high << 35);
}

TEST(CodecCorruption, RandomMessagesBehindAPlausibleHeaderNeverCrash) {
    // Pure noise rarely gets past the segment table and the root pointer; this builds a valid
    // one-segment table and a root struct pointer, then fills the segment with words that look
    // like pointers, so that decoding goes deep into the message.
    testing::Rng rng(14);
    const auto names = type_names();
    int decoded_ok = 0;
    for (int i = 0; i < 20'000; ++i) {
        const std::uint64_t words = std::uniform_int_distribution<std::uint64_t>(1, 40)(rng);
        const std::uint64_t data_words = rng() % 3;
        const std::uint64_t pointers = rng() % 8;
        std::vector<std::uint64_t> message{words << 32, (data_words << 32) | (pointers << 48)};
        for (std::uint64_t w = 1; w < words; ++w) {
            message.push_back(plausible_word(rng));
        }
        decoded_ok += decode_anything(names[i % kEventTypes], bytes_of(message)) ? 1 : 0;
    }
    // Some of them must get all the way through, or this test exercises nothing past the header.
    EXPECT_GT(decoded_ok, 100);
}

TEST(CodecCorruption, BitFlipsOfValidPayloadsNeverCrash) {
    testing::Rng rng(15);
    for (int i = 0; i < 20'000; ++i) {
        const Event event = testing::random_event(rng);
        std::string bytes = encode(event);
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            const std::size_t bit = rng() % (bytes.size() * 8);
            bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
        }
        decode_anything(event_type(event), bytes);
    }
}

// A CommandRefused whose tokenIds list holds `count` pointers, all aimed at one text of
// `text_words` words: small on disk, but reading it would copy count * text_words words.
std::string shared_text_message(std::uint64_t count, std::uint64_t text_words) {
    std::vector<std::uint64_t> segment;
    // Root struct pointer: offset 0, one data word, four pointers (command, subjectId, tokenIds,
    // webhookIds, in field order).
    segment.push_back((std::uint64_t{1} << 32) | (std::uint64_t{4} << 48));
    segment.push_back(0);  // data: reason = malformed
    segment.push_back(0);  // command: null
    segment.push_back(0);  // subjectId: null
    // tokenIds, at word 4: a list of `count` pointers starting at word 6 (offset 1).
    segment.push_back(1 | (std::uint64_t{1} << 2) | (std::uint64_t{6} << 32) | (count << 35));
    segment.push_back(0);  // webhookIds: null

    // Element i, at word 6 + i, points at the text, which starts at word 6 + count.
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::uint64_t offset = count - i - 1;
        const std::uint64_t bytes = text_words * 8;  // 'a's, then the NUL in the last byte
        segment.push_back(1 | (offset << 2) | (std::uint64_t{2} << 32) | (bytes << 35));
    }
    for (std::uint64_t w = 0; w < text_words; ++w) {
        segment.push_back(w + 1 == text_words ? 0x0061616161616161ULL : 0x6161616161616161ULL);
    }

    std::vector<std::uint64_t> message{static_cast<std::uint64_t>(segment.size()) << 32};
    message.insert(message.end(), segment.begin(), segment.end());
    return bytes_of(message);
}

TEST(CodecCorruption, SharedPointerAmplificationHitsTheTraversalLimit) {
    // Control: the construction is a valid payload when it is not amplified.
    auto small = decode("CommandRefused", shared_text_message(2, 4));
    ASSERT_TRUE(small.has_value()) << small.error();
    const auto& refused = std::get<CommandRefused>(*small);
    ASSERT_EQ(refused.token_ids.size(), 2u);
    EXPECT_EQ(refused.token_ids[0], std::string(31, 'a'));

    // 2 000 pointers at one 4 000-word text: 16 MB read out of 34 KB.
    auto amplified = decode("CommandRefused", shared_text_message(2'000, 4'000));
    ASSERT_FALSE(amplified.has_value());
    EXPECT_THAT(amplified.error(), HasSubstr("traversal limit"));
}

TEST(CodecCorruption, HugeSegmentTableIsAnError) {
    // Segment count 2^32 (stored minus one) in an eight-byte payload.
    auto decoded = decode("UserDeleted", bytes_of({0x00000000FFFFFFFFULL}));
    EXPECT_FALSE(decoded.has_value());
    // One segment that claims 2^32 - 1 words.
    decoded = decode("UserDeleted", bytes_of({0xFFFFFFFF00000000ULL, 0}));
    EXPECT_FALSE(decoded.has_value());
}

}  // namespace
}  // namespace keyledger
