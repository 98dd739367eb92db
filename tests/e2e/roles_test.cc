// Every management route against every role, on the real server over real HTTP: a table of
// route x caller -> expected status (API.md, "Management API", the "who" column).
//
// Each case runs on fresh objects made by the admin (an account, its token, a webhook), so that
// a case that succeeds (a delete, a rotation) changes nothing another case relies on. Callers:
// an account per role, an account with no role, the account acting on its own objects, and no
// credential at all.

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "tests/e2e/api_client.h"
#include "tests/e2e/server_process.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

constexpr const char* kStart = "2026-01-01T00:00:00.000Z";
constexpr const char* kPassword = "correct horse battery";

enum class Caller { user_admin, webhook_admin, auditor, no_role, self, anonymous };

const char* name_of(Caller caller) {
    switch (caller) {
        case Caller::user_admin:
            return "user_admin";
        case Caller::webhook_admin:
            return "webhook_admin";
        case Caller::auditor:
            return "auditor";
        case Caller::no_role:
            return "no_role";
        case Caller::self:
            return "self";
        case Caller::anonymous:
            return "anonymous";
    }
    return "?";
}

// Fresh objects for one case. `account` is the account the route acts on: another account for
// every caller but `self`, the caller's own for `self`.
struct Scene {
    std::string account;        // an active person account with a password
    std::string account_token;  // an API token of `account`
    std::string webhook;        // an installed webhook
    std::string other_account;  // an active account beside it (a transfer's new owner)
};

struct Request {
    std::string method;
    std::string target;
    std::optional<Json> body;
};

struct Case {
    std::string route;
    std::function<Request(const Scene&)> request;
    std::map<Caller, unsigned> expected;  // callers not listed: 403
};

std::vector<Case> cases() {
    using C = Caller;
    return {
        {"POST /v1/users",
         [](const Scene&) {
             static int n = 0;
             return Request{"POST", "/v1/users",
                            Json{{"username", "made-" + std::to_string(++n)},
                                 {"kind", "person"},
                                 {"roles", Json::array()}}};
         },
         {{C::user_admin, 201}}},
        {"GET /v1/users/{id}",
         [](const Scene& s) {
             return Request{"GET", "/v1/users/" + s.account, {}};
         },
         {{C::user_admin, 200}, {C::auditor, 200}, {C::self, 200}}},
        {"GET /v1/users?username=",
         [](const Scene&) {
             return Request{"GET", "/v1/users?username=admin", {}};
         },
         {{C::user_admin, 200}, {C::auditor, 200}}},
        {"GET /v1/users",
         [](const Scene&) {
             return Request{"GET", "/v1/users?limit=5", {}};
         },
         {{C::user_admin, 200}, {C::auditor, 200}}},
        {"PUT /v1/users/{id}/password (no old_password)",
         [](const Scene& s) {
             return Request{"PUT", "/v1/users/" + s.account + "/password",
                            Json{{"password", "a new one entirely"}}};
         },
         {{C::user_admin, 204}}},
        {"PUT /v1/users/{id}/password (old_password)",
         [](const Scene& s) {
             return Request{"PUT", "/v1/users/" + s.account + "/password",
                            Json{{"password", "a new one entirely"}, {"old_password", kPassword}}};
         },
         {{C::user_admin, 204}, {C::self, 204}}},
        {"POST /v1/users/{id}/reactivate",
         [](const Scene& s) {
             return Request{"POST", "/v1/users/" + s.account + "/reactivate", Json::object()};
         },
         {{C::user_admin, 200}}},
        {"DELETE /v1/users/{id}",
         [](const Scene& s) {
             return Request{"DELETE", "/v1/users/" + s.other_account, {}};
         },
         {{C::user_admin, 204}}},
        {"POST /v1/users/{id}/tokens",
         [](const Scene& s) {
             return Request{"POST", "/v1/users/" + s.account + "/tokens", Json::object()};
         },
         {{C::user_admin, 201}}},
        {"POST /v1/webhooks",
         [](const Scene&) {
             return Request{"POST", "/v1/webhooks", Json{{"name", "made"}, {"auth", "bearer"}}};
         },
         {{C::webhook_admin, 201}}},
        {"GET /v1/webhooks/{id}",
         [](const Scene& s) {
             return Request{"GET", "/v1/webhooks/" + s.webhook, {}};
         },
         {{C::user_admin, 200}, {C::webhook_admin, 200}, {C::auditor, 200}}},
        {"DELETE /v1/webhooks/{id}",
         [](const Scene& s) {
             return Request{"DELETE", "/v1/webhooks/" + s.webhook, {}};
         },
         {{C::webhook_admin, 204}}},
        {"POST /v1/webhooks/{id}/tokens",
         [](const Scene& s) {
             return Request{"POST", "/v1/webhooks/" + s.webhook + "/tokens", Json::object()};
         },
         {{C::webhook_admin, 201}}},
        {"GET /v1/webhooks/{id}/deliveries",
         [](const Scene& s) {
             return Request{"GET", "/v1/webhooks/" + s.webhook + "/deliveries", {}};
         },
         {{C::webhook_admin, 200}}},
        {"GET /v1/tokens/{id}",
         [](const Scene& s) {
             return Request{"GET", "/v1/tokens/" + s.account_token, {}};
         },
         {{C::user_admin, 200}, {C::auditor, 200}, {C::self, 200}}},
        {"DELETE /v1/tokens/{id}",
         [](const Scene& s) {
             return Request{"DELETE", "/v1/tokens/" + s.account_token, {}};
         },
         {{C::user_admin, 204}, {C::self, 204}}},
        {"POST /v1/tokens/{id}/rotate",
         [](const Scene& s) {
             return Request{"POST", "/v1/tokens/" + s.account_token + "/rotate", Json::object()};
         },
         {{C::user_admin, 201}, {C::self, 201}}},
        {"POST /v1/tokens/{id}/transfer",
         [](const Scene& s) {
             return Request{"POST", "/v1/tokens/" + s.account_token + "/transfer",
                            Json{{"owner_id", s.other_account}}};
         },
         {{C::user_admin, 200}}},
        {"GET /v1/reports/at-risk",
         [](const Scene&) {
             return Request{"GET", "/v1/reports/at-risk?within_days=7", {}};
         },
         {{C::user_admin, 200}, {C::webhook_admin, 200}, {C::auditor, 200}}},
        {"GET /v1/events",
         [](const Scene&) {
             return Request{"GET", "/v1/events?limit=3", {}};
         },
         {{C::user_admin, 200}, {C::auditor, 200}}},
        {"GET /v1/audit/verify",
         [](const Scene&) {
             return Request{"GET", "/v1/audit/verify", {}};
         },
         {{C::user_admin, 200}, {C::auditor, 200}}},
        {"POST /v1/clock",
         [](const Scene&) {
             return Request{"POST", "/v1/clock", Json{{"advance_ms", 1}}};
         },
         {{C::user_admin, 200}}},
    };
}

class Roles : public ::testing::Test {
  protected:
    void SetUp() override {
        auto init = run_keyledger({"init", "--data-dir", data_dir(), "--at", kStart});
        ASSERT_EQ(init.exit_code, 0) << init.err;
        admin_ = Json::parse(init.out).at("secret");
        server_ = std::make_unique<ServerProcess>(
            std::vector<std::string>{"--data-dir", data_dir(), "--clock", "manual", "--start",
                                     kStart, "--password-cost", "minimal"});
        ASSERT_TRUE(server_->started()) << server_->startup_error();
        api_ = std::make_unique<ApiClient>(server_->port());
        for (auto [caller, role] :
             {std::pair{Caller::user_admin, "user_admin"},
              std::pair{Caller::webhook_admin, "webhook_admin"},
              std::pair{Caller::auditor, "auditor"}, std::pair{Caller::no_role, ""}}) {
            const Json roles = *role ? Json::array({role}) : Json::array();
            callers_[caller] = token_of(account(std::string("as-") + name_of(caller), roles));
        }
    }
    std::string data_dir() const { return dir_.path().string() + "/data"; }

    std::string account(const std::string& username, const Json& roles = Json::array()) {
        Reply r = api_->post("/v1/users", admin_,
                             Json{{"username", username},
                                  {"kind", "person"},
                                  {"roles", roles},
                                  {"password", kPassword}});
        EXPECT_EQ(r.status, 201u) << username << " " << r.body;
        return r.json.value("id", "");
    }
    Json token_json(const std::string& account_id) {
        Reply r = api_->post("/v1/users/" + account_id + "/tokens", admin_, Json::object());
        EXPECT_EQ(r.status, 201u) << r.body;
        return r.json;
    }
    std::string token_of(const std::string& account_id) {
        return token_json(account_id).value("secret", "");
    }

    // Fresh objects, and the secret `caller` presents (empty for anonymous).
    std::pair<Scene, std::string> stage(Caller caller) {
        const std::string n = std::to_string(++staged_);
        Scene scene;
        scene.account = account("acting-on-" + n);
        const Json token = token_json(scene.account);
        scene.account_token = token.value("id", "");
        scene.other_account = account("beside-" + n);
        Reply hook =
            api_->post("/v1/webhooks", admin_, Json{{"name", "hook-" + n}, {"auth", "bearer"}});
        EXPECT_EQ(hook.status, 201u) << hook.body;
        scene.webhook = hook.json.value("id", "");
        if (caller == Caller::self) {
            return {scene, token.value("secret", "")};
        }
        if (caller == Caller::anonymous) {
            return {scene, ""};
        }
        return {scene, callers_.at(caller)};
    }

    TempDir dir_;
    std::string admin_;
    std::unique_ptr<ServerProcess> server_;
    std::unique_ptr<ApiClient> api_;
    std::map<Caller, std::string> callers_;
    int staged_ = 0;
};

TEST_F(Roles, EveryManagementRouteAgainstEveryCaller) {
    const std::vector<Caller> all{Caller::user_admin, Caller::webhook_admin, Caller::auditor,
                                  Caller::no_role,    Caller::self,          Caller::anonymous};
    int checked = 0;
    for (const Case& c : cases()) {
        for (Caller caller : all) {
            auto [scene, secret] = stage(caller);
            const Request request = c.request(scene);
            const auto listed = c.expected.find(caller);
            const unsigned expected = caller == Caller::anonymous  ? 401u
                                      : listed != c.expected.end() ? listed->second
                                                                   : 403u;
            Reply r = api_->send(request.method, request.target, secret, request.body);
            EXPECT_EQ(r.status, expected) << c.route << " as " << name_of(caller) << ": " << r.body;
            if (expected == 403u && r.status == 403u) {
                EXPECT_EQ(r.json.value("error", ""), "missing_role") << c.route;
            }
            ++checked;
        }
    }
    EXPECT_EQ(checked, static_cast<int>(cases().size() * all.size()));
}

}  // namespace
}  // namespace keyledger::testing
