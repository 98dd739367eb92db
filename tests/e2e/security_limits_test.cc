// Limits against attackers, on the real server over real HTTP: failed authentications per
// client address (429 with Retry-After, never for an accepted credential), X-Forwarded-For only
// from the trusted proxy, refusals of a dead secret per token (counted, not recorded), and the
// connection cap with the file-descriptor limit raised to fit it.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "security/token_secret.h"
#include "tests/e2e/api_client.h"
#include "tests/e2e/security_server.h"
#include "tests/e2e/server_process.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kStart = "2026-01-01T00:00:00.000Z";

// The soft and hard "Max open files" of a running process.
std::pair<unsigned long long, unsigned long long> open_files_limits(pid_t pid) {
    const std::string limits = read_file("/proc/" + std::to_string(pid) + "/limits");
    const auto line = limits.find("Max open files");
    if (line == std::string::npos) {
        return {0, 0};
    }
    std::istringstream values(limits.substr(line + std::string("Max open files").size()));
    unsigned long long soft = 0;
    unsigned long long hard = 0;
    values >> soft >> hard;
    return {soft, hard};
}

class Limits : public ::testing::Test {
  protected:
    void start(std::vector<std::string> flags) {
        auto init = run_keyledger({"init", "--data-dir", data_dir(), "--at", kStart});
        ASSERT_EQ(init.exit_code, 0) << init.err;
        const Json first = Json::parse(init.out);
        admin_ = first.at("secret");
        admin_id_ = first.at("user_id");
        std::vector<std::string> args{"--data-dir", data_dir(), "--clock",         "manual",
                                      "--start",    kStart,     "--password-cost", "minimal"};
        args.insert(args.end(), flags.begin(), flags.end());
        server_ = std::make_unique<ServerProcess>(args);
        ASSERT_TRUE(server_->started()) << server_->startup_error();
        api_ = std::make_unique<ApiClient>(server_->port());
    }
    std::string data_dir() const { return dir_.path().string() + "/data"; }

    Reply as(const std::string& secret, const std::string& target, HeaderList extra = {}) {
        return api_->send("GET", target, secret, std::nullopt, std::move(extra));
    }
    std::uint64_t head() {
        return to_reply(tests::http::request(server_->port(), "GET", "/readyz"))
            .json.value("position", std::uint64_t{0});
    }
    std::uint64_t metric(const std::string& name) {
        const std::string text = tests::http::request(server_->port(), "GET", "/metrics").body;
        const auto at = text.find("\n" + name + " ");
        return at == std::string::npos ? ~0ull : std::stoull(text.substr(at + name.size() + 2));
    }
    void expect_429(const Reply& r) {
        EXPECT_EQ(r.status, 429u) << r.body;
        EXPECT_EQ(r.json.value("error", ""), "rate_limited") << r.body;
        EXPECT_FALSE(r.json.value("message", "").empty());
        const std::string retry = r.header("Retry-After");
        ASSERT_FALSE(retry.empty());
        EXPECT_GE(std::stoi(retry), 1);
    }

    TempDir dir_;
    std::string admin_;
    std::string admin_id_;
    std::unique_ptr<ServerProcess> server_;
    std::unique_ptr<ApiClient> api_;
};

TEST_F(Limits, GuessesFromOneAddressGet429ButAnAcceptedSecretNever) {
    start({"--auth-failure-limit", "3", "--auth-failure-window-ms", "1500"});
    Reply hook = api_->post("/v1/webhooks", admin_, Json{{"name", "shop"}, {"auth", "bearer"}});
    ASSERT_EQ(hook.status, 201u) << hook.body;
    const std::string hook_id = hook.json.value("id", "");
    const std::string app_secret = hook.json["app_token"].value("secret", "");

    const std::string target = "/v1/users/" + admin_id_;
    const std::string stranger = security::make_token_secret(security::TokenKind::api);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(as(stranger, target).status, 401u) << i;
    }
    const std::uint64_t position = head();
    expect_429(as(stranger, target));
    expect_429(as("not-even-a-token", target));
    expect_429(api_->hook(hook_id, "Bearer " + stranger));
    EXPECT_EQ(head(), position) << "a 429 is a capacity answer: nothing recorded";

    // Genuine traffic from the very same address goes through, unslowed.
    EXPECT_EQ(as(admin_, target).status, 200u);
    EXPECT_EQ(api_->hook(hook_id, "Bearer " + app_secret).status, 202u);
    EXPECT_EQ(metric("keyledger_rate_limited_total"), 3u);

    // The window passes: the address may fail again.
    std::this_thread::sleep_for(1600ms);
    EXPECT_EQ(as(stranger, target).status, 401u);
}

TEST_F(Limits, NoCredentialAtAllIsNoGuess) {
    start({"--auth-failure-limit", "2"});
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(as("", "/v1/users/" + admin_id_).status, 401u) << i;
    }
}

TEST_F(Limits, LoginIsLimitedBeforeThePasswordIsChecked) {
    start({"--auth-failure-limit", "2", "--auth-failure-window-ms", "60000"});
    Reply alice = api_->post("/v1/users", admin_,
                             Json{{"username", "alice"},
                                  {"kind", "person"},
                                  {"roles", Json::array()},
                                  {"password", "the right one"}});
    ASSERT_EQ(alice.status, 201u) << alice.body;
    auto login = [&](const std::string& password) {
        return api_->post("/v1/login", "", Json{{"username", "alice"}, {"password", password}});
    };
    EXPECT_EQ(login("the right one").status, 200u);
    EXPECT_EQ(login("wrong 1").status, 401u);
    EXPECT_EQ(login("wrong 2").status, 401u);
    const std::uint64_t position = head();
    // Past the limit even the right password is not checked: an answer that told right from
    // wrong would let the guessing go on.
    expect_429(login("wrong 3"));
    expect_429(login("the right one"));
    EXPECT_EQ(head(), position);
    // Tokens are not passwords: the admin's genuine secret still passes.
    EXPECT_EQ(as(admin_, "/v1/users/" + admin_id_).status, 200u);
}

TEST_F(Limits, TrustedProxyNamesTheClientInXForwardedFor) {
    start({"--auth-failure-limit", "2", "--trusted-proxy", "127.0.0.1"});
    const std::string target = "/v1/users/" + admin_id_;
    const std::string stranger = security::make_token_secret(security::TokenKind::api);
    auto from = [&](const std::string& client) {
        return as(stranger, target, {{"X-Forwarded-For", "10.9.9.9, " + client}});
    };
    EXPECT_EQ(from("203.0.113.1").status, 401u);
    EXPECT_EQ(from("203.0.113.1").status, 401u);
    expect_429(from("203.0.113.1"));
    EXPECT_EQ(from("203.0.113.2").status, 401u) << "another client behind the same proxy";
    EXPECT_EQ(as(stranger, target).status, 401u) << "the proxy itself, without the header";
    EXPECT_EQ(as(admin_, target, {{"X-Forwarded-For", "203.0.113.1"}}).status, 200u)
        << "a limited client's genuine secret passes";
}

TEST_F(Limits, WithoutTrustedProxyXForwardedForIsIgnored) {
    start({"--auth-failure-limit", "2"});
    const std::string target = "/v1/users/" + admin_id_;
    const std::string stranger = security::make_token_secret(security::TokenKind::api);
    EXPECT_EQ(as(stranger, target, {{"X-Forwarded-For", "203.0.113.1"}}).status, 401u);
    EXPECT_EQ(as(stranger, target, {{"X-Forwarded-For", "203.0.113.2"}}).status, 401u);
    expect_429(as(stranger, target, {{"X-Forwarded-For", "203.0.113.3"}}));
}

TEST_F(Limits, DeadSecretPastItsTokenLimitIsCountedNotRecorded) {
    // A low address limit too: refusals of a genuine secret are not guesses and must not count.
    start({"--token-refusal-limit", "2", "--auth-failure-limit", "2"});
    Reply hook = api_->post("/v1/webhooks", admin_, Json{{"name", "shop"}, {"auth", "bearer"}});
    ASSERT_EQ(hook.status, 201u) << hook.body;
    const std::string hook_id = hook.json.value("id", "");
    const Json app = hook.json["app_token"];
    Reply revoked = api_->send("DELETE", "/v1/tokens/" + app.value("id", ""), admin_);
    ASSERT_EQ(revoked.status, 204u) << revoked.body;

    const std::uint64_t before = head();
    for (int i = 0; i < 5; ++i) {
        Reply r = api_->hook(hook_id, "Bearer " + app.value("secret", ""));
        EXPECT_EQ(r.status, 401u) << i << r.body;
        EXPECT_EQ(r.json.value("error", ""), "token_revoked") << i;
    }
    EXPECT_EQ(head(), before + 2) << "the first two refusals recorded, the rest not";
    EXPECT_EQ(metric("keyledger_refusals_unrecorded_total"), 3u);
    EXPECT_EQ(metric("keyledger_rate_limited_total"), 0u);
}

TEST_F(Limits, ConnectionsPastTheCapAreClosedAndTheDescriptorLimitFitsTheCap) {
    auto init = run_keyledger({"init", "--data-dir", data_dir(), "--at", kStart});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const auto log = dir_.path() / "serve.log";
    LoggedServer server({"--data-dir", data_dir(), "--clock", "manual", "--start", kStart,
                         "--max-connections", "2"},
                        log);
    ASSERT_TRUE(server.started()) << server.startup_error();
    // The soft limit was raised to hold the cap and the reserve (1024) beside it, or was
    // already higher.
    EXPECT_GE(open_files_limits(server.pid()).first, 1026u);

    tests::http::TestConnection first(server.port());
    tests::http::TestConnection second(server.port());
    ASSERT_EQ(first.request("GET", "/healthz").status, 200u);
    ASSERT_EQ(second.request("GET", "/healthz").status, 200u);
    tests::http::TestConnection third(server.port(), 3s);
    const auto refused = third.request("GET", "/healthz");
    EXPECT_EQ(refused.status, 0u) << "past the cap: closed without an answer";
    EXPECT_FALSE(refused.ok());
    // The two within the cap are unaffected.
    EXPECT_EQ(first.request("GET", "/healthz").status, 200u);
    EXPECT_EQ(second.request("GET", "/healthz").status, 200u);
    EXPECT_NE(read_file(log).find("\"max_connections\":2"), std::string::npos) << read_file(log);
}

TEST_F(Limits, ADefaultServerRaisesItsDescriptorLimitForTenThousandConnections) {
    auto init = run_keyledger({"init", "--data-dir", data_dir(), "--at", kStart});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const auto log = dir_.path() / "serve.log";
    LoggedServer server({"--data-dir", data_dir(), "--clock", "manual", "--start", kStart}, log);
    ASSERT_TRUE(server.started()) << server.startup_error();
    const auto [soft, hard] = open_files_limits(server.pid());
    ASSERT_GT(hard, 0u);
    if (hard >= 11'024) {
        EXPECT_GE(soft, 11'024u);
        EXPECT_NE(read_file(log).find("\"max_connections\":10000"), std::string::npos);
    } else {
        // The hard limit does not allow it: the cap is lowered to fit, and the log says so.
        EXPECT_EQ(soft, hard);
        EXPECT_NE(read_file(log).find("connection_cap_lowered"), std::string::npos);
    }
}

}  // namespace
}  // namespace keyledger::testing
