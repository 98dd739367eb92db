// The event feed's JSON: its shape, and that no password or secret hash ever leaves through it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "api/render/event_json.h"
#include "domain/codec/codec.h"
#include "tests/codec/random_events.h"

namespace keyledger {
namespace {

using namespace domain;
using api::render::event_data_json;
using api::render::event_json;
using nlohmann::json;

constexpr Instant k2026 = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z

Digest counting_digest(std::uint8_t first) {
    Digest digest;
    for (std::size_t i = 0; i < digest.size(); ++i) {
        digest[i] = static_cast<std::uint8_t>(first + i);
    }
    return digest;
}

std::string hex_of(std::string_view bytes, bool upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 0x0F];
    }
    return out;
}

TEST(EventJson, EnvelopeHasEveryField) {
    const Fact fact{.at = k2026 + 5,
                    .actor = "u_admin",
                    .correlation_id = "corr-1",
                    .event = UserDeleted{.user_id = "u_9"}};
    EXPECT_EQ(event_json(42, "user-u_9", 3, fact), json::parse(R"({
        "position": 42, "stream": "user-u_9", "version": 3, "type": "UserDeleted",
        "at": "2026-01-01T00:00:00.005Z", "actor": "u_admin", "correlation_id": "corr-1",
        "data": {"user_id": "u_9"}})"));
}

TEST(EventJson, UserCreatedShowsRolesByNameAndOnlyWhetherThereIsAPassword) {
    UserCreated created{
        .user_id = "u_1",
        .username = "svc.orders",
        .kind = AccountKind::service,
        .roles = static_cast<Roles>(Role::user_admin) | static_cast<Roles>(Role::auditor),
        .password_hash = "$argon2id$x"};
    EXPECT_EQ(event_data_json(created), json::parse(R"({
        "user_id": "u_1", "username": "svc.orders", "kind": "service",
        "roles": ["user_admin", "auditor"], "has_password": true})"));

    created.password_hash.clear();
    created.roles = 0;
    EXPECT_EQ(event_data_json(created)["has_password"], false);
    EXPECT_EQ(event_data_json(created)["roles"], json::array());
}

TEST(EventJson, TokenIssuedFormatsExpiryAndLeavesOutWhatIsEmpty) {
    TokenIssued issued{.token_id = "t_1",
                       .kind = TokenKind::api,
                       .owner_id = "u_1",
                       .name = "ci",
                       .expires_at = k2026 + kDayMs,
                       .secret_hash = counting_digest(0)};
    EXPECT_EQ(event_data_json(issued), json::parse(R"({
        "token_id": "t_1", "kind": "api", "owner_id": "u_1", "name": "ci",
        "expires_at": "2026-01-02T00:00:00.000Z"})"));

    issued.expires_at.reset();
    issued.kind = TokenKind::app;
    issued.webhook_id = "wh_1";
    EXPECT_EQ(event_data_json(issued), json::parse(R"({
        "token_id": "t_1", "kind": "app", "owner_id": "u_1", "name": "ci",
        "webhook_id": "wh_1"})"));
}

TEST(EventJson, CallDecidedGivesOutcomeAndBodyDigest) {
    CallDecided call{.call_id = "c_1",
                     .token_id = "t_1",
                     .owner_id = "u_1",
                     .webhook_id = "wh_1",
                     .previous_secret = false,
                     .body_length = 3,
                     .body_sha256 = counting_digest(0xE0)};
    const std::string digest_hex =
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    EXPECT_EQ(event_data_json(call), json({{"call_id", "c_1"},
                                           {"webhook_id", "wh_1"},
                                           {"token_id", "t_1"},
                                           {"owner_id", "u_1"},
                                           {"outcome", "accepted"},
                                           {"previous_secret", false},
                                           {"body_length", 3},
                                           {"body_sha256", digest_hex}}));

    call.refusal = Reason::secret_rotated;
    call.previous_secret = true;
    call.webhook_id.clear();
    call.request = "DELETE /v1/users/u_2";
    const json data = event_data_json(call);
    EXPECT_EQ(data["outcome"], "secret_rotated");
    EXPECT_EQ(data["previous_secret"], true);
    EXPECT_EQ(data["request"], "DELETE /v1/users/u_2");
    EXPECT_EQ(data["webhook_id"], "");
}

TEST(EventJson, RefusalsAndLoginsNameTheirReason) {
    EXPECT_EQ(event_data_json(LoginFailed{.user_id = "u", .reason = Reason::account_inactive}),
              json::parse(R"({"user_id": "u", "reason": "account_inactive"})"));
    EXPECT_EQ(event_data_json(CommandRefused{.command = "DeleteUser",
                                             .reason = Reason::user_has_active_tokens,
                                             .subject_id = "u_2",
                                             .token_ids = {"t_1", "t_2"},
                                             .webhook_ids = {"wh_1"}}),
              json::parse(R"({"command": "DeleteUser", "reason": "user_has_active_tokens",
                              "subject_id": "u_2", "token_ids": ["t_1", "t_2"],
                              "webhook_ids": ["wh_1"]})"));
}

TEST(EventJson, IdempotencyRecordedKeepsTheScrubbedResponse) {
    const IdempotencyRecorded recorded{.token_id = "t_1",
                                       .method = "POST",
                                       .path = "/v1/users/u_1/tokens",
                                       .key = "k-7",
                                       .body_sha256 = counting_digest(0),
                                       .status = 201,
                                       .response_body = R"({"id":"t_9","secret":null})"};
    EXPECT_EQ(event_data_json(recorded),
              json({{"token_id", "t_1"},
                    {"method", "POST"},
                    {"path", "/v1/users/u_1/tokens"},
                    {"key", "k-7"},
                    {"status", 201},
                    {"response_body", R"({"id":"t_9","secret":null})"},
                    {"body_sha256",
                     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}}));
}

TEST(EventJson, StoreAndTokenLifecycleEvents) {
    EXPECT_EQ(event_data_json(StoreCreated{.window_ms = 60 * kDayMs, .store_id = "s"}),
              json::parse(R"({"window_ms": 5184000000, "store_id": "s"})"));
    EXPECT_EQ(event_data_json(WebhookInstalled{
                  .webhook_id = "wh", .name = "n", .auth = WebhookAuth::basic, .created_by = "u"}),
              json::parse(R"({"webhook_id": "wh", "name": "n", "auth": "basic",
                              "created_by": "u"})"));
    EXPECT_EQ(event_data_json(TokenRotated{.token_id = "t", .grace_ms = 0}),
              json::parse(R"({"token_id": "t", "grace_ms": 0})"));
    EXPECT_EQ(event_data_json(
                  TokenTransferred{.token_id = "t", .from_owner_id = "a", .to_owner_id = "b"}),
              json::parse(R"({"token_id": "t", "from_owner_id": "a", "to_owner_id": "b"})"));
}

TEST(EventJson, InvalidUtf8BecomesReplacementCharacters) {
    const std::string odd("ok\xff\xc0\x80\xed\xa0\x80\xe2\x82\xac", 11);  // ends with a real €
    const json data = event_data_json(UserDeleted{.user_id = odd});
    EXPECT_EQ(data["user_id"], "ok\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\u20AC");
}

TEST(EventJson, InstantsOutsideTheTextFormAreGivenInMilliseconds) {
    const Fact fact{.at = kMaxTextInstant + 1, .event = TokenIssued{.expires_at = -1}};
    const json line = event_json(1, "token-", 1, fact);
    EXPECT_EQ(line["at"], kMaxTextInstant + 1);
    EXPECT_EQ(line["data"]["expires_at"], "1969-12-31T23:59:59.999Z");
}

// ---- Hashes never leave.

constexpr std::string_view kPlantedPassword = "$argon2id$v=19$PLANTED-PASSWORD-HASH$0a1b2c3d4e5f";
// Printable on purpose: if these bytes were ever copied into a string, the search would see them.
constexpr std::string_view kPlantedSecret = "PLANTED-SECRET-HASH-0123456789ab";

// Every event of every type that has a hash, with the planted values in it.
std::vector<Fact> facts_with_planted_hashes() {
    Digest secret;
    static_assert(kPlantedSecret.size() == std::tuple_size_v<Digest>);
    std::copy(kPlantedSecret.begin(), kPlantedSecret.end(), secret.begin());
    const std::string password(kPlantedPassword);
    return {
        {.at = k2026, .event = UserCreated{.user_id = "u", .password_hash = password}},
        {.at = k2026, .event = PasswordChanged{.user_id = "u", .password_hash = password}},
        {.at = k2026, .event = TokenIssued{.token_id = "t", .secret_hash = secret}},
        {.at = k2026,
         .event = TokenIssued{.token_id = "t", .expires_at = k2026, .secret_hash = secret}},
        {.at = k2026, .event = TokenRotated{.token_id = "t", .secret_hash = secret}},
    };
}

// Every way a planted hash could show: raw, as hex either case, or by its field's name.
std::vector<std::string> leak_needles() {
    return {std::string(kPlantedPassword),
            hex_of(kPlantedPassword, false),
            hex_of(kPlantedPassword, true),
            std::string(kPlantedSecret),
            hex_of(kPlantedSecret, false),
            hex_of(kPlantedSecret, true),
            "PLANTED",
            "password_hash",
            "secret_hash",
            "passwordHash",
            "secretHash"};
}

std::vector<std::string> leaks_in(std::string_view haystack) {
    std::vector<std::string> found;
    for (const std::string& needle : leak_needles()) {
        if (haystack.find(needle) != std::string_view::npos) {
            found.push_back(needle);
        }
    }
    return found;
}

TEST(EventJson, NoPlantedHashAppearsInTheFeed) {
    for (const Fact& fact : facts_with_planted_hashes()) {
        const std::string line = event_json(7, "s", 1, fact).dump();
        EXPECT_THAT(leaks_in(line), ::testing::IsEmpty()) << line;
    }
}

TEST(EventJson, LeakSearchFindsThePlantedHashesWhereTheyAre) {
    // Control: the stored bytes of the same events do hold the planted values, and a rendering
    // that leaked them would be caught, so the test above can fail.
    for (const Fact& fact : facts_with_planted_hashes()) {
        const std::string stored = codec::encode(fact.event);
        EXPECT_THAT(leaks_in(stored), ::testing::Contains(::testing::HasSubstr("PLANTED")))
            << event_type(fact.event);
    }
    json leaky = event_data_json(TokenRotated{});
    leaky["secret_hash"] = hex_of(kPlantedSecret, false);
    EXPECT_THAT(leaks_in(leaky.dump()), ::testing::IsSupersetOf({std::string("secret_hash"),
                                                                 hex_of(kPlantedSecret, false)}));
    leaky = event_data_json(UserCreated{});
    leaky["note"] = std::string(kPlantedPassword);
    EXPECT_THAT(leaks_in(leaky.dump()), ::testing::Contains(std::string(kPlantedPassword)));
}

const Digest* secret_hash_of(const Event& event) {
    if (const auto* issued = std::get_if<TokenIssued>(&event)) {
        return &issued->secret_hash;
    }
    if (const auto* rotated = std::get_if<TokenRotated>(&event)) {
        return &rotated->secret_hash;
    }
    return nullptr;
}

TEST(EventJson, RandomEventsRenderAsValidJsonWithoutHashes) {
    testing::Rng rng(21);
    const testing::RandomOptions options{.any_bytes = true, .any_instant = false};
    for (int i = 0; i < 5'000; ++i) {
        const Event event = testing::random_event(rng, options);
        const Fact fact{.at = k2026, .actor = "a", .correlation_id = "c", .event = event};
        std::string line;
        ASSERT_NO_THROW(line = event_json(i, "s", 1, fact).dump()) << event_type(event);

        const json parsed = json::parse(line);
        EXPECT_EQ(parsed["type"], event_type(event));
        EXPECT_FALSE(parsed["data"].contains("password_hash"));
        EXPECT_FALSE(parsed["data"].contains("secret_hash"));
        if (const Digest* secret = secret_hash_of(event)) {
            const std::string secret_bytes(secret->begin(), secret->end());
            EXPECT_EQ(line.find(hex_of(secret_bytes, false)), std::string::npos) << line;
            EXPECT_EQ(line.find(hex_of(secret_bytes, true)), std::string::npos) << line;
        }
    }
}

}  // namespace
}  // namespace keyledger
