// API.md's contract over real HTTP against the real `keyledger serve` process, with a manual
// clock: challenges, the order of checks, bodies and instants, as-of reads, paging, methods,
// Idempotency-Key, login, the fine points, operations, the event feed and webhook ingress.

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "security/base64.h"
#include "security/digest.h"
#include "security/sha256.h"
#include "security/token_secret.h"
#include "tests/e2e/api_client.h"
#include "tests/e2e/manual_store.h"
#include "tests/e2e/server_process.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr const char* kStart = "2026-01-01T00:00:00.000Z";
constexpr const char* kBearerChallenge = "Bearer realm=\"keyledger\"";
constexpr const char* kInvalidRequest = "Bearer realm=\"keyledger\", error=\"invalid_request\"";
constexpr const char* kInvalidToken = "Bearer realm=\"keyledger\", error=\"invalid_token\"";

struct Token {
    std::string id;
    std::string secret;
};
struct Hook {
    std::string id;
    Token app;
};

std::vector<Json> ndjson(const std::string& body) {
    std::vector<Json> lines;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(Json::parse(line, nullptr, false));
    }
    return lines;
}

class Contract : public ::testing::Test {
  protected:
    void SetUp() override {
        FirstAdmin first;
        ASSERT_NO_FATAL_FAILURE(init_and_serve(data_dir(), kStart, first, server, api));
        admin = Token{first.token_id, first.secret};
        admin_id = first.user_id;
    }
    std::string data_dir() const { return dir.path().string() + "/data"; }

    Reply as(const Token& who, std::string_view method, const std::string& target,
             const std::optional<Json>& body = std::nullopt, HeaderList extra = {}) {
        return api->send(method, target, who.secret, body, std::move(extra));
    }
    // A request with exactly these headers and body (no JSON help).
    Reply plain(std::string_view method, const std::string& target, const HeaderList& headers,
                const std::string& body = "") {
        return to_reply(tests::http::request(server->port(), method, target, headers, body));
    }
    Reply raw(const std::string& bytes) {
        return to_reply(tests::http::raw_request(server->port(), bytes));
    }

    std::string user(const std::string& name, const Json& roles = Json::array(),
                     const std::string& password = "") {
        Json body{{"username", name}, {"kind", "person"}, {"roles", roles}};
        if (!password.empty()) {
            body["password"] = password;
        }
        Reply r = as(admin, "POST", "/v1/users", body);
        EXPECT_EQ(r.status, 201u) << r.body;
        return r.json.value("id", "");
    }
    Token api_token(const std::string& user_id) {
        Reply r = as(admin, "POST", "/v1/users/" + user_id + "/tokens", Json::object());
        EXPECT_EQ(r.status, 201u) << r.body;
        return Token{r.json.value("id", ""), r.json.value("secret", "")};
    }
    // An account with these roles and an API token on it.
    Token member(const std::string& name, const Json& roles = Json::array()) {
        return api_token(user(name, roles));
    }
    Hook install(const std::string& name, const std::string& auth = "bearer") {
        Reply r = as(admin, "POST", "/v1/webhooks", Json{{"name", name}, {"auth", auth}});
        EXPECT_EQ(r.status, 201u) << r.body;
        return Hook{r.json.value("id", ""), Token{r.json["app_token"].value("id", ""),
                                                  r.json["app_token"].value("secret", "")}};
    }
    Reply get_user(const std::string& id, const std::string& query = "") {
        return as(admin, "GET", "/v1/users/" + id + query);
    }
    // Moves the manual clock in steps the admin's own activity survives.
    std::string advance(std::int64_t ms) {
        std::string now;
        do {
            const std::int64_t step = std::min(ms, 30 * kDay);
            Reply r = as(admin, "POST", "/v1/clock", Json{{"advance_ms", step}});
            EXPECT_EQ(r.status, 200u) << r.body;
            now = r.json.value("now", "");
            ms -= step;
        } while (ms > 0);
        return now;
    }
    std::uint64_t head() {
        Reply r = plain("GET", "/readyz", {});
        return r.json.value("position", std::uint64_t{0});
    }
    std::string feed() {
        Reply r = as(admin, "GET", "/v1/events?limit=10000");
        EXPECT_EQ(r.status, 200u) << r.body;
        return r.body;
    }

    TempDir dir;
    std::unique_ptr<ServerProcess> server;
    std::unique_ptr<ApiClient> api;
    Token admin;
    std::string admin_id;
};

void expect_401(const Reply& r, const std::string& error, const std::string& challenge) {
    EXPECT_EQ(r.status, 401u) << r.body;
    EXPECT_EQ(r.json.value("error", ""), error) << r.body;
    EXPECT_EQ(r.header("WWW-Authenticate"), challenge);
}

void expect_error(const Reply& r, unsigned status, const std::string& error) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.json.value("error", ""), error) << r.body;
}

// --- Credentials and challenges ---

TEST_F(Contract, NoCredentialIsChallengedWithoutAnError) {
    expect_401(plain("GET", "/v1/users/" + admin_id, {}), "malformed", kBearerChallenge);
    expect_401(plain("POST", "/v1/users", {{"Content-Type", "application/json"}}, "{}"),
               "malformed", kBearerChallenge);
}

TEST_F(Contract, MalformedCredentialsAreInvalidRequest) {
    const std::string target = "/v1/users/" + admin_id;
    const std::string head = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    expect_401(raw(head + "Authorization: Bearer\t" + admin.secret + "\r\n\r\n"), "malformed",
               kInvalidRequest);
    expect_401(raw(head + "Authorization: Bearer " + admin.secret + "\r\nAuthorization: Bearer " +
                   admin.secret + "\r\n\r\n"),
               "malformed", kInvalidRequest);
    expect_401(plain("GET", target, {{"Authorization", "Bearer " + admin.secret + " please"}}),
               "malformed", kInvalidRequest);
    // ":a" is "OmE=" in canonical base64: stray low bits and a missing pad are not.
    expect_401(plain("GET", target, {{"Authorization", "Basic OmF="}}), "malformed",
               kInvalidRequest);
    expect_401(plain("GET", target, {{"Authorization", "Basic OmE"}}), "malformed",
               kInvalidRequest);
    expect_401(plain("GET", target, {{"Authorization", "Bearer"}}), "malformed", kInvalidRequest);
    expect_401(plain("GET", target + "?access_token=" + admin.secret, {}), "malformed",
               kInvalidRequest);
    // A genuine secret in a malformed credential learns nothing more.
    Hook hook = install("shop");
    expect_401(plain("POST", "/v1/hooks/" + hook.id + "?access_token=" + hook.app.secret, {}),
               "malformed", kInvalidRequest);
}

TEST_F(Contract, CredentialsThatNameNoTokenAreInvalidTokenWithoutAReason) {
    const std::string target = "/v1/users/" + admin_id;
    std::string typo = admin.secret;
    typo.back() = typo.back() == 'A' ? 'B' : 'A';  // breaks the checksum
    const std::string stranger = security::make_token_secret(security::TokenKind::api);
    for (const std::string& secret : {typo, stranger}) {
        Reply r = plain("GET", target, {{"Authorization", "Bearer " + secret}});
        expect_401(r, "unknown_token", kInvalidToken);
    }
    const std::uint64_t position = head();
    // A genuine secret under another token id in Basic is not ours either.
    expect_401(plain("GET", target, {{"Authorization", basic("tok_other", admin.secret)}}),
               "unknown_token", kInvalidToken);
    EXPECT_EQ(head(), position);  // counted, not recorded
    // Control: the same secret, well presented, is accepted.
    EXPECT_EQ(plain("GET", target, {{"Authorization", basic(admin.id, admin.secret)}}).status,
              200u);
}

TEST_F(Contract, GenuineRefusedSecretsLearnTheReason) {
    Token ops = member("ops", {"user_admin"});
    ASSERT_EQ(as(admin, "DELETE", "/v1/tokens/" + ops.id).status, 204u);
    Reply r = as(ops, "GET", "/v1/users/" + admin_id);
    expect_401(r, "token_revoked",
               std::string(kInvalidToken) + ", error_description=\"token_revoked\"");
    // The reason goes only with the genuine secret: a wrong Basic user id hides it.
    expect_401(plain("GET", "/v1/users/" + admin_id,
                     {{"Authorization", basic("tok_someone_else", ops.secret)}}),
               "unknown_token", kInvalidToken);
    // On a webhook with an app token used elsewhere.
    Hook shop = install("shop");
    Hook crm = install("crm");
    Reply wrong = api->hook(crm.id, "Bearer " + shop.app.secret);
    expect_401(wrong, "wrong_webhook",
               std::string(kInvalidToken) + ", error_description=\"wrong_webhook\"");
    // A webhook installed with basic challenges with Basic whatever the credential.
    Hook basic_hook = install("forms", "basic");
    Reply basic_refused = api->hook(basic_hook.id, "Bearer " + shop.app.secret);
    expect_401(basic_refused, "wrong_webhook", "Basic realm=\"keyledger\", charset=\"UTF-8\"");
}

TEST_F(Contract, ASecretTwoRotationsOldIsUnknown) {
    Token bob = member("bob");
    Reply once = as(admin, "POST", "/v1/tokens/" + bob.id + "/rotate", Json::object());
    ASSERT_EQ(once.status, 201u) << once.body;
    EXPECT_EQ(as(bob, "GET", "/v1/tokens/" + bob.id).status, 200u);  // within its grace
    // The second rotation ends the first grace at once; its own grace is 0 here.
    ASSERT_EQ(as(admin, "POST", "/v1/tokens/" + bob.id + "/rotate", Json{{"grace_ms", 0}}).status,
              201u);
    expect_401(as(bob, "GET", "/v1/tokens/" + bob.id), "unknown_token", kInvalidToken);
    const Token once_rotated{bob.id, once.json.value("secret", "")};
    expect_401(as(once_rotated, "GET", "/v1/tokens/" + bob.id), "secret_rotated",
               std::string(kInvalidToken) + ", error_description=\"secret_rotated\"");
}

TEST_F(Contract, ATokenIsCheckedAgainstAWebhookOnlyWhenOneIsGiven) {
    Hook shop = install("shop");
    Hook crm = install("crm");
    const std::string path = "/v1/tokens/" + shop.app.id;
    EXPECT_EQ(as(admin, "GET", path).json.value("status", ""), "valid");
    EXPECT_EQ(as(admin, "GET", path + "?webhook_id=" + shop.id).json.value("status", ""), "valid");
    EXPECT_EQ(as(admin, "GET", path + "?webhook_id=" + crm.id).json.value("status", ""),
              "wrong_webhook");
}

// --- Who may, and the order of checks ---

TEST_F(Contract, AnotherAccountsResourceWithoutTheRoleIs403EvenForUnknownIds) {
    Token eve = member("eve");
    for (const std::string& target : {"/v1/users/" + admin_id, std::string("/v1/users/usr_nope"),
                                      "/v1/tokens/" + admin.id, std::string("/v1/tokens/tok_nope"),
                                      std::string("/v1/users"), std::string("/v1/events")}) {
        expect_error(as(eve, "GET", target), 403, "missing_role");
    }
    expect_error(as(eve, "DELETE", "/v1/tokens/tok_nope"), 403, "missing_role");
    expect_error(as(eve, "POST", "/v1/tokens/tok_nope/rotate", Json::object()), 403,
                 "missing_role");
    expect_error(as(eve, "POST", "/v1/users/usr_nope/tokens", Json::object()), 403, "missing_role");
    // Her own things she may read.
    EXPECT_EQ(as(eve, "GET", "/v1/tokens/" + eve.id).status, 200u);
}

TEST_F(Contract, ChecksComeInTheContractOrder) {
    Token eve = member("eve");
    const std::string bob = user("bob");
    const HeaderList text{{"Authorization", "Bearer " + admin.secret},
                          {"Content-Type", "text/plain"}};
    // 403 route role before 404 path id before 415.
    expect_error(as(eve, "POST", "/v1/users/usr_nope/tokens", Json::object()), 403, "missing_role");
    expect_error(plain("POST", "/v1/users/usr_nope/tokens", text, "x"), 404, "not_found");
    expect_error(plain("POST", "/v1/users/" + bob + "/tokens", text, "x"), 415,
                 "unsupported_media_type");
    // 400 before 403 for a body condition before 404 for a body id before 409.
    Token hooker = member("hooker", {"webhook_admin"});
    expect_error(as(hooker, "POST", "/v1/webhooks", Json{{"auth", "bearer"}, {"owner_id", bob}}),
                 400, "bad_request");
    expect_error(as(hooker, "POST", "/v1/webhooks",
                    Json{{"name", "x"}, {"auth", "bearer"}, {"owner_id", "usr_nope"}}),
                 403, "missing_role");
    expect_error(as(admin, "POST", "/v1/webhooks",
                    Json{{"name", "x"}, {"auth", "bearer"}, {"owner_id", "usr_nope"}}),
                 404, "not_found");
    Hook shop = install("shop");
    expect_error(as(admin, "POST", "/v1/tokens/" + shop.app.id + "/transfer",
                    Json{{"owner_id", "usr_nope"}}),
                 404, "not_found");
    // A wrong old_password is a 403 even when the new password is fine; a short one is 400 first.
    const std::string carol = user("carol", Json::array(), "carol's password");
    Token carol_token = api_token(carol);
    expect_error(as(carol_token, "PUT", "/v1/users/" + carol + "/password",
                    Json{{"password", "short"}, {"old_password", "wrong password"}}),
                 400, "bad_request");
}

TEST_F(Contract, QueryProblemsComeAfterAuthenticationAndRoles) {
    const std::string twice = "/v1/users?limit=1&limit=2";
    expect_401(plain("GET", twice, {}), "malformed", kBearerChallenge);
    expect_error(as(member("eve"), "GET", twice), 403, "missing_role");
    expect_error(as(admin, "GET", "/v1/users/usr_nope?as_of=2026-01-01&as_of=x"), 404, "not_found");
    expect_error(as(admin, "GET", twice), 400, "bad_request");
}

TEST_F(Contract, BodiesMustBeJsonOfTheRightShape) {
    const HeaderList text{{"Authorization", "Bearer " + admin.secret},
                          {"Content-Type", "text/plain"}};
    expect_error(plain("POST", "/v1/users", text, R"({"username":"a","kind":"person"})"), 415,
                 "unsupported_media_type");
    expect_error(
        plain("POST", "/v1/users",
              {{"Authorization", "Bearer " + admin.secret}, {"Content-Type", "application/json"}},
              "{\"username\": "),
        400, "bad_request");
    for (const Json& body :
         {Json{{"username", 5}, {"kind", "person"}}, Json{{"username", "a"}, {"kind", "robot"}},
          Json{{"username", "a"}, {"kind", "person"}, {"roles", "auditor"}},
          Json{{"username", "Not Valid"}, {"kind", "person"}},
          Json{{"username", std::string(65, 'a')}, {"kind", "person"}},
          Json{{"username", "a"}, {"kind", "person"}, {"password", "1234567"}}, Json::array()}) {
        expect_error(as(admin, "POST", "/v1/users", body), 400, "bad_request");
    }
    // Control: the smallest valid body is accepted.
    EXPECT_EQ(as(admin, "POST", "/v1/users",
                 Json{{"username", "a"}, {"kind", "person"}, {"password", "12345678"}})
                  .status,
              201u);
}

TEST_F(Contract, BadInstantsAre400BadInstant) {
    advance(kDay);
    for (const char* bad :
         {"2026-01-02", "2026-01-02T00:00:00", "2026-01-02t00:00:00Z", "2026-01-02T00:00:00z",
          "2026-01-02T00:00:00.0000Z", "2026-01-02T00:00:00+00:00", "2026-02-30T00:00:00Z"}) {
        expect_error(
            as(admin, "POST", "/v1/users/" + admin_id + "/tokens", Json{{"expires_at", bad}}), 400,
            "bad_instant");
        std::string query = std::string("?as_of=") + bad;
        if (auto plus = query.find('+'); plus != std::string::npos) {
            query.replace(plus, 1, "%2B");  // a bare + would arrive as a space
        }
        expect_error(get_user(admin_id, query), 400, "bad_instant");
        expect_error(as(admin, "GET", "/v1/tokens/" + admin.id + query), 400, "bad_instant");
    }
    expect_error(as(admin, "POST", "/v1/clock", Json{{"to", "2026-02-01"}}), 400, "bad_instant");
    // Every accepted form.
    for (const char* good : {"2026-01-01T00:00:00Z", "2026-01-01T00:00:00.5Z",
                             "2026-01-01T00:00:00.50Z", "2026-01-01T00:00:00.500Z"}) {
        EXPECT_EQ(get_user(admin_id, std::string("?as_of=") + good).status, 200u) << good;
    }
}

TEST_F(Contract, AsOfAfterNowIsRefused) {
    advance(kDay);
    expect_error(get_user(admin_id, "?as_of=2026-01-02T00:00:00.001Z"), 400, "as_of_in_future");
    expect_error(as(admin, "GET", "/v1/tokens/" + admin.id + "?as_of=2026-01-03T00:00:00Z"), 400,
                 "as_of_in_future");
    EXPECT_EQ(get_user(admin_id, "?as_of=2026-01-02T00:00:00.000Z").status, 200u);
}

TEST_F(Contract, PastReadsShowThePastStatus) {
    advance(kDay);  // 2026-01-02
    const std::uint64_t before_bob = head();
    const std::string bob = user("bob");
    Token bob_token = api_token(bob);
    // Before bob existed: 404, by instant and by position.
    expect_error(get_user(bob, "?as_of=2026-01-01T12:00:00.000Z"), 404, "not_found");
    expect_error(as(admin, "GET", "/v1/tokens/" + bob_token.id + "?as_of=2026-01-01T12:00:00Z"),
                 404, "not_found");
    expect_error(get_user(bob, "?at_position=" + std::to_string(before_bob)), 404, "not_found");
    // 61 days later bob is inactive, but was active on day 2.
    advance(61 * kDay);
    Reply now = get_user(bob);
    EXPECT_EQ(now.json.value("status", ""), "inactive") << now.body;
    EXPECT_EQ(now.json.value("inactive_since", ""), "2026-03-03T00:00:00.000Z");
    Reply then = get_user(bob, "?as_of=2026-03-02T23:59:59.999Z");
    EXPECT_EQ(then.json.value("status", ""), "active") << then.body;
    EXPECT_FALSE(then.json.contains("inactive_since"));
    EXPECT_EQ(as(admin, "GET", "/v1/tokens/" + bob_token.id).json.value("status", ""),
              "owner_inactive");
    EXPECT_EQ(as(admin, "GET", "/v1/tokens/" + bob_token.id + "?as_of=2026-01-02T00:00:00Z")
                  .json.value("status", ""),
              "valid");
    // A revocation is seen from its position on, not before it.
    ASSERT_EQ(as(admin, "DELETE", "/v1/tokens/" + bob_token.id).status, 204u);
    const std::uint64_t after_revoke = head();
    const std::string revoked_at =
        as(admin, "GET", "/v1/tokens/" + bob_token.id).json.value("revoked_at", "");
    EXPECT_EQ(revoked_at, "2026-03-04T00:00:00.000Z");
    // as_of folds every event decided at or before the instant.
    EXPECT_EQ(as(admin, "GET", "/v1/tokens/" + bob_token.id + "?as_of=" + revoked_at)
                  .json.value("status", ""),
              "token_revoked");
    EXPECT_EQ(as(admin, "GET", "/v1/tokens/" + bob_token.id + "?as_of=2026-03-03T23:59:59.999Z")
                  .json.value("status", ""),
              "owner_inactive");
    EXPECT_EQ(as(admin, "GET",
                 "/v1/tokens/" + bob_token.id + "?at_position=" + std::to_string(after_revoke))
                  .json.value("status", ""),
              "token_revoked");
    EXPECT_EQ(as(admin, "GET",
                 "/v1/tokens/" + bob_token.id + "?at_position=" + std::to_string(after_revoke - 2))
                  .json.value("status", ""),
              "owner_inactive");
}

TEST_F(Contract, UsersAreFoundByNameAndPaged) {
    std::set<std::string> ids{admin_id};
    for (const char* name : {"ann", "ben", "cat", "dan"}) {
        ids.insert(user(name));
    }
    Reply found = as(admin, "GET", "/v1/users?username=cat");
    ASSERT_EQ(found.status, 200u) << found.body;
    ASSERT_EQ(found.json.at("users").size(), 1u);
    EXPECT_EQ(found.json.at("users")[0].at("username"), "cat");
    EXPECT_TRUE(as(admin, "GET", "/v1/users?username=nobody").json.at("users").empty());

    std::set<std::string> seen;
    std::string after;
    for (int page = 0; page < 10; ++page) {
        Reply r = as(admin, "GET", "/v1/users?limit=2" + (after.empty() ? "" : "&after=" + after));
        ASSERT_EQ(r.status, 200u) << r.body;
        ASSERT_LE(r.json.at("users").size(), 2u);
        for (const auto& u : r.json.at("users")) {
            EXPECT_TRUE(seen.insert(u.at("id")).second) << "twice: " << u;
            after = u.at("id");
        }
        if (r.json.at("users").size() < 2) {
            break;
        }
    }
    EXPECT_EQ(seen, ids);
    expect_error(as(admin, "GET", "/v1/users?limit=0"), 400, "bad_request");
}

TEST_F(Contract, UnknownRoutesAre404AndOtherMethods405WithAllow) {
    expect_error(as(admin, "GET", "/v1/nope"), 404, "not_found");
    expect_error(plain("GET", "/nope", {}), 404, "not_found");
    Reply users = as(admin, "PATCH", "/v1/users");
    expect_error(users, 405, "method_not_allowed");
    EXPECT_EQ(users.header("Allow"), "GET, POST");
    Reply hook = plain("GET", "/v1/hooks/whk_x", {});
    expect_error(hook, 405, "method_not_allowed");
    EXPECT_EQ(hook.header("Allow"), "POST");
    Reply health = plain("POST", "/healthz", {});
    expect_error(health, 405, "method_not_allowed");
    EXPECT_EQ(health.header("Allow"), "GET");
    Reply login = plain("GET", "/v1/login", {});
    expect_error(login, 405, "method_not_allowed");
    EXPECT_EQ(login.header("Allow"), "POST");
}

TEST_F(Contract, TheClockIsForUserAdminsAndExistsOnlyWhenManual) {
    Token eve = member("eve", {"webhook_admin", "auditor"});
    expect_error(as(eve, "POST", "/v1/clock", Json{{"advance_ms", 1000}}), 403, "missing_role");
    Reply moved = as(admin, "POST", "/v1/clock", Json{{"advance_ms", 1500}});
    ASSERT_EQ(moved.status, 200u) << moved.body;
    EXPECT_EQ(moved.json.at("now"), "2026-01-01T00:00:01.500Z");
    EXPECT_EQ(as(admin, "POST", "/v1/clock", Json{{"to", "2026-01-05T00:00:00Z"}}).json.at("now"),
              "2026-01-05T00:00:00.000Z");

    TempDir other;
    const std::string other_dir = other.path().string() + "/data";
    auto init = run_keyledger({"init", "--data-dir", other_dir});  // on the system clock
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const std::string other_secret = Json::parse(init.out).at("secret");
    ServerProcess system_clock({"--data-dir", other_dir, "--password-cost", "minimal"});
    ASSERT_TRUE(system_clock.started()) << system_clock.startup_error();
    ApiClient client(system_clock.port());
    expect_error(client.post("/v1/clock", other_secret, Json{{"advance_ms", 1000}}), 404,
                 "not_found");
    EXPECT_EQ(client.get("/v1/audit/verify", other_secret).status, 200u);  // control
}

// --- Idempotency ---

TEST_F(Contract, AnIdempotentRepeatReplaysWithoutSecretsAndRecordsNothing) {
    const std::string bob = user("bob");
    const HeaderList key{{"Idempotency-Key", "issue-bob"}};
    Reply first = as(admin, "POST", "/v1/users/" + bob + "/tokens", Json::object(), key);
    ASSERT_EQ(first.status, 201u) << first.body;
    EXPECT_TRUE(first.json.at("secret").is_string());
    EXPECT_EQ(first.header("Idempotent-Replayed"), "");
    const std::uint64_t position = head();
    advance(0);  // keeps the repeat's activity check honest: the clock's own call moves it
    const std::uint64_t after_clock = head();
    ASSERT_GT(after_clock, position);
    Reply again = as(admin, "POST", "/v1/users/" + bob + "/tokens", Json::object(), key);
    EXPECT_EQ(again.status, 201u);
    EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
    EXPECT_TRUE(again.json.at("secret").is_null()) << again.body;
    EXPECT_EQ(again.json.at("id"), first.json.at("id"));
    EXPECT_EQ(head(), after_clock);
    EXPECT_EQ(get_user(bob).json.at("live_token_ids").size(), 1u);
}

TEST_F(Contract, AKeyReusedWithAnotherBodyIs422BeforeOther400s) {
    const HeaderList key{{"Idempotency-Key", "k1"}};
    ASSERT_EQ(
        as(admin, "POST", "/v1/users", Json{{"username", "bob"}, {"kind", "person"}}, key).status,
        201u);
    expect_error(as(admin, "POST", "/v1/users", Json{{"username", "ben"}, {"kind", "person"}}, key),
                 422, "idempotency_key_reused");
    expect_error(as(admin, "POST", "/v1/users", Json{{"username", "NOT VALID"}}, key), 422,
                 "idempotency_key_reused");
}

TEST_F(Contract, InvalidIdempotencyKeysAre400) {
    for (const std::string& bad : {std::string(256, 'k'), std::string("ключ")}) {
        expect_error(as(admin, "POST", "/v1/users", Json{{"username", "bob"}, {"kind", "person"}},
                        {{"Idempotency-Key", bad}}),
                     400, "bad_request");
    }
    // Two keys: which one was meant is unknown, so neither is taken (and nothing is created).
    const Reply twice =
        as(admin, "POST", "/v1/users", Json{{"username", "bob"}, {"kind", "person"}},
           {{"Idempotency-Key", "z1"}, {"Idempotency-Key", "z2"}});
    expect_error(twice, 400, "bad_request");
    EXPECT_NE(twice.json.value("message", "").find("given once"), std::string::npos) << twice.body;
    // The longest key is fine.
    EXPECT_EQ(as(admin, "POST", "/v1/users", Json{{"username", "bob"}, {"kind", "person"}},
                 {{"Idempotency-Key", std::string(255, 'k')}})
                  .status,
              201u);
}

TEST_F(Contract, ARefusedCredentialConsumesNoKey) {
    const std::string ops_id = user("ops", {"user_admin"});
    Token ops = api_token(ops_id);
    advance(60 * kDay);  // ops goes inactive
    const HeaderList key{{"Idempotency-Key", "create-bob"}};
    const Json body{{"username", "bob"}, {"kind", "person"}};
    expect_error(as(ops, "POST", "/v1/users", body, key), 401, "owner_inactive");
    ASSERT_EQ(as(admin, "POST", "/v1/users/" + ops_id + "/reactivate", Json::object()).status,
              200u);
    Reply created = as(ops, "POST", "/v1/users", body, key);
    EXPECT_EQ(created.status, 201u) << created.body;
    EXPECT_EQ(created.header("Idempotent-Replayed"), "");
}

TEST_F(Contract, ARepeatWithANowRefusedCredentialGetsThat401) {
    Token ops = member("ops", {"user_admin"});
    const HeaderList key{{"Idempotency-Key", "bob"}};
    const Json bob{{"username", "bob"}, {"kind", "person"}};
    ASSERT_EQ(as(ops, "POST", "/v1/users", bob, key).status, 201u);
    ASSERT_EQ(as(admin, "DELETE", "/v1/tokens/" + ops.id).status, 204u);
    expect_error(as(ops, "POST", "/v1/users", bob, key), 401, "token_revoked");
}

TEST_F(Contract, KeysAreScopedByTokenMethodAndPath) {
    const HeaderList key{{"Idempotency-Key", "same"}};
    const Json bob{{"username", "bob"}, {"kind", "person"}};
    Reply created = as(admin, "POST", "/v1/users", bob, key);
    ASSERT_EQ(created.status, 201u);
    const std::string bob_id = created.json.at("id");
    // Another path, another method: no replay and no 422.
    Reply issued = as(admin, "POST", "/v1/users/" + bob_id + "/tokens", Json::object(), key);
    EXPECT_EQ(issued.status, 201u) << issued.body;
    EXPECT_EQ(issued.header("Idempotent-Replayed"), "");
    Reply revoked = as(admin, "DELETE", "/v1/tokens/" + issued.json.value("id", ""), {}, key);
    EXPECT_EQ(revoked.status, 204u) << revoked.body;
    EXPECT_EQ(revoked.header("Idempotent-Replayed"), "");
    // Another token of the same account: decided afresh.
    Token second = api_token(admin_id);
    expect_error(as(second, "POST", "/v1/users", bob, key), 409, "username_taken");
}

TEST_F(Contract, KeysAreHonouredFor24HoursOfTheDecisionClock) {
    const HeaderList key{{"Idempotency-Key", "day"}};
    const Json bob{{"username", "bob"}, {"kind", "person"}};
    ASSERT_EQ(as(admin, "POST", "/v1/users", bob, key).status, 201u);
    advance(kDay - 1);
    Reply replay = as(admin, "POST", "/v1/users", bob, key);
    EXPECT_EQ(replay.status, 201u);
    EXPECT_EQ(replay.header("Idempotent-Replayed"), "true");
    advance(1);
    expect_error(as(admin, "POST", "/v1/users", bob, key), 409, "username_taken");
}

TEST_F(Contract, TheClockTakesNoKey) {
    const HeaderList key{{"Idempotency-Key", "tick"}};
    Reply first = as(admin, "POST", "/v1/clock", Json{{"advance_ms", 1000}}, key);
    Reply second = as(admin, "POST", "/v1/clock", Json{{"advance_ms", 1000}}, key);
    EXPECT_EQ(first.json.value("now", ""), "2026-01-01T00:00:01.000Z");
    EXPECT_EQ(second.json.value("now", ""), "2026-01-01T00:00:02.000Z");
    EXPECT_EQ(second.header("Idempotent-Replayed"), "");
}

// --- Login and passwords ---

TEST_F(Contract, LoginAnswersTheUserOrInvalidCredentials) {
    const std::string ann = user("ann", Json::array(), "ann's password");
    Reply ok =
        as(Token{}, "POST", "/v1/login", Json{{"username", "ann"}, {"password", "ann's password"}});
    ASSERT_EQ(ok.status, 200u) << ok.body;
    EXPECT_EQ(ok.json.at("id"), ann);
    EXPECT_EQ(ok.json.at("status"), "active");
    for (const Json& wrong : {Json{{"username", "ann"}, {"password", "not her password"}},
                              Json{{"username", "nobody"}, {"password", "ann's password"}}}) {
        Reply r = as(Token{}, "POST", "/v1/login", wrong);
        expect_error(r, 401, "invalid_credentials");
        EXPECT_FALSE(r.header("WWW-Authenticate").empty());
    }
}

TEST_F(Contract, FailedLoginsAreRecordedOnlyForExistingAccounts) {
    user("ann", Json::array(), "ann's password");
    std::uint64_t position = head();
    expect_error(as(Token{}, "POST", "/v1/login",
                    Json{{"username", "nobody"}, {"password", "whatever it is"}}),
                 401, "invalid_credentials");
    EXPECT_EQ(head(), position);
    expect_error(
        as(Token{}, "POST", "/v1/login", Json{{"username", "ann"}, {"password", "whatever it is"}}),
        401, "invalid_credentials");
    EXPECT_EQ(head(), position + 1);
    EXPECT_NE(feed().find("LoginFailed"), std::string::npos);
}

TEST_F(Contract, AccountInactiveIsToldOnlyForTheRightPassword) {
    user("ann", Json::array(), "ann's password");
    advance(60 * kDay);
    expect_error(
        as(Token{}, "POST", "/v1/login", Json{{"username", "ann"}, {"password", "ann's password"}}),
        401, "account_inactive");
    expect_error(as(Token{}, "POST", "/v1/login",
                    Json{{"username", "ann"}, {"password", "a wrong password"}}),
                 401, "invalid_credentials");
}

TEST_F(Contract, ADeletedAccountsLoginIsInvalidCredentials) {
    const std::string ann = user("ann", Json::array(), "ann's password");
    ASSERT_EQ(as(admin, "DELETE", "/v1/users/" + ann).status, 204u);
    expect_error(
        as(Token{}, "POST", "/v1/login", Json{{"username", "ann"}, {"password", "ann's password"}}),
        401, "invalid_credentials");
}

TEST_F(Contract, ChangingOnesOwnPasswordNeedsTheOldOne) {
    const std::string ann = user("ann", Json::array(), "ann's password");
    Token token = api_token(ann);
    const std::string path = "/v1/users/" + ann + "/password";
    expect_error(as(token, "PUT", path, Json{{"password", "a brand new one"}}), 403,
                 "missing_role");
    expect_error(as(token, "PUT", path,
                    Json{{"password", "a brand new one"}, {"old_password", "not the old one"}}),
                 403, "missing_role");
    Reply changed = as(token, "PUT", path,
                       Json{{"password", "a brand new one"}, {"old_password", "ann's password"}});
    EXPECT_EQ(changed.status, 204u) << changed.body;
    EXPECT_EQ(
        as(Token{}, "POST", "/v1/login", Json{{"username", "ann"}, {"password", "a brand new one"}})
            .status,
        200u);
    // Nor may she change another's password.
    expect_error(as(token, "PUT", "/v1/users/" + admin_id + "/password",
                    Json{{"password", "a brand new one"}, {"old_password", "whatever it is"}}),
                 403, "missing_role");
}

// --- Fine points of tokens and webhooks ---

TEST_F(Contract, TransferToTheCurrentOwnerChangesNothing) {
    const std::string bob = user("bob");
    Token token = api_token(bob);
    Reply r = as(admin, "POST", "/v1/tokens/" + token.id + "/transfer", Json{{"owner_id", bob}});
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json.at("owner_id"), bob);
    std::string events = feed();
    EXPECT_EQ(events.find("TokenTransferred"), std::string::npos);
}

TEST_F(Contract, TokensGoOnlyToAccountsThatAreNotDeleted) {
    const std::string gone = user("gone");
    ASSERT_EQ(as(admin, "DELETE", "/v1/users/" + gone).status, 204u);
    expect_error(as(admin, "POST", "/v1/users/" + gone + "/tokens", Json::object()), 409,
                 "owner_not_active");
    Hook shop = install("shop");
    expect_error(as(admin, "POST", "/v1/webhooks/" + shop.id + "/tokens", Json{{"owner_id", gone}}),
                 409, "owner_not_active");
    expect_error(
        as(admin, "POST", "/v1/tokens/" + shop.app.id + "/transfer", Json{{"owner_id", gone}}), 409,
        "owner_not_active");
}

TEST_F(Contract, AnUninstalledWebhookTakesNoTokensAndAnswers404ToEveryone) {
    Hook shop = install("shop");
    ASSERT_EQ(api->hook(shop.id, "Bearer " + shop.app.secret).status, 202u);  // control
    ASSERT_EQ(as(admin, "DELETE", "/v1/webhooks/" + shop.id).status, 204u);
    expect_error(as(admin, "POST", "/v1/webhooks/" + shop.id + "/tokens", Json::object()), 404,
                 "webhook_uninstalled");
    const std::uint64_t position = head();
    for (const std::string& authorization :
         {std::string(), std::string("Bearer"), "Bearer " + admin.secret + "x",
          "Bearer " + shop.app.secret, "Bearer " + admin.secret}) {
        Reply r = api->hook(shop.id, authorization);
        EXPECT_EQ(r.status, 404u) << authorization << " " << r.body;
        EXPECT_EQ(r.header("WWW-Authenticate"), "");
    }
    EXPECT_EQ(head(), position);  // not recorded
    EXPECT_EQ(api->hook("whk_unknown", "Bearer " + admin.secret).status, 404u);
}

TEST_F(Contract, DeleteUserRefusalsComeInOrder) {
    // An admin with live tokens deleting itself hears cannot_delete_self first.
    expect_error(as(admin, "DELETE", "/v1/users/" + admin_id), 409, "cannot_delete_self");
    const std::string bob = user("bob", {"webhook_admin"});
    Token bob_token = api_token(bob);
    Reply hook = as(bob_token, "POST", "/v1/webhooks", Json{{"name", "shop"}, {"auth", "bearer"}});
    ASSERT_EQ(hook.status, 201u) << hook.body;
    Reply blocked = as(admin, "DELETE", "/v1/users/" + bob);
    expect_error(blocked, 409, "user_has_active_tokens");
    EXPECT_EQ(blocked.json.at("tokens").size(), 2u);
    ASSERT_EQ(blocked.json.at("webhooks").size(), 1u);
    EXPECT_EQ(blocked.json.at("webhooks")[0].at("id"), hook.json.at("id"));
    ASSERT_EQ(as(admin, "DELETE", "/v1/tokens/" + bob_token.id).status, 204u);
    ASSERT_EQ(as(admin, "DELETE", "/v1/webhooks/" + hook.json.at("id").get<std::string>()).status,
              204u);
    ASSERT_EQ(as(admin, "DELETE", "/v1/users/" + bob).status, 204u);
    expect_error(as(admin, "DELETE", "/v1/users/" + bob), 409, "user_deleted");
}

// --- Operations ---

TEST_F(Contract, OperationsAnswerWithoutACredential) {
    EXPECT_EQ(plain("GET", "/healthz", {}).status, 200u);
    EXPECT_EQ(plain("GET", "/readyz", {}).status, 200u);
}

TEST_F(Contract, MetricsAreConsumableAndNameNoTokenOrWebhook) {
    Hook shop = install("shop");
    Token bob = member("bob");
    ASSERT_EQ(api->hook(shop.id, "Bearer " + shop.app.secret).status, 202u);
    ASSERT_EQ(as(admin, "DELETE", "/v1/tokens/" + bob.id).status, 204u);
    ASSERT_EQ(api->hook(shop.id, "Bearer " + bob.secret).status, 401u);
    Reply r = plain("GET", "/metrics", {});
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.header("Content-Type").rfind("text/plain", 0), 0u) << r.header("Content-Type");
    for (const char* gauge :
         {"keyledger_active_user_admins 1\n", "keyledger_accounts_breaking_7d 0\n",
          "keyledger_webhooks_breaking_7d 0\n"}) {
        EXPECT_NE(r.body.find(std::string("\n") + gauge), std::string::npos) << gauge;
    }
    for (const std::string& id : {shop.id, shop.app.id, bob.id, admin.id}) {
        EXPECT_EQ(r.body.find(id), std::string::npos) << id;
    }
    EXPECT_EQ(r.body.find("whk_"), std::string::npos);
    EXPECT_EQ(r.body.find("tok_"), std::string::npos);
    // Every line is a comment or `name{labels} value`.
    std::istringstream in(r.body);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto space = line.rfind(' ');
        ASSERT_NE(space, std::string::npos) << line;
        EXPECT_NO_THROW((void)std::stod(line.substr(space + 1))) << line;
    }
}

TEST_F(Contract, MetricsCountAccountsAndWebhooksBreakingWithinAWeek) {
    Reply bob = as(admin, "POST", "/v1/users",
                   Json{{"username", "bob"}, {"kind", "service"}, {"roles", {"webhook_admin"}}});
    const std::string bob_id = bob.json.value("id", "");
    Token bob_token = api_token(bob_id);
    ASSERT_EQ(
        as(bob_token, "POST", "/v1/webhooks", Json{{"name", "shop"}, {"auth", "bearer"}}).status,
        201u);
    advance(54 * kDay);  // bob goes inactive on day 60, admin stays active by the clock
    Reply r = plain("GET", "/metrics", {});
    EXPECT_NE(r.body.find("\nkeyledger_accounts_breaking_7d 1\n"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\nkeyledger_webhooks_breaking_7d 1\n"), std::string::npos) << r.body;
}

// --- The event feed and deliveries ---

TEST_F(Contract, TheEventFeedHasTheShapeAndNoSecretOrHash) {
    const std::string password = "planted-password-4711";
    const std::string new_password = "planted-password-0815";
    const std::string ann = user("ann", {"webhook_admin"}, password);
    Reply issued = as(admin, "POST", "/v1/users/" + ann + "/tokens", Json::object());
    const std::string api_secret = issued.json.value("secret", "");
    ASSERT_NE(issued.body.find(api_secret), std::string::npos);  // the grep works
    Token ann_token{issued.json.value("id", ""), api_secret};
    ASSERT_EQ(as(ann_token, "PUT", "/v1/users/" + ann + "/password",
                 Json{{"password", new_password}, {"old_password", password}})
                  .status,
              204u);
    Reply hook = as(ann_token, "POST", "/v1/webhooks", Json{{"name", "shop"}, {"auth", "bearer"}},
                    {{"Idempotency-Key", "install"}});
    const std::string app_secret = hook.json["app_token"].value("secret", "");
    ASSERT_NE(hook.body.find(app_secret), std::string::npos);
    Reply rotated = as(admin, "POST", "/v1/tokens/" + ann_token.id + "/rotate", Json::object());
    const std::string rotated_secret = rotated.json.value("secret", "");
    ASSERT_FALSE(rotated_secret.empty()) << rotated.body;
    ASSERT_EQ(api->hook(hook.json.value("id", ""), "Bearer " + app_secret).status, 202u);
    ASSERT_EQ(
        as(Token{}, "POST", "/v1/login", Json{{"username", "ann"}, {"password", new_password}})
            .status,
        200u);

    const std::string body = feed();
    for (const std::string& secret :
         {admin.secret, api_secret, app_secret, rotated_secret, password, new_password}) {
        EXPECT_EQ(body.find(secret), std::string::npos) << "leaked: " << secret;
    }
    std::uint64_t expected_position = 1;
    for (const Json& line : ndjson(body)) {
        ASSERT_TRUE(line.is_object());
        for (const char* field :
             {"position", "stream", "version", "type", "at", "actor", "correlation_id", "data"}) {
            EXPECT_TRUE(line.contains(field)) << field << " in " << line;
        }
        EXPECT_EQ(line.value("position", std::uint64_t{0}), expected_position++);
        EXPECT_EQ(line.value("at", "").size(), 24u) << line;
        for (const auto& [name, value] : line.at("data").items()) {
            EXPECT_FALSE(name == "secret" || name == "password" || name == "old_password" ||
                         name.find("_hash") != std::string::npos || name == "hash")
                << name << " in " << line;
        }
    }
    EXPECT_GT(expected_position, 10u);
    auto page = ndjson(as(admin, "GET", "/v1/events?after=2&limit=3").body);
    ASSERT_EQ(page.size(), 3u);
    EXPECT_EQ(page[0].at("position"), 3);
    EXPECT_EQ(page[2].at("position"), 5);
    expect_error(as(admin, "GET", "/v1/events?limit=10001"), 400, "bad_request");
    // The largest position is a valid (empty) page; one more is out of range, and said so.
    EXPECT_TRUE(ndjson(as(admin, "GET", "/v1/events?after=18446744073709551615").body).empty());
    for (const char* after : {"18446744073709551616", "-1", "x"}) {
        const Reply out_of_range = as(admin, "GET", std::string("/v1/events?after=") + after);
        expect_error(out_of_range, 400, "bad_request");
        EXPECT_NE(out_of_range.json.value("message", "").find("0 to 18446744073709551615"),
                  std::string::npos)
            << out_of_range.body;
    }
}

TEST_F(Contract, TheFeedHoldsNoHashOfABodyThatCarriesAPassword) {
    const Json create{{"username", "ann"}, {"kind", "person"}, {"password", "ann's password"}};
    ASSERT_EQ(as(admin, "POST", "/v1/users", create, {{"Idempotency-Key", "ann"}}).status, 201u);
    const std::string ann = as(admin, "GET", "/v1/users?username=ann").json["users"][0]["id"];
    const Json change{{"password", "another password"}};
    ASSERT_EQ(as(admin, "PUT", "/v1/users/" + ann + "/password", change).status, 204u);
    const std::string body = feed();
    for (const Json& sent : {create, change}) {
        const std::string digest = security::to_hex(security::sha256(sent.dump()));
        EXPECT_EQ(body.find(digest), std::string::npos) << sent;
    }
}

TEST_F(Contract, DeliveriesAreNdjsonWithBase64BodiesAndSeqFromOne) {
    Hook shop = install("shop");
    const std::string bodies[] = {"{\"order\":1}", std::string("\x00\xff binary", 9)};
    std::vector<std::string> calls;
    for (const std::string& b : bodies) {
        Reply r = api->hook(shop.id, "Bearer " + shop.app.secret, b);
        ASSERT_EQ(r.status, 202u) << r.body;
        calls.push_back(r.json.at("call_id"));
    }
    Reply all = as(admin, "GET", "/v1/webhooks/" + shop.id + "/deliveries");
    ASSERT_EQ(all.status, 200u) << all.body;
    auto lines = ndjson(all.body);
    ASSERT_EQ(lines.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(lines[i].at("seq"), i + 1);
        EXPECT_EQ(lines[i].at("call_id"), calls[i]);
        EXPECT_EQ(security::base64_decode_canonical(lines[i].at("body_base64").get<std::string>()),
                  bodies[i]);
        EXPECT_EQ(lines[i].at("content_type"), "application/json");
        EXPECT_TRUE(lines[i].contains("received_at"));
    }
    auto rest = ndjson(as(admin, "GET", "/v1/webhooks/" + shop.id + "/deliveries?after=1").body);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].at("seq"), 2);
    EXPECT_EQ(
        ndjson(as(admin, "GET", "/v1/webhooks/" + shop.id + "/deliveries?limit=1").body).size(),
        1u);
    // Auditors read history, not delivered bodies.
    Token auditor = member("audrey", {"auditor"});
    expect_error(as(auditor, "GET", "/v1/webhooks/" + shop.id + "/deliveries"), 403,
                 "missing_role");
}

TEST_F(Contract, ExactlyOneMebibyteIsAcceptedAndOneByteMoreIs413) {
    Hook shop = install("shop");
    const std::string mib(1 << 20, 'x');
    EXPECT_EQ(api->hook(shop.id, "Bearer " + shop.app.secret, mib).status, 202u);
    expect_error(api->hook(shop.id, "Bearer " + shop.app.secret, mib + "x"), 413, "body_too_large");
    // Size comes before 404 and 401.
    EXPECT_EQ(api->hook("whk_unknown", "", mib + "x").status, 413u);
}

TEST_F(Contract, ReadsCountAsActivityAtMostHourly) {
    const std::string reader_id = user("reader");
    Token reader = api_token(reader_id);
    Token auditor = member("audrey", {"auditor"});
    auto last_activity = [&] {
        return as(auditor, "GET", "/v1/users/" + reader_id).json.value("last_activity_at", "");
    };
    EXPECT_EQ(last_activity(), kStart);
    advance(30 * 60'000);
    ASSERT_EQ(as(reader, "GET", "/v1/users/" + reader_id).status, 200u);
    EXPECT_EQ(last_activity(), kStart);  // within the hour: not recorded
    advance(30 * 60'000);
    ASSERT_EQ(as(reader, "GET", "/v1/users/" + reader_id).status, 200u);
    EXPECT_EQ(last_activity(), "2026-01-01T01:00:00.000Z");
    advance(59 * 60'000);
    ASSERT_EQ(as(reader, "GET", "/v1/tokens/" + reader.id).status, 200u);
    EXPECT_EQ(last_activity(), "2026-01-01T01:00:00.000Z");
    // A write is recorded in full, however recent the last activity.
    ASSERT_EQ(as(reader, "DELETE", "/v1/tokens/" + reader.id).status, 204u);
    EXPECT_EQ(last_activity(), "2026-01-01T01:59:00.000Z");
}

}  // namespace
}  // namespace keyledger::testing
