// Stored bytes are read forever (domain/codec/events.capnp, "Evolution rules"). These bytes were
// written by the first version of the schema; every later version must decode them to the same
// events. A failure here means a field was renumbered, retyped or removed: revert that change.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/codec/codec.h"

namespace keyledger {
namespace {

using namespace domain;
using codec::decode;
using codec::encode;

std::string from_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    }
    return out;
}

Digest a0_to_bf() {
    Digest digest;
    for (std::size_t i = 0; i < digest.size(); ++i) {
        digest[i] = static_cast<std::uint8_t>(0xA0 + i);
    }
    return digest;
}

TEST(CodecEvolution, TokenIssuedOfVersionOneStaysReadable) {
    const std::string v1 = from_hex(
        "000000001000000000000000020005000000010000000000006c50c4a0010000"
        "11000000220000001100000022000000110000002a000000110000003a000000"
        "1100000002010000745f310000000000755f31000000000077685f3100000000"
        "6f72646572730000a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7"
        "b8b9babbbcbdbebf");
    const Event expected = TokenIssued{.token_id = "t_1",
                                       .kind = TokenKind::app,
                                       .owner_id = "u_1",
                                       .webhook_id = "wh_1",
                                       .name = "orders",
                                       .expires_at = 1'790'000'000'000,
                                       .secret_hash = a0_to_bf()};
    auto decoded = decode("TokenIssued", v1);
    ASSERT_TRUE(decoded.has_value()) << decoded.error();
    EXPECT_EQ(*decoded, expected);
}

TEST(CodecEvolution, CallDecidedOfVersionOneStaysReadable) {
    const std::string v1 = from_hex(
        "0000000012000000000000000200060001000100070000002a00000000000000"
        "150000002200000015000000220000001500000022000000150000002a000000"
        "150000000a0000001500000002010000635f310000000000745f310000000000"
        "755f31000000000077685f31000000000000000000000000a0a1a2a3a4a5a6a7"
        "a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
    const Event expected = CallDecided{.call_id = "c_1",
                                       .token_id = "t_1",
                                       .owner_id = "u_1",
                                       .webhook_id = "wh_1",
                                       .request = "",
                                       .previous_secret = true,
                                       .refusal = Reason::owner_inactive,
                                       .body_length = 42,
                                       .body_sha256 = a0_to_bf()};
    auto decoded = decode("CallDecided", v1);
    ASSERT_TRUE(decoded.has_value()) << decoded.error();
    EXPECT_EQ(*decoded, expected);
}

TEST(CodecEvolution, CommandRefusedOfVersionOneStaysReadable) {
    const std::string v1 = from_hex(
        "000000000f000000000000000100040010000000000000000d0000005a000000"
        "110000002200000011000000160000001d0000000e00000044656c6574655573"
        "6572000000000000755f32000000000005000000220000000500000022000000"
        "745f310000000000745f320000000000010000002a00000077685f3100000000");
    const Event expected = CommandRefused{.command = "DeleteUser",
                                          .reason = Reason::user_has_active_tokens,
                                          .subject_id = "u_2",
                                          .token_ids = {"t_1", "t_2"},
                                          .webhook_ids = {"wh_1"}};
    auto decoded = decode("CommandRefused", v1);
    ASSERT_TRUE(decoded.has_value()) << decoded.error();
    EXPECT_EQ(*decoded, expected);
}

TEST(CodecEvolution, FieldsMissingFromOlderBytesReadAsTheirDefaults) {
    // UserDeleted's struct is UserCreated's first field alone: to a UserCreated reader it looks
    // exactly like bytes written before the other fields existed.
    auto decoded = decode("UserCreated", encode(UserDeleted{.user_id = "u_1"}));
    ASSERT_TRUE(decoded.has_value()) << decoded.error();
    EXPECT_EQ(*decoded, Event(UserCreated{.user_id = "u_1",
                                          .username = "",
                                          .kind = AccountKind::person,
                                          .roles = 0,
                                          .password_hash = ""}));
}

}  // namespace
}  // namespace keyledger
