// No secret outlives the answer that creates it: a full story through every way a secret comes
// to be (init, issuing API and app tokens, installing a webhook, rotation, the operator's
// issue-token, passwords set and changed, logins), with every response captured, the server's
// debug log and every file of the data directory, then searched for every secret.
//
// The search is proven on planted secrets: one in a response after its creation, one the server
// logs (as the username of a failed login), one the store keeps (in a webhook body): each must
// be found, or the search would be blind where it looks.

#include <gtest/gtest.h>

#include <filesystem>

#include "security/token_secret.h"
#include "tests/e2e/api_client.h"
#include "tests/e2e/security_server.h"
#include "tests/e2e/server_process.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

struct Secret {
    std::string value;
    std::size_t created_by;  // index of the response that may carry it; npos: none may
    std::string what;
};

struct Evidence {
    std::vector<std::string> responses;  // status, headers and body of each, in order
    std::string log;
    std::vector<std::pair<std::string, std::string>> files;  // path, content
};

// Every place a secret was found where it must not be.
std::vector<std::string> leaks(const std::vector<Secret>& secrets, const Evidence& evidence) {
    std::vector<std::string> found;
    for (const Secret& secret : secrets) {
        for (std::size_t i = 0; i < evidence.responses.size(); ++i) {
            if (i != secret.created_by &&
                evidence.responses[i].find(secret.value) != std::string::npos) {
                found.push_back(secret.what + " in response " + std::to_string(i));
            }
        }
        if (evidence.log.find(secret.value) != std::string::npos) {
            found.push_back(secret.what + " in the server log");
        }
        for (const auto& [path, content] : evidence.files) {
            if (content.find(secret.value) != std::string::npos) {
                found.push_back(secret.what + " in " + path);
            }
        }
    }
    return found;
}

bool mentions(const std::vector<std::string>& found, const std::string& text) {
    return std::any_of(found.begin(), found.end(),
                       [&](const std::string& f) { return f.find(text) != std::string::npos; });
}

class Secrets : public ::testing::Test {
  protected:
    std::string data_dir() const { return dir_.path().string() + "/data"; }
    std::filesystem::path log_path() const { return dir_.path() / "serve.log"; }

    void start() {
        server_ = std::make_unique<LoggedServer>(
            std::vector<std::string>{"--data-dir", data_dir(), "--password-cost", "minimal"},
            log_path());
        ASSERT_TRUE(server_->started()) << server_->startup_error();
    }

    // Sends one request and keeps the whole response as evidence; returns it parsed.
    Reply send_body(std::string_view method, const std::string& target,
                    const std::string& authorization, const std::string& body = "",
                    HeaderList extra = {}) {
        if (!authorization.empty()) {
            extra.emplace_back("Authorization", authorization);
        }
        if (!body.empty()) {
            extra.emplace_back("Content-Type", "application/json");
        }
        auto result = tests::http::request(server_->port(), method, target, extra, body);
        std::string kept = std::to_string(result.status) + "\n";
        for (const auto& [name, value] : result.headers) {
            kept += name + ": " + value + "\n";
        }
        evidence_.responses.push_back(kept + "\n" + result.body);
        return to_reply(result);
    }
    Reply send(std::string_view method, const std::string& target, const std::string& authorization,
               const Json& body = nullptr, HeaderList extra = {}) {
        if (body.is_null()) {
            return send_body(method, target, authorization, "", std::move(extra));
        }
        return send_body(method, target, authorization, body.dump(), std::move(extra));
    }
    // A token secret from the response just sent; it may appear in that response only.
    std::string issued(const std::string& secret, const std::string& what) {
        EXPECT_TRUE(security::secret_format_ok(secret)) << what << ": " << secret;
        secrets_.push_back(Secret{secret, evidence_.responses.size() - 1, what});
        return secret;
    }
    // A password: no response may carry it, not even the one to the request that set it.
    std::string password(const std::string& value) {
        secrets_.push_back(Secret{value, std::string::npos, "password " + value.substr(0, 4)});
        return value;
    }
    // The output of a command, as a response.
    Json command(const std::vector<std::string>& args) {
        auto run = run_keyledger(args);
        EXPECT_EQ(run.exit_code, 0) << run.err;
        evidence_.responses.push_back(run.out + run.err);
        return Json::parse(run.out, nullptr, false);
    }

    void gather() {
        evidence_.log = read_file(log_path());
        for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir())) {
            if (entry.is_regular_file()) {
                evidence_.files.emplace_back(entry.path().string(), read_file(entry.path()));
            }
        }
    }

    TempDir dir_;
    std::unique_ptr<LoggedServer> server_;
    Evidence evidence_;
    std::vector<Secret> secrets_;
};

TEST_F(Secrets, NoSecretAppearsAfterTheResponseThatCreatesIt) {
    const Json init = command({"init", "--data-dir", data_dir()});
    const std::string admin = "Bearer " + issued(init.value("secret", ""), "admin (init)");
    start();

    // Accounts with passwords; one with a token of its own.
    const std::string alice_password = password("alice-first-password-Zq81");
    Reply alice = send("POST", "/v1/users", admin,
                       Json{{"username", "alice"},
                            {"kind", "person"},
                            {"roles", {"webhook_admin"}},
                            {"password", alice_password}});
    ASSERT_EQ(alice.status, 201u) << alice.body;
    const std::string alice_id = alice.json.value("id", "");
    Reply login =
        send("POST", "/v1/login", "", Json{{"username", "alice"}, {"password", alice_password}});
    EXPECT_EQ(login.status, 200u) << login.body;

    Reply alice_token = send("POST", "/v1/users/" + alice_id + "/tokens", admin, Json::object(),
                             {{"Idempotency-Key", "issue-1"}});
    ASSERT_EQ(alice_token.status, 201u) << alice_token.body;
    const std::string alice_secret = issued(alice_token.json.value("secret", ""), "alice's token");
    const std::string alice_token_id = alice_token.json.value("id", "");
    // The idempotent repeat answers the same token without its secret.
    Reply repeat = send("POST", "/v1/users/" + alice_id + "/tokens", admin, Json::object(),
                        {{"Idempotency-Key", "issue-1"}});
    EXPECT_EQ(repeat.header("Idempotent-Replayed"), "true") << repeat.body;

    // A webhook and its app tokens, installed by alice with her token.
    Reply hook = send("POST", "/v1/webhooks", "Bearer " + alice_secret,
                      Json{{"name", "shop"}, {"auth", "bearer"}});
    ASSERT_EQ(hook.status, 201u) << hook.body;
    const std::string hook_id = hook.json.value("id", "");
    const std::string app_secret = issued(hook.json["app_token"].value("secret", ""), "app token");
    Reply second = send("POST", "/v1/webhooks/" + hook_id + "/tokens", "Bearer " + alice_secret,
                        Json::object());
    ASSERT_EQ(second.status, 201u) << second.body;
    const std::string second_secret = issued(second.json.value("secret", ""), "second app token");
    const std::string second_id = second.json.value("id", "");

    // Calls, Bearer and Basic, accepted and refused.
    EXPECT_EQ(send_body("POST", "/v1/hooks/" + hook_id, "Bearer " + app_secret, "{\"n\":1}").status,
              202u);
    EXPECT_EQ(
        send_body("POST", "/v1/hooks/" + hook_id, basic("", second_secret), "{\"n\":2}").status,
        202u);
    EXPECT_EQ(
        send_body("POST", "/v1/hooks/" + hook_id, basic(second_id, second_secret), "{}").status,
        202u);

    // Rotation with grace: both work. Then a rotation without grace: the old one is refused
    // with its reason at once.
    Reply rotated =
        send("POST", "/v1/tokens/" + alice_token_id + "/rotate", admin, Json{{"grace_ms", 60'000}});
    ASSERT_EQ(rotated.status, 201u) << rotated.body;
    const std::string graced_secret = issued(rotated.json.value("secret", ""), "rotated token");
    EXPECT_EQ(send("GET", "/v1/users/" + alice_id, "Bearer " + alice_secret).status, 200u);
    EXPECT_EQ(send("GET", "/v1/users/" + alice_id, "Bearer " + graced_secret).status, 200u);
    rotated =
        send("POST", "/v1/tokens/" + alice_token_id + "/rotate", admin, Json{{"grace_ms", 0}});
    ASSERT_EQ(rotated.status, 201u) << rotated.body;
    const std::string rotated_secret =
        issued(rotated.json.value("secret", ""), "token rotated again");
    Reply old = send("GET", "/v1/users/" + alice_id, "Bearer " + graced_secret);
    EXPECT_EQ(old.status, 401u);
    EXPECT_EQ(old.json.value("error", ""), "secret_rotated") << old.body;

    // A revoked secret, refused with its reason (and logged).
    EXPECT_EQ(send("DELETE", "/v1/tokens/" + second_id, admin).status, 204u);
    EXPECT_EQ(send_body("POST", "/v1/hooks/" + hook_id, "Bearer " + second_secret, "{}").status,
              401u);

    // Secrets pasted where an id belongs (the administrator's mistake: "revoke this leaked
    // secret"), plain or percent-encoded: refused before any record, log line or echo.
    const std::string encoded_app_secret =
        "klg%5Fapp%5F" + app_secret.substr(std::string_view("klg_app_").size());
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"DELETE", "/v1/tokens/" + app_secret},
             {"POST", "/v1/users/" + rotated_secret + "/reactivate"},
             {"GET", "/v1/tokens/" + encoded_app_secret},
             {"GET", "/v1/users/x" + rotated_secret + "y"},
             {"POST", "/v1/hooks/" + app_secret}}) {
        const Reply pasted = send(method, target, admin);
        EXPECT_EQ(pasted.status, 400u) << method << " " << target << ": " << pasted.body;
        EXPECT_NE(pasted.body.find("holds a token secret"), std::string::npos) << pasted.body;
    }

    // Passwords changed, by the owner and by an administrator; failed logins.
    const std::string alice_second = password("alice-second-password-Kw03");
    EXPECT_EQ(send("PUT", "/v1/users/" + alice_id + "/password", "Bearer " + rotated_secret,
                   Json{{"password", alice_second}, {"old_password", alice_password}})
                  .status,
              204u);
    const std::string alice_third = password("alice-third-password-Mm55");
    EXPECT_EQ(
        send("PUT", "/v1/users/" + alice_id + "/password", admin, Json{{"password", alice_third}})
            .status,
        204u);
    EXPECT_EQ(send("POST", "/v1/login", "", Json{{"username", "alice"}, {"password", alice_second}})
                  .status,
              401u);
    EXPECT_EQ(send("POST", "/v1/login", "", Json{{"username", "alice"}, {"password", alice_third}})
                  .status,
              200u);

    // Every read an administrator or auditor has: users, tokens, webhooks, the feed, the
    // reports, the deliveries, verify, metrics.
    for (const std::string& target : std::vector<std::string>{
             "/v1/users", "/v1/users/" + alice_id, "/v1/tokens/" + alice_token_id,
             "/v1/tokens/" + second_id, "/v1/webhooks/" + hook_id, "/v1/events?limit=10000",
             "/v1/reports/at-risk", "/v1/audit/verify"}) {
        EXPECT_EQ(send("GET", target, admin).status, 200u) << target;
    }
    EXPECT_EQ(
        send("GET", "/v1/webhooks/" + hook_id + "/deliveries", "Bearer " + rotated_secret).status,
        200u);
    EXPECT_EQ(send("GET", "/metrics", "").status, 200u);

    // The planted secrets: one the log will hold, one the store will hold.
    const std::string planted_log = security::make_token_secret(security::TokenKind::api);
    EXPECT_EQ(
        send("POST", "/v1/login", "", Json{{"username", planted_log}, {"password", "x"}}).status,
        401u);
    const std::string planted_store = security::make_token_secret(security::TokenKind::app);
    EXPECT_EQ(send("POST", "/v1/hooks/" + hook_id, "Bearer " + app_secret,
                   Json{{"leaked", planted_store}})
                  .status,
              202u);

    // The operator's command on the stopped store, then the server again with its secret.
    ASSERT_EQ(server_->stop(), 0);
    const Json operator_line =
        command({"admin", "issue-token", "--data-dir", data_dir(), "--username", "admin"});
    const std::string operator_secret =
        issued(operator_line.value("secret", ""), "operator's token");
    start();
    EXPECT_EQ(send("GET", "/v1/users/" + alice_id, "Bearer " + operator_secret).status, 200u);
    ASSERT_EQ(server_->stop(), 0);

    gather();
    ASSERT_FALSE(evidence_.log.empty());
    ASSERT_GT(evidence_.files.size(), 3u);
    ASSERT_EQ(secrets_.size(), 10u);  // seven token secrets, three passwords

    const std::vector<std::string> found = leaks(secrets_, evidence_);
    EXPECT_TRUE(found.empty()) << ::testing::PrintToString(found);

    // The search sees what it would have to see. A secret the log holds:
    auto planted = secrets_;
    planted.push_back(Secret{planted_log, 0, "planted in the log"});
    EXPECT_TRUE(mentions(leaks(planted, evidence_), "planted in the log in the server log"));
    // A secret the store holds (a webhook body, kept as a delivery):
    planted.push_back(Secret{planted_store, 0, "planted in the store"});
    EXPECT_TRUE(mentions(leaks(planted, evidence_), "planted in the store in " + data_dir()));
    // A secret in a response after the one that created it:
    Evidence with_echo = evidence_;
    with_echo.responses.push_back("200\n\n{\"secret\":\"" + app_secret + "\"}");
    EXPECT_TRUE(
        mentions(leaks(secrets_, with_echo),
                 "app token in response " + std::to_string(with_echo.responses.size() - 1)));
}

}  // namespace
}  // namespace keyledger::testing
