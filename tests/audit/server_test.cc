// The audit tools against a real running server with a manual clock: the CLI reads the live
// store through a RocksDB secondary without stopping the server, and the HTTP routes answer the
// same JSON, to the roles API.md gives /v1/audit/verify, in the order of the other GET routes.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/e2e/api_client.h"
#include "tests/e2e/server_process.h"
#include "tests/engine/temp_dir.h"
#include "tests/eventstore/test_support.h"

namespace keyledger::testing {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr const char* kStart = "2026-01-01T00:00:00.000Z";

class AuditServer : public ::testing::Test {
  protected:
    void SetUp() override {
        auto init = run_keyledger({"init", "--data-dir", data_dir(), "--at", kStart});
        ASSERT_EQ(init.exit_code, 0) << init.err;
        admin = Json::parse(init.out).at("secret");
        server = std::make_unique<ServerProcess>(
            std::vector<std::string>{"--data-dir", data_dir(), "--clock", "manual", "--start",
                                     kStart, "--password-cost", "minimal"});
        ASSERT_TRUE(server->started()) << server->startup_error();
        api = std::make_unique<ApiClient>(server->port());

        auditor = token_of_new_user("auditor", "auditor");
        hooks_admin = token_of_new_user("hooks", "webhook_admin");
        Reply owner =
            api->post("/v1/users", admin, {{"username", "shopowner"}, {"kind", "service"}});
        ASSERT_EQ(owner.status, 201u) << owner.body;
        owner_id = owner.json.at("id");
        Reply webhook = api->post("/v1/webhooks", admin,
                                  {{"name", "shop"}, {"auth", "bearer"}, {"owner_id", owner_id}});
        ASSERT_EQ(webhook.status, 201u) << webhook.body;
        webhook_id = webhook.json.at("id");
        app_token_id = webhook.json.at("app_token").at("id");
        app_secret = webhook.json.at("app_token").at("secret");
        ASSERT_EQ(api->hook(webhook_id, "Bearer " + app_secret).status, 202u);

        // 61 days on: everybody but the shop's owner keeps active with a read now and then.
        for (std::int64_t days : {30, 31}) {
            api->advance(admin, days * kDayMs);
            ASSERT_EQ(api->get("/v1/audit/verify", auditor).status, 200u);
            ASSERT_EQ(api->get("/v1/webhooks/" + webhook_id, hooks_admin).status, 200u);
        }
        Reply refused = api->hook(webhook_id, "Bearer " + app_secret);
        ASSERT_EQ(refused.status, 401u);
        ASSERT_EQ(refused.json.at("error"), "owner_inactive");
        // Whatever the tests record from now on is decided an hour later than all of the above.
        api->advance(admin, 3'600'000);
    }
    void TearDown() override {
        if (server)
            server->stop();
    }

    std::string data_dir() const { return dir.path().string() + "/data"; }
    std::string token_of_new_user(const std::string& name, const std::string& role) {
        Reply user = api->post("/v1/users", admin,
                               {{"username", name}, {"kind", "service"}, {"roles", {role}}});
        EXPECT_EQ(user.status, 201u) << user.body;
        Reply token = api->post("/v1/users/" + user.json.at("id").get<std::string>() + "/tokens",
                                admin, Json::object());
        EXPECT_EQ(token.status, 201u) << token.body;
        return token.json.at("secret");
    }

    CommandResult audit(std::vector<std::string> args) {
        args.insert(args.begin(), "audit");
        args.push_back("--data-dir");
        args.push_back(data_dir());
        return run_keyledger(args);
    }
    Json audit_json(std::vector<std::string> args) {
        args.push_back("--format");
        args.push_back("json");
        auto result = audit(args);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return result.exit_code == 0 ? Json::parse(result.out) : Json();
    }

    TempDir dir;
    std::unique_ptr<ServerProcess> server;
    std::unique_ptr<ApiClient> api;
    std::string admin, auditor, hooks_admin;
    std::string owner_id, webhook_id, app_token_id, app_secret;
};

TEST_F(AuditServer, TheCliReadsTheLiveStoreWithoutStoppingTheServer) {
    Json calls = audit_json({"calls", "--webhook", webhook_id});
    ASSERT_EQ(calls["calls"].size(), 2u) << calls.dump(2);
    EXPECT_EQ(calls["calls"][0]["outcome"], "accepted");
    EXPECT_EQ(calls["calls"][1]["outcome"], "owner_inactive");

    // A call made now is seen by the next command: each opens a fresh secondary.
    ASSERT_EQ(api->hook(webhook_id, "Bearer " + app_secret).status, 401u);
    EXPECT_EQ(audit_json({"calls", "--webhook", webhook_id})["calls"].size(), 3u);

    Json verify = audit_json({"verify"});
    EXPECT_EQ(verify["ok"], true) << verify.dump(2);

    const std::string now = "2026-03-03T00:00:00.000Z";
    Json explain =
        audit_json({"explain", "--token", app_token_id, "--webhook", webhook_id, "--at", now});
    EXPECT_EQ(explain["status"], "owner_inactive");
    EXPECT_NE(explain["because"].get<std::string>().find("inactive since"), std::string::npos);

    const std::string call_id = calls["calls"][1]["call_id"];
    Json call = audit_json({"explain", "--call", call_id});
    EXPECT_EQ(call["call"]["outcome"], "owner_inactive");
    EXPECT_EQ(call["agrees"], true);

    Json replay = audit_json({"replay", "--as-of", now, "--token", app_token_id});
    EXPECT_EQ(replay["tokens"][0]["status"], "owner_inactive");

    auto exported = audit({"export", "--format", "ndjson"});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    std::istringstream lines(exported.out);
    std::string line;
    std::uint64_t count = 0;
    while (std::getline(lines, line)) {
        EXPECT_EQ(Json::parse(line)["position"], ++count);
        EXPECT_EQ(line.find("secret_hash"), std::string::npos);
        EXPECT_EQ(line.find("password_hash"), std::string::npos);
        EXPECT_EQ(line.find(app_secret), std::string::npos);
    }
    EXPECT_GE(count, verify["events"].get<std::uint64_t>());

    // Human output says the same in words.
    auto human = audit({"explain", "--token", app_token_id, "--at", now});
    ASSERT_EQ(human.exit_code, 0) << human.err;
    EXPECT_NE(human.out.find(": owner_inactive"), std::string::npos) << human.out;
    EXPECT_NE(human.out.find("because owner"), std::string::npos) << human.out;
}

TEST_F(AuditServer, TheCliExitCodes) {
    EXPECT_EQ(audit({"explain", "--token", app_token_id}).exit_code, 2);  // no point in time
    EXPECT_EQ(audit({"explain", "--token", app_token_id, "--at", "yesterday"}).exit_code, 2);
    EXPECT_EQ(audit({"replay", "--as-of", kStart, "--token", "a", "--webhook", "b"}).exit_code, 2);
    EXPECT_EQ(audit({"calls", "--webhook", webhook_id, "--from", "2026-02-01T00:00:00Z", "--to",
                     "2026-01-01T00:00:00Z"})
                  .exit_code,
              2);
    auto unknown = audit({"explain", "--token", "tok_nope", "--at", kStart});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("tok_nope"), std::string::npos) << unknown.err;
    EXPECT_EQ(audit({"calls", "--webhook", "whk_nope"}).exit_code, 1);
    EXPECT_EQ(audit({"explain", "--call", "call_nope"}).exit_code, 1);
    auto nowhere = run_keyledger({"audit", "verify", "--data-dir", dir.path().string() + "/no"});
    EXPECT_EQ(nowhere.exit_code, 1);
    EXPECT_NE(nowhere.err.find("not a readable keyledger data directory"), std::string::npos);
}

// A restore that forgot keys/token.key passes nothing: serve would refuse to start without it
// (decision 118); a copy made without the key on purpose says so with --without-token-key.
TEST_F(AuditServer, AMissingTokenKeyFailsVerifyUnlessTheCopyHasNoneOnPurpose) {
    server->stop();
    server.reset();
    std::filesystem::rename(data_dir() + "/keys/token.key", data_dir() + "/token.key.away");
    auto missing = audit({"verify", "--format", "json"});
    EXPECT_EQ(missing.exit_code, 1) << missing.out << missing.err;
    EXPECT_NE(missing.out.find("serve refuses to start"), std::string::npos) << missing.out;
    auto human = audit({"verify"});
    EXPECT_EQ(human.exit_code, 1) << human.out;
    Json on_purpose = audit_json({"verify", "--without-token-key"});
    EXPECT_EQ(on_purpose["ok"], true) << on_purpose.dump(2);
    EXPECT_EQ(on_purpose["token_key"]["checked"], false) << on_purpose.dump(2);
    EXPECT_NE(std::find(on_purpose["unchecked"].begin(), on_purpose["unchecked"].end(),
                        Json("token_key")),
              on_purpose["unchecked"].end())
        << on_purpose.dump(2);
    std::filesystem::rename(data_dir() + "/token.key.away", data_dir() + "/keys/token.key");
    EXPECT_EQ(audit_json({"verify"})["ok"], true);
}

TEST_F(AuditServer, HttpRoutesAnswerTheCliJson) {
    const std::string at = "2026-03-02T12:00:00.000Z";
    Reply explain = api->get(
        "/v1/audit/explain?token_id=" + app_token_id + "&webhook_id=" + webhook_id + "&at=" + at,
        auditor);
    ASSERT_EQ(explain.status, 200u) << explain.body;
    EXPECT_EQ(explain.json, audit_json({"explain", "--token", app_token_id, "--webhook", webhook_id,
                                        "--at", at}));

    // At the position of the first (accepted) call: valid then.
    const std::string first_call = std::to_string(
        audit_json({"calls", "--webhook", webhook_id})["calls"][0]["position"].get<int>());
    Reply by_position = api->get(
        "/v1/audit/explain?token_id=" + app_token_id + "&at_position=" + first_call, auditor);
    ASSERT_EQ(by_position.status, 200u) << by_position.body;
    EXPECT_EQ(by_position.json["status"], "valid");
    EXPECT_EQ(by_position.json,
              audit_json({"explain", "--token", app_token_id, "--at-position", first_call}));

    const std::string range = "&from=2026-01-01T00:00:00.000Z&to=2026-03-03T00:00:00.001Z";
    Reply calls = api->get("/v1/audit/calls?webhook_id=" + webhook_id + range, auditor);
    ASSERT_EQ(calls.status, 200u) << calls.body;
    EXPECT_EQ(calls.json["count"], 2);
    EXPECT_EQ(calls.json,
              audit_json({"calls", "--webhook", webhook_id, "--from", "2026-01-01T00:00:00.000Z",
                          "--to", "2026-03-03T00:00:00.001Z"}));
    // The user_admin may ask too; without a role or a credential, nobody may.
    EXPECT_EQ(api->get("/v1/audit/calls?webhook_id=" + webhook_id, admin).status, 200u);
}

TEST_F(AuditServer, HttpRoutesCheckInTheOrderOfTheOtherGetRoutes) {
    const std::string explain = "/v1/audit/explain?token_id=" + app_token_id;
    auto error_of = [](const Reply& reply) { return reply.json.value("error", ""); };

    EXPECT_EQ(api->get(explain, "").status, 401u);
    EXPECT_EQ(api->get("/v1/audit/calls?webhook_id=" + webhook_id, "").status, 401u);
    // 403 for the role comes before any problem with the query.
    Reply forbidden = api->get(explain + "&at=garbage", hooks_admin);
    EXPECT_EQ(forbidden.status, 403u);
    EXPECT_EQ(error_of(forbidden), "missing_role");
    EXPECT_EQ(api->get("/v1/audit/calls?webhook_id=" + webhook_id, hooks_admin).status, 403u);

    Reply bad_instant = api->get(explain + "&at=garbage", auditor);
    EXPECT_EQ(bad_instant.status, 400u);
    EXPECT_EQ(error_of(bad_instant), "bad_instant");
    Reply future = api->get(explain + "&at=2030-01-01T00:00:00Z", auditor);
    EXPECT_EQ(future.status, 400u);
    EXPECT_EQ(error_of(future), "as_of_in_future");
    EXPECT_EQ(error_of(api->get(explain + "&at=2026-01-02T00:00:00Z&at_position=3", auditor)),
              "bad_request");
    EXPECT_EQ(error_of(api->get(explain + "&at_position=99999", auditor)), "bad_request");
    EXPECT_EQ(error_of(api->get(explain + "&token_id=again", auditor)), "bad_request");
    EXPECT_EQ(error_of(api->get("/v1/audit/explain", auditor)), "bad_request");

    Reply unknown = api->get("/v1/audit/explain?token_id=tok_nope", auditor);
    EXPECT_EQ(unknown.status, 404u);
    EXPECT_EQ(error_of(unknown), "not_found");
    EXPECT_EQ(api->get(explain + "&at_position=0", auditor).status, 404u);
    EXPECT_EQ(api->get(explain + "&at=2025-12-01T00:00:00Z", auditor).status, 404u);
    EXPECT_EQ(api->get("/v1/audit/calls?webhook_id=whk_nope", auditor).status, 404u);
    EXPECT_EQ(error_of(api->get("/v1/audit/calls", auditor)), "bad_request");
    EXPECT_EQ(error_of(api->get("/v1/audit/calls?webhook_id=" + webhook_id +
                                    "&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
                                auditor)),
              "bad_request");
    EXPECT_EQ(error_of(api->get("/v1/audit/calls?webhook_id=" + webhook_id + "&to=never", auditor)),
              "bad_instant");
    EXPECT_EQ(api->send("POST", "/v1/audit/calls", auditor, Json::object()).status, 405u);
}

// A delivery's Content-Type is recorded in its call event, so the chain covers it: an edit of
// the stored delivery's content type is a finding (decision 112).
TEST_F(AuditServer, AnAlteredContentTypeOfADeliveryIsAFinding) {
    Reply token = api->post("/v1/webhooks/" + webhook_id + "/tokens", hooks_admin, Json::object());
    ASSERT_EQ(token.status, 201u) << token.body;
    const std::string secret = token.json.at("secret");
    ASSERT_EQ(api->hook(webhook_id, "Bearer " + secret, "{\"n\":1}").status, 202u);
    server->stop();
    server.reset();

    Json intact = audit_json({"verify"});
    EXPECT_EQ(intact["deliveries"]["ok"], true) << intact.dump(2);
    EXPECT_FALSE(intact["deliveries"].contains("content_types_unchecked")) << intact.dump(2);
    {
        eventstore::testing::RawStore raw(data_dir() + "/store");
        const auto seq = eventstore::detail::decode_u64(
            raw.get(eventstore::detail::Family::delivery_seq, webhook_id));
        ASSERT_TRUE(seq.has_value());
        const std::string key = eventstore::detail::delivery_key(webhook_id, *seq);
        auto stored = eventstore::detail::decode_delivery(
            webhook_id, *seq, raw.get(eventstore::detail::Family::deliveries, key));
        ASSERT_TRUE(stored.has_value());
        ASSERT_EQ(stored->content_type, "application/json");
        raw.put(eventstore::detail::Family::deliveries, key,
                eventstore::detail::encode_delivery(
                    *seq, {webhook_id, stored->call_id, stored->received_at_ms, "text/html",
                           stored->body}));
    }
    auto altered = audit({"verify", "--format", "json"});
    EXPECT_EQ(altered.exit_code, 1) << altered.out << altered.err;
    Json report = Json::parse(altered.out);
    EXPECT_EQ(report["deliveries"]["ok"], false) << report.dump(2);
    EXPECT_NE(report["reason"].get<std::string>().find("was altered: its Content-Type differs"),
              std::string::npos)
        << report.dump(2);
}

// Pruning deletes deliveries legitimately, so the store remembers how far it has gone: a
// delivery of a call after that cutoff that is gone was deleted early (decision 113).
TEST_F(AuditServer, ADeliveryDeletedBeforeItsRetentionEndedIsAFinding) {
    Reply token = api->post("/v1/webhooks/" + webhook_id + "/tokens", hooks_admin, Json::object());
    ASSERT_EQ(token.status, 201u) << token.body;
    const std::string secret = token.json.at("secret");
    ASSERT_EQ(api->hook(webhook_id, "Bearer " + secret, "{\"n\":1}").status, 202u);
    api->advance(admin, 8 * kDayMs);  // past the 7-day retention: the server prunes that one
    Reply kept = api->hook(webhook_id, "Bearer " + secret, "{\"n\":2}");
    ASSERT_EQ(kept.status, 202u);
    server->stop();
    server.reset();

    Json intact = audit_json({"verify"});
    EXPECT_EQ(intact["ok"], true) << intact.dump(2);
    EXPECT_EQ(intact["deliveries"]["deliveries_checked"], 1) << intact.dump(2);
    EXPECT_TRUE(intact["deliveries"].contains("pruned_before")) << intact.dump(2);
    {
        eventstore::testing::RawStore raw(data_dir() + "/store");
        const auto seq = eventstore::detail::decode_u64(
            raw.get(eventstore::detail::Family::delivery_seq, webhook_id));
        ASSERT_TRUE(seq.has_value());
        raw.remove(eventstore::detail::Family::deliveries,
                   eventstore::detail::delivery_key(webhook_id, *seq));
    }
    auto deleted = audit({"verify", "--format", "json"});
    EXPECT_EQ(deleted.exit_code, 1) << deleted.out << deleted.err;
    Json report = Json::parse(deleted.out);
    EXPECT_EQ(report["deliveries"]["ok"], false) << report.dump(2);
    EXPECT_NE(report["reason"].get<std::string>().find("the delivery of call " +
                                                       kept.json.at("call_id").get<std::string>()),
              std::string::npos)
        << report.dump(2);
    EXPECT_NE(report["reason"].get<std::string>().find("is missing"), std::string::npos);
}

}  // namespace
}  // namespace keyledger::testing

namespace keyledger::testing {
namespace {

// verify compares the log with checkpoints kept outside it: a log restored from an older copy
// is a valid chain, and only a later checkpoint tells that events are missing.
TEST(AuditCheckpoints, VerifyCatchesATruncatedLogWithACheckpointKeptElsewhere) {
    TempDir dir;
    const std::string data = dir.path().string() + "/data";
    const std::string older = dir.path().string() + "/older";
    ASSERT_EQ(run_keyledger({"init", "--data-dir", data}).exit_code, 0);  // system clock
    std::filesystem::copy(data, older, std::filesystem::copy_options::recursive);
    auto issued =
        run_keyledger({"admin", "issue-token", "--data-dir", data, "--username", "admin"});
    ASSERT_EQ(issued.exit_code, 0) << issued.err;
    auto checkpoint = run_keyledger({"audit", "checkpoint", "--data-dir", data});
    ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
    const std::string kept = dir.path().string() + "/kept.checkpoint";
    {
        std::ofstream out(kept);
        out << checkpoint.out;
    }
    const std::string key = data + "/keys/checkpoint.pub";

    auto intact = run_keyledger(
        {"audit", "verify", "--data-dir", data, "--checkpoint", kept, "--format", "json"});
    ASSERT_EQ(intact.exit_code, 0) << intact.out << intact.err;
    Json report = Json::parse(intact.out);
    ASSERT_EQ(report["checkpoints"].size(), 1u);
    EXPECT_EQ(report["checkpoints"][0]["source"], "given");
    EXPECT_EQ(report["checkpoints"][0]["ok"], true);

    // The older copy is an intact chain on its own...
    auto alone = run_keyledger({"audit", "verify", "--data-dir", older, "--format", "json"});
    EXPECT_EQ(alone.exit_code, 0) << alone.out;
    // ...but not the history the checkpoint signed.
    auto truncated = run_keyledger({"audit", "verify", "--data-dir", older, "--checkpoint", kept,
                                    "--public-key", key, "--format", "json"});
    EXPECT_EQ(truncated.exit_code, 1) << truncated.out;
    Json bad = Json::parse(truncated.out);
    EXPECT_EQ(bad["ok"], false);
    EXPECT_EQ(bad["chain"]["ok"], true);
    EXPECT_EQ(bad["checkpoints"][0]["ok"], false);
    EXPECT_NE(bad["reason"].get<std::string>().find("truncated"), std::string::npos) << bad.dump(2);

    // A checkpoint that cannot be checked is a failure too, never silently skipped.
    auto missing = run_keyledger(
        {"audit", "verify", "--data-dir", data, "--checkpoint", dir.path().string() + "/none"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.out.find("could not be checked"), std::string::npos) << missing.out;
}

// A related index that lost its mark of completeness is read through an in-memory index by
// every read-only open, so verify must look at the stored entries itself (decision 111).
TEST(AuditRelatedIndex, VerifyComparesTheStoredEntriesWhenTheMarkIsLost) {
    TempDir dir;
    const std::string data = dir.path().string() + "/data";
    auto init = run_keyledger({"init", "--data-dir", data});  // system clock
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const std::string admin_id = Json::parse(init.out).at("user_id");
    ASSERT_EQ(run_keyledger({"admin", "issue-token", "--data-dir", data, "--username", "admin"})
                  .exit_code,
              0);
    const auto family = eventstore::detail::Family::related_index;
    const std::string planted = eventstore::detail::stream_key(admin_id, 1);
    {
        eventstore::testing::RawStore raw(data + "/store");
        raw.remove(family, std::string(eventstore::detail::kRelatedCompleteKey));
        raw.put(family, planted, "");
    }
    auto verify = [&] {
        return run_keyledger({"audit", "verify", "--data-dir", data, "--format", "json"});
    };
    auto found = verify();
    EXPECT_EQ(found.exit_code, 1) << found.out << found.err;
    Json report = Json::parse(found.out);
    EXPECT_EQ(report["related_index"]["ok"], false) << report.dump(2);
    EXPECT_EQ(report["related_index"]["marked"], false);
    EXPECT_EQ(report["first_bad_position"], 1);
    EXPECT_NE(report["reason"].get<std::string>().find("holds a foreign event 1 for " + admin_id),
              std::string::npos)
        << report.dump(2);

    // Entries that agree with the log: ok, and the lost mark is said.
    {
        eventstore::testing::RawStore raw(data + "/store");
        raw.remove(family, planted);
    }
    auto intact = verify();
    EXPECT_EQ(intact.exit_code, 0) << intact.out << intact.err;
    report = Json::parse(intact.out);
    EXPECT_EQ(report["related_index"]["ok"], true) << report.dump(2);
    EXPECT_EQ(report["related_index"]["marked"], false);
    auto text = run_keyledger({"audit", "verify", "--data-dir", data});
    EXPECT_NE(text.out.find("note: the index has lost its mark of completeness"), std::string::npos)
        << text.out;

    // No index at all (a store older than it): not checked, and no finding.
    {
        eventstore::testing::RawStore raw(data + "/store");
        raw.drop(family);
    }
    auto older = verify();
    EXPECT_EQ(older.exit_code, 0) << older.out << older.err;
    report = Json::parse(older.out);
    EXPECT_EQ(report["related_index"]["checked"], false) << report.dump(2);
    EXPECT_NE(report["related_index"]["reason"].get<std::string>().find("no related index"),
              std::string::npos);
}

}  // namespace
}  // namespace keyledger::testing
