// What an outside tester sent the real `keyledger serve` (issue 6), over real HTTP: JSON bodies
// that repeat a member or give null, transfer codings, trailing slashes and other odd paths, ids
// that are not text, an unknown webhook_id, and methods the contract does not list.

#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <string>
#include <tuple>

#include "tests/e2e/api_client.h"
#include "tests/e2e/manual_store.h"
#include "tests/e2e/server_process.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

constexpr const char* kStart = "2026-01-01T00:00:00.000Z";

struct Token {
    std::string id;
    std::string secret;
};

class Requests : public ::testing::Test {
  protected:
    void SetUp() override {
        FirstAdmin first;
        ASSERT_NO_FATAL_FAILURE(init_and_serve(data_dir(), kStart, first, server, api));
        admin = Token{first.token_id, first.secret};
        admin_id = first.user_id;
        Reply hook =
            api->post("/v1/webhooks", admin.secret, Json{{"name", "shop"}, {"auth", "bearer"}});
        ASSERT_EQ(hook.status, 201u) << hook.body;
        webhook_id = hook.json.at("id");
        app = Token{hook.json.at("app_token").at("id"), hook.json.at("app_token").at("secret")};
        Reply bob = api->post("/v1/users", admin.secret,
                              Json{{"username", "bob"},
                                   {"kind", "person"},
                                   {"roles", Json::array()},
                                   {"password", "bob's password"}});
        ASSERT_EQ(bob.status, 201u) << bob.body;
        bob_id = bob.json.at("id");
    }
    std::string data_dir() const { return dir.path().string() + "/data"; }

    // `body` exactly as given, as JSON, with the admin's secret.
    Reply send_raw_json(std::string_view method, const std::string& target,
                        const std::string& body) {
        return to_reply(tests::http::request(
            server->port(), method, target,
            {{"Authorization", "Bearer " + admin.secret}, {"Content-Type", "application/json"}},
            body));
    }
    Reply plain(std::string_view method, const std::string& target, const HeaderList& headers = {},
                const std::string& body = "") {
        return to_reply(tests::http::request(server->port(), method, target, headers, body));
    }
    Reply as_admin(std::string_view method, const std::string& target) {
        return plain(method, target, {{"Authorization", "Bearer " + admin.secret}});
    }
    std::uint64_t head() {
        return plain("GET", "/readyz").json.value("position", std::uint64_t{0});
    }
    bool username_exists(const std::string& name) {
        Reply r = as_admin("GET", "/v1/users?username=" + name);
        EXPECT_EQ(r.status, 200u) << r.body;
        return !r.json.at("users").empty();
    }

    TempDir dir;
    std::unique_ptr<ServerProcess> server;
    std::unique_ptr<ApiClient> api;
    Token admin;
    std::string admin_id;
    std::string webhook_id;
    Token app;
    std::string bob_id;
};

void expect_error(const Reply& r, unsigned status, const std::string& error,
                  const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    EXPECT_EQ(r.json.value("error", ""), error) << what << ": " << r.body;
}

// A 400 whose message names `member` as the JSON text shows it ("roles" in quotes).
void expect_names(const Reply& r, const std::string& member, const std::string& what) {
    expect_error(r, 400, "bad_request", what);
    EXPECT_NE(r.json.value("message", "").find("\"" + member + "\""), std::string::npos)
        << what << ": " << r.body;
}

// The management routes that read a JSON body, each with a body it accepts.
struct BodyRoute {
    std::string method;
    std::string target;
    Json body;
};
std::vector<BodyRoute> body_routes(const std::string& user, const std::string& webhook,
                                   const std::string& token) {
    return {
        {"POST", "/v1/users",
         Json{{"username", "carl"}, {"kind", "person"}, {"roles", {"auditor"}}}},
        {"PUT", "/v1/users/" + user + "/password", Json{{"password", "a new password"}}},
        {"POST", "/v1/users/" + user + "/tokens", Json{{"name", "ci"}}},
        {"POST", "/v1/webhooks", Json{{"name", "crm"}, {"auth", "basic"}}},
        {"POST", "/v1/webhooks/" + webhook + "/tokens", Json{{"owner_id", user}}},
        {"POST", "/v1/tokens/" + token + "/rotate", Json{{"grace_ms", 0}}},
        {"POST", "/v1/tokens/" + token + "/transfer", Json{{"owner_id", user}}},
        {"POST", "/v1/clock", Json{{"advance_ms", 1}}},
        {"POST", "/v1/login", Json{{"username", "bob"}, {"password", "bob's password"}}},
    };
}

// --- 1. A member given twice ---

TEST_F(Requests, AMemberGivenTwiceIsRefusedOnEveryRouteThatReadsABody) {
    for (const BodyRoute& route : body_routes(bob_id, webhook_id, app.id)) {
        const std::string good = route.body.dump();
        const std::string what = route.method + " " + route.target;
        // The first member again, at the top, then inside an object and an array deeper down.
        const std::string first = route.body.begin().key();
        const std::string again = good.substr(0, good.size() - 1) + ",\"" + first +
                                  "\":" + route.body.begin()->dump() + "}";
        expect_names(send_raw_json(route.method, route.target, again), first, what);
        const std::string nested =
            good.substr(0, good.size() - 1) + R"(,"x":{"list":[1,{"k":1,"k":2}]}})";
        Reply r = send_raw_json(route.method, route.target, nested);
        expect_names(r, "k", what + " nested");
        EXPECT_NE(r.json.value("message", "").find("in /x/list/1"), std::string::npos) << r.body;
    }
    EXPECT_FALSE(username_exists("carl"));
    // Control: unknown members are still ignored (decision 10), and the route works.
    Reply created = send_raw_json("POST", "/v1/users",
                                  R"({"username":"carl","kind":"person","roles":[],"x":{"k":1}})");
    EXPECT_EQ(created.status, 201u) << created.body;
}

TEST_F(Requests, TheSameNameInTwoObjectsIsNoRepeat) {
    const std::string body = R"({"username":"dora","kind":"person","roles":[],)"
                             R"("a":{"kind":1},"b":[{"kind":2},{"kind":3}]})";
    Reply r = send_raw_json("POST", "/v1/users", body);
    EXPECT_EQ(r.status, 201u) << r.body;
}

TEST_F(Requests, AWebhookBodyIsNotReadAndMayRepeatAMember) {
    // API.md: a webhook takes any body up to the limit; it is kept as sent for its consumers.
    Reply r = api->hook(webhook_id, "Bearer " + app.secret, R"({"order":1,"order":2})");
    EXPECT_EQ(r.status, 202u) << r.body;
}

// --- 2. Transfer codings, against the real server ---

TEST_F(Requests, AWebhookCallWithACodingBeforeChunkedIs501AndChangesNothing) {
    const std::uint64_t before = head();
    for (const char* coding : {"gzip, chunked", "chunked, chunked", "gzip", "identity", ""}) {
        Reply r = to_reply(tests::http::raw_request(
            server->port(), "POST /v1/hooks/" + webhook_id +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                                app.secret + "\r\nTransfer-Encoding: " + coding +
                                "\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n"));
        const bool understood_but_not_decoded = std::string_view(coding) == "gzip, chunked";
        expect_error(r, understood_but_not_decoded ? 501 : 400,
                     understood_but_not_decoded ? "not_implemented" : "bad_request", coding);
        EXPECT_EQ(r.header("Connection"), "close") << coding;
    }
    EXPECT_EQ(head(), before);
    Reply deliveries = as_admin("GET", "/v1/webhooks/" + webhook_id + "/deliveries");
    EXPECT_EQ(deliveries.status, 200u);
    EXPECT_EQ(deliveries.body, "");
    // Control: chunked alone is a call.
    Reply chunked = to_reply(tests::http::raw_request(
        server->port(), "POST /v1/hooks/" + webhook_id +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + app.secret +
                            "\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n"));
    EXPECT_EQ(chunked.status, 202u) << chunked.body;
}

// --- 3. Paths the contract does not list ---

TEST_F(Requests, ATrailingSlashOrAnEmptySegmentNamesNoRoute) {
    const std::uint64_t before = head();
    // With a genuine secret: a 404 for the path, before any credential is looked at.
    Reply hook = api->hook(webhook_id + "/", "Bearer " + app.secret);
    expect_error(hook, 404, "not_found", "hook/");
    EXPECT_EQ(hook.header("WWW-Authenticate"), "");
    expect_error(api->hook("", "Bearer " + app.secret), 404, "not_found", "/v1/hooks/");
    EXPECT_EQ(head(), before);  // nothing recorded: neither a call nor a delivery
    for (const std::string& target : std::vector<std::string>{
             "/v1/users/", "/v1/users/" + bob_id + "/", "/v1/users//tokens",
             "/v1/tokens/" + app.id + "/", "/v1/webhooks/" + webhook_id + "/", "/v1/events/",
             "/v1/reports/at-risk/", "/v1/audit/verify/", "//v1/users", "/v1//users", "/healthz/",
             "/metrics/", "/", "/v1", "/v1/"}) {
        expect_error(as_admin("GET", target), 404, "not_found", target);
    }
    expect_error(plain("POST", "/v1/login/", {{"Content-Type", "application/json"}},
                       R"({"username":"bob","password":"bob's password"})"),
                 404, "not_found", "/v1/login/");
    // Control: the same paths without the slash.
    EXPECT_EQ(as_admin("GET", "/v1/users/" + bob_id).status, 200u);
    EXPECT_EQ(plain("GET", "/healthz").status, 200u);
}

TEST_F(Requests, IdsThatAreNotTextAre400AndTheServerKeepsServing) {
    for (const char* target :
         {"/v1/hooks/%FF", "/v1/hooks/whk_%00", "/v1/hooks/%C3%28", "/v1/hooks/%ED%A0%80"}) {
        Reply r = plain("POST", target, {{"Authorization", "Bearer " + app.secret}}, "{}");
        expect_error(r, 400, "bad_request", target);
    }
    for (const std::string& target :
         std::vector<std::string>{"/v1/users/%FF", "/v1/users/usr_%0A", "/v1/tokens/%7F",
                                  "/v1/users?username=%FF", "/v1/users?username=bob%00",
                                  "/v1/tokens/" + app.id + "?webhook_id=%FE", "/v1/users?%FF=1"}) {
        expect_error(as_admin("GET", target), 400, "bad_request", target);
    }
    // Raw bytes above 0x7f in the request line are not a URI (RFC 3986).
    Reply raw = to_reply(tests::http::raw_request(
        server->port(),
        "GET /v1/users/\xC3\xA9 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
        "Bearer " +
            admin.secret + "\r\n\r\n"));
    expect_error(raw, 400, "bad_request", "raw UTF-8");
    EXPECT_EQ(plain("GET", "/healthz").status, 200u);
    // Escaped text that is UTF-8 is an id like any other: unknown here.
    expect_error(as_admin("GET", "/v1/users/%C3%A9"), 404, "not_found", "%C3%A9");
    expect_error(as_admin("GET", "/v1/users/usr%2Fx"), 404, "not_found", "%2F");
    expect_error(plain("POST", "/v1/hooks/whk%2Fx", {{"Authorization", "Bearer " + app.secret}}),
                 404, "not_found", "hook %2F");
}

TEST_F(Requests, TheAbsoluteFormIsServedAsItsPath) {
    auto get = [&](const std::string& target) {
        return to_reply(tests::http::raw_request(
            server->port(), "GET " + target +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                                admin.secret + "\r\n\r\n"));
    };
    EXPECT_EQ(get("http://127.0.0.1/healthz").status, 200u);
    Reply bob = get("HTTP://example.com:8080/v1/users/" + bob_id + "?as_of=" + kStart);
    EXPECT_EQ(bob.status, 200u) << bob.body;
    EXPECT_EQ(bob.json.value("id", ""), bob_id);
    expect_error(get("http://example.com"), 404, "not_found", "no path");
    for (const char* target :
         {"http:///healthz", "http://user@x/healthz", "ftp://x/healthz", "*", "healthz"}) {
        expect_error(get(target), 400, "bad_request", target);
    }
}

TEST_F(Requests, VeryLongIdsAre404UpToTheRequestLineLimitThen414) {
    const std::string long_id(8000, 'a');
    expect_error(as_admin("GET", "/v1/users/" + long_id), 404, "not_found", "8000");
    expect_error(plain("POST", "/v1/hooks/" + long_id, {{"Authorization", "Bearer " + app.secret}}),
                 404, "not_found", "hook 8000");
    expect_error(as_admin("GET", "/v1/users/" + std::string(8200, 'a')), 414, "uri_too_long",
                 "8200");
}

// --- 4. webhook_id on GET /v1/tokens/{id} ---

TEST_F(Requests, AnUnknownWebhookIdIs404AndAKnownOtherOneIsWrongWebhook) {
    const std::string path = "/v1/tokens/" + app.id;
    expect_error(as_admin("GET", path + "?webhook_id=whk_nope"), 404, "not_found", "unknown");
    expect_error(as_admin("GET", path + "?webhook_id="), 404, "not_found", "empty");
    expect_error(as_admin("GET", path + "?webhook_id=whk_nope&as_of=2026-01-01T00:00:00Z"), 404,
                 "not_found", "unknown, as_of");
    // 400s come first (API.md's order: 400, then ids that are not in the path).
    expect_error(as_admin("GET", path + "?webhook_id=whk_nope&as_of=yesterday"), 400, "bad_instant",
                 "bad as_of");
    expect_error(as_admin("GET", path + "?webhook_id=whk_nope&webhook_id=" + webhook_id), 400,
                 "bad_request", "twice");
    Reply crm = api->post("/v1/webhooks", admin.secret, Json{{"name", "crm"}, {"auth", "bearer"}});
    ASSERT_EQ(crm.status, 201u) << crm.body;
    Reply wrong = as_admin("GET", path + "?webhook_id=" + crm.json.value("id", ""));
    EXPECT_EQ(wrong.status, 200u) << wrong.body;
    EXPECT_EQ(wrong.json.value("status", ""), "wrong_webhook");
    EXPECT_EQ(as_admin("GET", path + "?webhook_id=" + webhook_id).json.value("status", ""),
              "valid");
}

TEST_F(Requests, AnUninstalledWebhookIsServedByNoTokenAndTheViewSaysSo) {
    Reply crm = api->post("/v1/webhooks", admin.secret, Json{{"name", "crm"}, {"auth", "bearer"}});
    ASSERT_EQ(crm.status, 201u) << crm.body;
    const std::string crm_id = crm.json.at("id");
    const std::string crm_app = crm.json.at("app_token").at("id");
    ASSERT_EQ(api->hook(crm_id, "Bearer " + admin.secret).status, 202u);
    const std::string view = "/v1/tokens/" + admin.id + "?webhook_id=" + crm_id;
    Reply before = as_admin("GET", view);
    EXPECT_EQ(before.json.value("status", ""), "valid") << before.body;
    EXPECT_EQ(before.json.at("serves_webhook_ids"), Json::array({crm_id}));

    const std::string called_at = api->advance(admin.secret, 0);
    api->advance(admin.secret, 1000);
    ASSERT_EQ(api->send("DELETE", "/v1/webhooks/" + crm_id, admin.secret).status, 204u);
    const std::string uninstalled_at = api->advance(admin.secret, 0);
    // Past views fold the webhook's own events too: they agree with the live view then.
    Reply then = as_admin("GET", view + "&as_of=" + called_at);
    EXPECT_EQ(then.json.value("status", ""), "valid") << then.body;
    EXPECT_EQ(then.json.at("serves_webhook_ids"), Json::array({crm_id})) << then.body;
    Reply since = as_admin("GET", view + "&as_of=" + uninstalled_at);
    EXPECT_EQ(since.json.value("status", ""), "webhook_uninstalled") << since.body;
    EXPECT_EQ(since.json.at("serves_webhook_ids"), Json::array()) << since.body;
    Reply after = as_admin("GET", view);
    ASSERT_EQ(after.status, 200u) << after.body;
    EXPECT_EQ(after.json.value("status", ""), "webhook_uninstalled");
    EXPECT_EQ(after.json.at("serves_webhook_ids"), Json::array());
    // Its app token was revoked by the uninstall: that reason comes first.
    Reply app_view = as_admin("GET", "/v1/tokens/" + crm_app + "?webhook_id=" + crm_id);
    EXPECT_EQ(app_view.json.value("status", ""), "token_revoked") << app_view.body;
    EXPECT_EQ(app_view.json.at("serves_webhook_ids"), Json::array());
    // The same token elsewhere is unaffected.
    EXPECT_EQ(as_admin("GET", "/v1/tokens/" + admin.id).json.value("status", ""), "valid");
    EXPECT_EQ(api->hook(crm_id, "Bearer " + admin.secret).status, 404u);
}

// --- 5. null and wrong types ---

TEST_F(Requests, NullIsNoValueForAnyMember) {
    for (const BodyRoute& route : body_routes(bob_id, webhook_id, app.id)) {
        // Every member the route reads, set to null in an otherwise good body.
        std::vector<std::string> members;
        if (route.target == "/v1/users") {
            members = {"username", "kind", "roles", "password"};
        } else if (route.target.ends_with("/password")) {
            members = {"password", "old_password"};
        } else if (route.target == "/v1/users/" + bob_id + "/tokens") {
            members = {"name", "expires_at"};
        } else if (route.target == "/v1/webhooks") {
            members = {"name", "auth", "owner_id"};
        } else if (route.target.ends_with("/rotate")) {
            members = {"grace_ms"};
        } else if (route.target == "/v1/clock") {
            members = {"advance_ms", "to"};
        } else if (route.target == "/v1/login") {
            members = {"username", "password"};
        } else {
            members = {"owner_id"};
        }
        for (const std::string& member : members) {
            Json body = route.body;
            body[member] = nullptr;
            if (route.target == "/v1/clock" && member == "to") {
                body.erase("advance_ms");
            }
            expect_names(send_raw_json(route.method, route.target, body.dump()), member,
                         route.method + " " + route.target + " " + member + ": null");
        }
    }
    EXPECT_FALSE(username_exists("carl"));
}

TEST_F(Requests, EveryMemberOfTheWrongTypeIsNamed) {
    const std::vector<std::tuple<std::string, std::string, Json, std::string>> cases = {
        {"POST", "/v1/users", Json{{"username", 5}, {"kind", "person"}, {"roles", Json::array()}},
         "username"},
        {"POST", "/v1/users", Json{{"username", "e"}, {"kind", true}, {"roles", Json::array()}},
         "kind"},
        {"POST", "/v1/users",
         Json{{"username", "e"}, {"kind", "person"}, {"roles", Json::object()}}, "roles"},
        {"POST", "/v1/users", Json{{"username", "e"}, {"kind", "person"}, {"roles", {1}}}, "roles"},
        {"POST", "/v1/users", Json{{"username", "e"}, {"kind", "person"}, {"roles", {nullptr}}},
         "roles"},
        {"POST", "/v1/users",
         Json{{"username", "e"},
              {"kind", "person"},
              {"roles", Json::array()},
              {"password", 12345678}},
         "password"},
        {"PUT", "/v1/users/" + bob_id + "/password", Json{{"password", Json::array()}}, "password"},
        {"PUT", "/v1/users/" + bob_id + "/password",
         Json{{"password", "a new password"}, {"old_password", 1}}, "old_password"},
        {"POST", "/v1/users/" + bob_id + "/tokens", Json{{"name", 1}}, "name"},
        {"POST", "/v1/users/" + bob_id + "/tokens", Json{{"expires_at", 1}}, "expires_at"},
        {"POST", "/v1/webhooks", Json{{"name", Json::object()}, {"auth", "bearer"}}, "name"},
        {"POST", "/v1/webhooks", Json{{"name", "x"}, {"auth", 1}}, "auth"},
        {"POST", "/v1/webhooks", Json{{"name", "x"}, {"auth", "bearer"}, {"owner_id", 1}},
         "owner_id"},
        {"POST", "/v1/webhooks/" + webhook_id + "/tokens", Json{{"owner_id", false}}, "owner_id"},
        {"POST", "/v1/tokens/" + app.id + "/rotate", Json{{"grace_ms", "0"}}, "grace_ms"},
        {"POST", "/v1/tokens/" + app.id + "/rotate", Json{{"grace_ms", 1.5}}, "grace_ms"},
        {"POST", "/v1/tokens/" + app.id + "/rotate",
         Json{{"grace_ms", std::numeric_limits<std::uint64_t>::max()}}, "grace_ms"},
        {"POST", "/v1/tokens/" + app.id + "/transfer", Json{{"owner_id", Json::array()}},
         "owner_id"},
        {"POST", "/v1/clock", Json{{"advance_ms", "1"}}, "advance_ms"},
        {"POST", "/v1/clock", Json{{"advance_ms", std::numeric_limits<std::uint64_t>::max()}},
         "advance_ms"},
        {"POST", "/v1/clock", Json{{"to", 0}}, "to"},
        {"POST", "/v1/login", Json{{"username", 1}, {"password", "x"}}, "username"},
        {"POST", "/v1/login", Json{{"username", "bob"}, {"password", 1}}, "password"},
    };
    for (const auto& [method, target, body, member] : cases) {
        expect_names(send_raw_json(method, target, body.dump()), member,
                     method + " " + target + " " + body.dump());
    }
}

TEST_F(Requests, TextThatIsNotUtf8IsRefusedInABody) {
    expect_error(send_raw_json("POST", "/v1/users",
                               "{\"username\":\"\xFF\",\"kind\":\"person\",\"roles\":[]}"),
                 400, "bad_request", "raw 0xFF");
    expect_error(send_raw_json("POST", "/v1/webhooks", R"({"name":"\udc00","auth":"bearer"})"), 400,
                 "bad_request", "lone surrogate");
}

// --- Methods and bodies the contract does not list ---

TEST_F(Requests, HeadOptionsAndUnknownMethodsAre405WithAllow) {
    for (const char* method : {"HEAD", "OPTIONS", "PATCH", "BREW", "get"}) {
        tests::http::TestConnection connection(server->port());
        ASSERT_EQ(connection.send_request(method, "/v1/users",
                                          {{"Authorization", "Bearer " + admin.secret}}),
                  "");
        const auto r = connection.read_response(std::string_view(method) == "HEAD");
        EXPECT_EQ(r.status, 405u) << method << r.body;
        EXPECT_EQ(r.header("Allow"), "GET, POST") << method;
        if (std::string_view(method) == "HEAD") {
            EXPECT_EQ(r.body, "");
        }
    }
    Reply hook = plain("OPTIONS", "/v1/hooks/" + webhook_id);
    expect_error(hook, 405, "method_not_allowed", "OPTIONS hook");
    EXPECT_EQ(hook.header("Allow"), "POST");
    // An unknown path stays 404 whatever the method.
    expect_error(plain("BREW", "/v1/teapot"), 404, "not_found", "BREW");
}

TEST_F(Requests, ABodyOnAGetIsIgnored) {
    Reply r = plain("GET", "/v1/users/" + bob_id,
                    {{"Authorization", "Bearer " + admin.secret}, {"Content-Type", "text/plain"}},
                    R"({"a":1,"a":2})");
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json.value("id", ""), bob_id);
}

TEST_F(Requests, WritesIgnoreTheirQueryEvenWhenAParameterRepeats) {
    Reply r = as_admin("POST", "/v1/users/" + bob_id + "/reactivate?x=1&x=2");
    EXPECT_EQ(r.status, 200u) << r.body;
    expect_error(as_admin("GET", "/v1/users/" + bob_id + "?as_of=" + kStart + "&as_of=" + kStart),
                 400, "bad_request", "reads do not");
}

TEST_F(Requests, APageOfDeliveriesEndsAfterAboutEightMebibytesAndThePagesTogetherHoldThemAll) {
    constexpr int kCalls = 10;
    for (int n = 0; n < kCalls; ++n) {
        Reply call =
            plain("POST", "/v1/hooks/" + webhook_id, {{"Authorization", "Bearer " + app.secret}},
                  std::string(1024 * 1024, static_cast<char>('a' + n)));
        ASSERT_EQ(call.status, 202u) << call.body;
    }
    std::uint64_t after = 0;
    int seen = 0;
    int pages = 0;
    while (true) {
        Reply page = as_admin("GET", "/v1/webhooks/" + webhook_id +
                                         "/deliveries?limit=1000&after=" + std::to_string(after));
        ASSERT_EQ(page.status, 200u);
        if (page.body.empty()) {
            break;
        }
        ++pages;
        EXPECT_LT(page.body.size(), 8u * 1024 * 1024 + 2 * 1024 * 1024) << "page " << pages;
        std::istringstream lines(page.body);
        for (std::string text; std::getline(lines, text);) {
            const Json line = Json::parse(text);
            EXPECT_EQ(line.at("seq").get<std::uint64_t>(), after + 1);
            after = line.at("seq").get<std::uint64_t>();
            ++seen;
        }
    }
    EXPECT_EQ(seen, kCalls);
    EXPECT_GE(pages, 2) << "ten 1 MiB bodies fit no single page";
}

TEST_F(Requests, ADeliveryKeepsAContentTypeThatIsNotUtf8AndIsStillReadable) {
    Reply call =
        plain("POST", "/v1/hooks/" + webhook_id,
              {{"Authorization", "Bearer " + app.secret}, {"Content-Type", "text/\xFF"}}, "x");
    ASSERT_EQ(call.status, 202u) << call.body;
    Reply deliveries = as_admin("GET", "/v1/webhooks/" + webhook_id + "/deliveries");
    EXPECT_EQ(deliveries.status, 200u) << deliveries.body;
    EXPECT_NE(deliveries.body.find("text/\xEF\xBF\xBD"), std::string::npos) << deliveries.body;
    EXPECT_EQ(plain("GET", "/healthz").status, 200u);
}

}  // namespace
}  // namespace keyledger::testing
