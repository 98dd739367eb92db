// Every event survives encode -> decode unchanged, whatever its fields hold.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "domain/codec/codec.h"
#include "tests/codec/random_events.h"

namespace keyledger {
namespace {

using namespace domain;
using codec::decode;
using codec::encode;

Digest digest_of(std::uint8_t first) {
    Digest digest;
    for (std::size_t i = 0; i < digest.size(); ++i) {
        digest[i] = static_cast<std::uint8_t>(first + i);
    }
    return digest;
}

// Encodes and decodes under the event's own type name; fails the test on any error.
void expect_round_trip(const Event& event) {
    const std::string bytes = encode(event);
    EXPECT_EQ(bytes.size() % 8, 0u);
    auto decoded = decode(event_type(event), bytes);
    ASSERT_TRUE(decoded.has_value()) << event_type(event) << ": " << decoded.error();
    EXPECT_EQ(*decoded, event) << event_type(event);
}

// One realistic sample of every event type, optionals set.
std::vector<Event> samples() {
    return {
        StoreCreated{.window_ms = 60 * kDayMs, .store_id = "st_7f3a"},
        UserCreated{.user_id = "u_1",
                    .username = "alice@example.org",
                    .kind = AccountKind::service,
                    .roles = 7,
                    .password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"},
        PasswordChanged{.user_id = "u_1", .password_hash = "$argon2id$v=19$new"},
        LoginSucceeded{.user_id = "u_1"},
        LoginFailed{.user_id = "u_1", .reason = Reason::account_inactive},
        UserReactivated{.user_id = "u_1"},
        UserDeleted{.user_id = "u_1"},
        WebhookInstalled{.webhook_id = "wh_1",
                         .name = "shop orders",
                         .auth = WebhookAuth::basic,
                         .created_by = "u_1"},
        WebhookUninstalled{.webhook_id = "wh_1"},
        TokenIssued{.token_id = "t_1",
                    .kind = TokenKind::app,
                    .owner_id = "u_1",
                    .webhook_id = "wh_1",
                    .name = "orders feed",
                    .expires_at = 1'790'000'000'000,
                    .secret_hash = digest_of(1)},
        TokenRevoked{.token_id = "t_1"},
        TokenRotated{.token_id = "t_1", .secret_hash = digest_of(2), .grace_ms = 0},
        TokenTransferred{.token_id = "t_1", .from_owner_id = "u_1", .to_owner_id = "u_2"},
        CallDecided{.call_id = "c_1",
                    .token_id = "t_1",
                    .owner_id = "u_1",
                    .webhook_id = "wh_1",
                    .request = "",
                    .previous_secret = true,
                    .refusal = Reason::owner_inactive,
                    .body_length = 1 << 20,
                    .body_sha256 = digest_of(3)},
        CommandRefused{.command = "DeleteUser",
                       .reason = Reason::user_has_active_tokens,
                       .subject_id = "u_1",
                       .token_ids = {"t_1", "t_2"},
                       .webhook_ids = {"wh_1"}},
        IdempotencyRecorded{.token_id = "t_1",
                            .method = "POST",
                            .path = "/v1/users",
                            .key = "k-1",
                            .body_sha256 = digest_of(4),
                            .status = 201,
                            .response_body = R"({"id":"u_3","secret":null})"},
    };
}

TEST(CodecRoundTrip, SamplesCoverEveryEventType) {
    std::vector<std::string_view> sampled;
    for (const Event& event : samples()) {
        sampled.push_back(event_type(event));
    }
    std::vector<std::string_view> all;
    for (const Event& event : testing::default_events()) {
        all.push_back(event_type(event));
    }
    EXPECT_EQ(sampled, all);
}

TEST(CodecRoundTrip, EverySampleRoundTrips) {
    for (const Event& event : samples()) {
        expect_round_trip(event);
    }
}

TEST(CodecRoundTrip, EveryDefaultConstructedEventRoundTrips) {
    for (const Event& event : testing::default_events()) {
        expect_round_trip(event);
    }
}

TEST(CodecRoundTrip, TokenExpiryRoundTripsEmptyAndSet) {
    TokenIssued issued{.token_id = "t", .secret_hash = digest_of(9)};
    issued.expires_at.reset();
    expect_round_trip(issued);
    // Zero and the extremes are values like any other, never a sentinel for "no expiry".
    for (Instant at : {Instant{0}, Instant{-1}, Instant{1'790'000'000'000},
                       std::numeric_limits<Instant>::min(), std::numeric_limits<Instant>::max()}) {
        issued.expires_at = at;
        expect_round_trip(issued);
    }
}

// Absent (no delivery, or an older event) and empty (a delivery sent without a Content-Type)
// are two answers: verify checks the second and cannot check the first.
TEST(CodecRoundTrip, CallContentTypeRoundTripsAbsentEmptyAndSet) {
    CallDecided call{.call_id = "c", .token_id = "t", .body_sha256 = digest_of(6)};
    for (std::optional<std::string> content_type :
         {std::optional<std::string>(), std::optional<std::string>(""),
          std::optional<std::string>("application/json; charset=utf-8"),
          std::optional<std::string>("text/\xff")}) {
        call.content_type = content_type;
        expect_round_trip(call);
    }
}

TEST(CodecRoundTrip, CallOutcomeRoundTripsAcceptedAndEveryReason) {
    CallDecided call{.call_id = "c", .token_id = "t", .body_sha256 = digest_of(5)};
    call.refusal.reset();
    expect_round_trip(call);
    for (int r = 0; r <= static_cast<int>(Reason::idempotency_key_reused); ++r) {
        call.refusal = static_cast<Reason>(r);
        expect_round_trip(call);
    }
}

TEST(CodecRoundTrip, EveryReasonRoundTripsInEveryReasonField) {
    for (int r = 0; r <= static_cast<int>(Reason::idempotency_key_reused); ++r) {
        const auto reason = static_cast<Reason>(r);
        expect_round_trip(LoginFailed{.user_id = "u", .reason = reason});
        expect_round_trip(CommandRefused{.command = "c", .reason = reason});
    }
}

TEST(CodecRoundTrip, EveryRoleSetRoundTrips) {
    for (int roles = 0; roles <= 255; ++roles) {
        expect_round_trip(UserCreated{.user_id = "u", .roles = static_cast<Roles>(roles)});
    }
}

TEST(CodecRoundTrip, StringsKeepNulAndNonUtf8Bytes) {
    const std::string odd("a\0b\xff\xfe\xc0\x80", 7);
    expect_round_trip(UserCreated{.user_id = odd, .username = odd, .password_hash = odd});
    expect_round_trip(CommandRefused{.command = odd, .token_ids = {odd, "", odd}});
}

TEST(CodecRoundTrip, LargeResponseBodySpansSegments) {
    testing::Rng rng(7);
    IdempotencyRecorded recorded{.token_id = "t", .key = "k"};
    recorded.response_body = testing::random_bytes(rng, 3 << 20);
    expect_round_trip(recorded);
}

TEST(CodecRoundTrip, EncodingIsDeterministic) {
    for (const Event& event : samples()) {
        EXPECT_EQ(encode(event), encode(event)) << event_type(event);
    }
}

// Property: thousands of randomly filled events of every type round-trip, and decoding is
// indifferent to where the bytes sit in memory.
TEST(CodecRoundTrip, RandomEventsRoundTrip) {
    testing::Rng rng(0x6b65796c6564676eULL);
    for (int i = 0; i < 20'000; ++i) {
        const Event event = testing::random_event(rng);
        const std::string bytes = encode(event);
        ASSERT_EQ(bytes.size() % 8, 0u);

        auto decoded = decode(event_type(event), bytes);
        ASSERT_TRUE(decoded.has_value()) << "event " << i << ": " << decoded.error();
        ASSERT_EQ(*decoded, event) << "event " << i << " (" << event_type(event) << ")";

        const std::string shifted = "x" + bytes;  // the payload one byte off alignment
        auto unaligned = decode(event_type(event), std::string_view(shifted).substr(1));
        ASSERT_TRUE(unaligned.has_value()) << "event " << i << ": " << unaligned.error();
        ASSERT_EQ(*unaligned, event);
    }
}

}  // namespace
}  // namespace keyledger
