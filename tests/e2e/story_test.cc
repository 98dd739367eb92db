// The whole story of DOMAIN.md over real HTTP against the real server process, with a manual
// clock: a webhook that breaks after 60 days of silence, its repair, a blocked departure, a
// locked-out password, a rotation with grace, and a restart that keeps everything.

#include <gtest/gtest.h>

#include "tests/e2e/api_client.h"
#include "tests/e2e/server_process.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr const char* kStart = "2026-01-01T00:00:00.000Z";

class Story : public ::testing::Test {
  protected:
    void SetUp() override {
        auto init = run_keyledger({"init", "--data-dir", data_dir(), "--at", kStart});
        ASSERT_EQ(init.exit_code, 0) << init.err;
        Json first = Json::parse(init.out);
        admin_secret = first.at("secret");
        admin_id = first.at("user_id");
        start(kStart);
    }
    std::string data_dir() const { return dir.path().string() + "/data"; }
    void start(const std::string& at) {
        server = std::make_unique<ServerProcess>(
            std::vector<std::string>{"--data-dir", data_dir(), "--clock", "manual", "--start", at,
                                     "--password-cost", "minimal"});
        ASSERT_TRUE(server->started()) << server->startup_error();
        api = std::make_unique<ApiClient>(server->port());
    }
    Reply user(const std::string& id) { return api->get("/v1/users/" + id, admin_secret); }

    TempDir dir;
    std::unique_ptr<ServerProcess> server;
    std::unique_ptr<ApiClient> api;
    std::string admin_secret;
    std::string admin_id;
};

TEST_F(Story, AWebhookBreaksAfterSilenceAndIsRepaired) {
    // A person with a password and the right to install webhooks.
    Reply alice = api->post("/v1/users", admin_secret,
                            {{"username", "alice"},
                             {"kind", "person"},
                             {"roles", {"webhook_admin"}},
                             {"password", "correct horse battery"}});
    ASSERT_EQ(alice.status, 201u) << alice.body;
    const std::string alice_id = alice.json.at("id");
    EXPECT_EQ(alice.json.at("status"), "active");
    EXPECT_EQ(alice.json.at("inactive_at"), "2026-03-02T00:00:00.000Z");

    Reply alice_api = api->post("/v1/users/" + alice_id + "/tokens", admin_secret, Json::object());
    ASSERT_EQ(alice_api.status, 201u) << alice_api.body;
    const std::string alice_secret = alice_api.json.at("secret");
    EXPECT_EQ(alice_api.json.at("owner_inactive_at"), "2026-03-02T00:00:00.000Z");

    // She installs the shop's webhook; the first app token is hers.
    Reply hook = api->post("/v1/webhooks", alice_secret, {{"name", "shop"}, {"auth", "bearer"}});
    ASSERT_EQ(hook.status, 201u) << hook.body;
    const std::string hook_id = hook.json.at("id");
    const std::string app_secret = hook.json.at("app_token").at("secret");
    const std::string app_id = hook.json.at("app_token").at("id");
    EXPECT_EQ(hook.json.at("app_token").at("owner_id"), alice_id);

    // Regular traffic keeps her active far beyond 60 days.
    for (int i = 0; i < 10; ++i) {
        Reply call = api->hook(hook_id, "Bearer " + app_secret);
        ASSERT_EQ(call.status, 202u) << call.body;
        EXPECT_TRUE(call.json.contains("call_id"));
        api->advance(admin_secret, 10 * kDay);
    }
    EXPECT_EQ(user(alice_id).json.at("status"), "active");

    // Then 60 days of silence. The at-risk report sees it coming a week ahead.
    api->advance(admin_secret, 44 * kDay);  // the last call was 10 days ago
    Reply risk = api->get("/v1/reports/at-risk?within_days=7", admin_secret);
    ASSERT_EQ(risk.status, 200u) << risk.body;
    bool account_listed = false;
    for (const auto& a : risk.json.at("accounts")) {
        account_listed |= a.at("id") == alice_id;
    }
    EXPECT_TRUE(account_listed) << risk.body;
    bool webhook_listed = false;
    for (const auto& w : risk.json.at("webhooks")) {
        webhook_listed |= w.at("id") == hook_id;
    }
    EXPECT_TRUE(webhook_listed) << risk.body;

    api->advance(admin_secret, 7 * kDay);
    Reply broken = api->hook(hook_id, "Bearer " + app_secret);
    EXPECT_EQ(broken.status, 401u);
    EXPECT_EQ(broken.json.at("error"), "owner_inactive");
    EXPECT_EQ(broken.header("WWW-Authenticate"),
              "Bearer realm=\"keyledger\", error=\"invalid_token\", "
              "error_description=\"owner_inactive\"");
    Reply status = user(alice_id);
    EXPECT_EQ(status.json.at("status"), "inactive");
    EXPECT_TRUE(status.json.contains("inactive_since"));
    Reply token_status = api->get("/v1/tokens/" + app_id, admin_secret);
    EXPECT_EQ(token_status.json.at("status"), "owner_inactive");

    // Reactivation fixes it.
    Reply reactivated =
        api->post("/v1/users/" + alice_id + "/reactivate", admin_secret, Json::object());
    ASSERT_EQ(reactivated.status, 200u) << reactivated.body;
    EXPECT_EQ(api->hook(hook_id, "Bearer " + app_secret).status, 202u);

    // Her departure is blocked by her tokens, each named with the webhooks they serve.
    Reply blocked = api->send("DELETE", "/v1/users/" + alice_id, admin_secret);
    ASSERT_EQ(blocked.status, 409u) << blocked.body;
    EXPECT_EQ(blocked.json.at("error"), "user_has_active_tokens");
    EXPECT_EQ(blocked.json.at("tokens").size(), 2u);
    ASSERT_EQ(blocked.json.at("webhooks").size(), 1u);
    EXPECT_EQ(blocked.json.at("webhooks")[0].at("id"), hook_id);

    // An administrator changes her password: she is locked out, her webhook keeps working.
    Reply changed = api->send("PUT", "/v1/users/" + alice_id + "/password", admin_secret,
                              Json{{"password", "a new long password"}});
    EXPECT_EQ(changed.status, 204u) << changed.body;
    Reply login =
        api->post("/v1/login", "", {{"username", "alice"}, {"password", "correct horse battery"}});
    EXPECT_EQ(login.status, 401u);
    EXPECT_EQ(login.json.at("error"), "invalid_credentials");
    EXPECT_EQ(api->hook(hook_id, "Bearer " + app_secret).status, 202u);

    // The repair: a service account gets a new app token, her own tokens go.
    Reply svc = api->post(
        "/v1/users", admin_secret,
        {{"username", "shop-integration"}, {"kind", "service"}, {"roles", Json::array()}});
    ASSERT_EQ(svc.status, 201u) << svc.body;
    const std::string svc_id = svc.json.at("id");
    Reply repair =
        api->post("/v1/webhooks/" + hook_id + "/tokens", admin_secret, {{"owner_id", svc_id}});
    ASSERT_EQ(repair.status, 201u) << repair.body;
    const std::string svc_secret = repair.json.at("secret");
    EXPECT_EQ(api->hook(hook_id, "Bearer " + svc_secret).status, 202u);
    Reply transferred =
        api->post("/v1/tokens/" + alice_api.json.at("id").get<std::string>() + "/transfer",
                  admin_secret, {{"owner_id", svc_id}});
    EXPECT_EQ(transferred.status, 200u) << transferred.body;
    EXPECT_EQ(api->send("DELETE", "/v1/tokens/" + app_id, admin_secret).status, 204u);
    EXPECT_EQ(api->send("DELETE", "/v1/users/" + alice_id, admin_secret).status, 204u);
    EXPECT_EQ(user(alice_id).json.at("status"), "deleted");
    EXPECT_EQ(api->hook(hook_id, "Bearer " + app_secret).json.at("error"), "token_revoked");

    // A rotation with an hour of grace: both secrets work, then only the new one.
    Reply rotated = api->post("/v1/tokens/" + repair.json.at("id").get<std::string>() + "/rotate",
                              admin_secret, {{"grace_ms", 3'600'000}});
    ASSERT_EQ(rotated.status, 201u) << rotated.body;
    const std::string new_secret = rotated.json.at("secret");
    EXPECT_EQ(api->hook(hook_id, "Bearer " + svc_secret).status, 202u);
    EXPECT_EQ(api->hook(hook_id, "Bearer " + new_secret).status, 202u);
    api->advance(admin_secret, 3'600'000);
    Reply old = api->hook(hook_id, "Bearer " + svc_secret);
    EXPECT_EQ(old.status, 401u);
    EXPECT_EQ(old.json.at("error"), "secret_rotated");
    EXPECT_EQ(api->hook(hook_id, "Bearer " + new_secret).status, 202u);

    // Basic works on every webhook too, with the token id or an empty user.
    const std::string repaired_id = repair.json.at("id");
    EXPECT_EQ(api->hook(hook_id, basic("", new_secret)).status, 202u);
    EXPECT_EQ(api->hook(hook_id, basic(repaired_id, new_secret)).status, 202u);
    EXPECT_EQ(api->hook(hook_id, basic("someone", new_secret)).json.at("error"), "unknown_token");

    // A restart keeps everything.
    const Reply before_user = user(svc_id);
    const Reply before_events = api->get("/v1/events?limit=10000", admin_secret);
    const std::string now = api->advance(admin_secret, 0);
    ASSERT_EQ(server->stop(), 0);
    start(now);
    EXPECT_EQ(user(svc_id).json, before_user.json);
    EXPECT_EQ(api->hook(hook_id, "Bearer " + new_secret).status, 202u);
    Reply after_events = api->get("/v1/events?limit=10000", admin_secret);
    EXPECT_EQ(after_events.body.substr(0, before_events.body.size()), before_events.body);
    Reply verify = api->get("/v1/audit/verify", admin_secret);
    EXPECT_EQ(verify.json.at("ok"), true) << verify.body;

    // No secret ever shows in the history.
    for (const std::string& secret :
         {admin_secret, alice_secret, app_secret, svc_secret, new_secret}) {
        EXPECT_EQ(after_events.body.find(secret), std::string::npos);
    }
}

TEST_F(Story, BasicWebhooksChallengeWithBasic) {
    Reply hook = api->post("/v1/webhooks", admin_secret, {{"name", "crm"}, {"auth", "basic"}});
    ASSERT_EQ(hook.status, 201u) << hook.body;
    const std::string id = hook.json.at("id");
    const std::string secret = hook.json.at("app_token").at("secret");
    EXPECT_EQ(api->hook(id, basic("", secret)).status, 202u);
    EXPECT_EQ(api->hook(id, "Bearer " + secret).status, 202u);
    Reply missing = api->hook(id, "");
    EXPECT_EQ(missing.status, 401u);
    EXPECT_EQ(missing.header("WWW-Authenticate"), "Basic realm=\"keyledger\", charset=\"UTF-8\"");
    EXPECT_EQ(api->hook("whk_nope", basic("", secret)).status, 404u);
}

TEST_F(Story, IdempotentRepeatReturnsTheFirstAnswerWithoutTheSecret) {
    const Json body{{"username", "bob"}, {"kind", "person"}};
    HeaderList key{{"Idempotency-Key", "create-bob-1"}};
    Reply first = api->send("POST", "/v1/users", admin_secret, body, key);
    ASSERT_EQ(first.status, 201u);
    Reply tokens =
        api->send("POST", "/v1/users/" + first.json.at("id").get<std::string>() + "/tokens",
                  admin_secret, Json::object(), {{"Idempotency-Key", "tok-1"}});
    ASSERT_EQ(tokens.status, 201u);
    ASSERT_TRUE(tokens.json.at("secret").is_string());
    Reply repeat =
        api->send("POST", "/v1/users/" + first.json.at("id").get<std::string>() + "/tokens",
                  admin_secret, Json::object(), {{"Idempotency-Key", "tok-1"}});
    EXPECT_EQ(repeat.status, 201u);
    EXPECT_EQ(repeat.header("Idempotent-Replayed"), "true");
    EXPECT_TRUE(repeat.json.at("secret").is_null());
    EXPECT_EQ(repeat.json.at("id"), tokens.json.at("id"));
    Reply other = api->send("POST", "/v1/users", admin_secret,
                            Json{{"username", "carl"}, {"kind", "person"}}, key);
    EXPECT_EQ(other.status, 422u);
    EXPECT_EQ(other.json.at("error"), "idempotency_key_reused");
    // The key survives a restart: it is in the log.
    const std::string now = api->advance(admin_secret, 0);
    ASSERT_EQ(server->stop(), 0);
    start(now);
    Reply after = api->send("POST", "/v1/users", admin_secret, body, key);
    EXPECT_EQ(after.status, 201u);
    EXPECT_EQ(after.header("Idempotent-Replayed"), "true");
    EXPECT_EQ(after.json.at("id"), first.json.at("id"));
}

}  // namespace
}  // namespace keyledger::testing
