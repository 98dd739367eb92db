// Start-up rules of the server: a system clock far ahead of the log is refused unless the jump
// is declared real, and a manual clock behind the log never moves decisions back.

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "domain/instant.h"
#include "tests/e2e/api_client.h"
#include "tests/e2e/server_process.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

std::string days_ago(int days) {
    using namespace std::chrono;
    const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    return domain::format_instant(now - days * domain::kDayMs);
}

// A word that names no command is a usage error that says which word and what would do.
TEST(Startup, AnUnknownCommandIsNamedWithExitTwo) {
    CommandResult top = run_keyledger({"nosuch"});
    EXPECT_EQ(top.exit_code, 2);
    EXPECT_NE(top.err.find("unknown command 'nosuch' for keyledger (commands: "), std::string::npos)
        << top.err;
    EXPECT_NE(top.err.find("serve"), std::string::npos) << top.err;
    CommandResult nested = run_keyledger({"audit", "nosuch", "--data-dir", "/nonexistent"});
    EXPECT_EQ(nested.exit_code, 2);
    EXPECT_NE(nested.err.find("unknown command 'nosuch' for keyledger audit"), std::string::npos)
        << nested.err;
    EXPECT_EQ(run_keyledger({"audit", "verify", "--help"}).exit_code, 0);
    for (const char* listen : {"127.0.0.1:99999", "0.0.0.0", "127.0.0.1:8o8o"}) {
        CommandResult bad =
            run_keyledger({"serve", "--data-dir", "/nonexistent", "--listen", listen});
        EXPECT_EQ(bad.exit_code, 2) << listen << ": " << bad.err;
        EXPECT_NE(bad.err.find("--listen must be HOST:PORT"), std::string::npos) << bad.err;
    }
}

// Global options before the word change nothing: it is named all the same (decision 109).
TEST(Startup, AnUnknownCommandAfterGlobalOptionsIsNamed) {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"--log-level", "info", "nosuch"},
             {"--log-level=warn", "nosuch"},
             {"--log-level", "info", "--log-level", "off", "nosuch"}}) {
        CommandResult top = run_keyledger(args);
        EXPECT_EQ(top.exit_code, 2) << args.back();
        EXPECT_NE(top.err.find("unknown command 'nosuch' for keyledger (commands: "),
                  std::string::npos)
            << top.err;
    }
    CommandResult nested = run_keyledger({"--log-level", "info", "audit", "nosuch"});
    EXPECT_EQ(nested.exit_code, 2);
    EXPECT_NE(nested.err.find("unknown command 'nosuch' for keyledger audit"), std::string::npos)
        << nested.err;
    // --help still answers, and an unknown option is still CLI11's usage error.
    EXPECT_EQ(run_keyledger({"--log-level", "info", "--help", "nosuch"}).exit_code, 0);
    EXPECT_EQ(run_keyledger({"--nosuch", "audit"}).exit_code, 2);
}

TEST(Startup, RefusesASystemClockMoreThanTheWindowAheadOfTheLog) {
    TempDir dir;
    const std::string data = dir.path().string() + "/data";
    ASSERT_EQ(run_keyledger({"init", "--data-dir", data, "--at", days_ago(61)}).exit_code, 0);
    ServerProcess refused({"--data-dir", data});
    EXPECT_FALSE(refused.started());
    EXPECT_NE(refused.startup_error().find("--accept-clock-jump"), std::string::npos)
        << refused.startup_error();

    ServerProcess accepted({"--data-dir", data, "--accept-clock-jump"});
    ASSERT_TRUE(accepted.started()) << accepted.startup_error();
    EXPECT_EQ(tests::http::request(accepted.port(), "GET", "/readyz").status, 200u);
}

TEST(Startup, AcceptsASystemClockWithinTheWindow) {
    TempDir dir;
    const std::string data = dir.path().string() + "/data";
    ASSERT_EQ(run_keyledger({"init", "--data-dir", data, "--at", days_ago(59)}).exit_code, 0);
    ServerProcess server({"--data-dir", data});
    EXPECT_TRUE(server.started()) << server.startup_error();
}

TEST(Startup, AManualClockBehindTheLogDecidesAtTheLastEvent) {
    TempDir dir;
    const std::string data = dir.path().string() + "/data";
    auto init = run_keyledger({"init", "--data-dir", data, "--at", "2026-06-01T00:00:00.000Z"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const std::string admin = Json::parse(init.out).at("secret");
    ServerProcess server(
        {"--data-dir", data, "--clock", "manual", "--start", "2026-01-01T00:00:00.000Z"});
    ASSERT_TRUE(server.started()) << server.startup_error();
    ApiClient api(server.port());
    Reply created = api.post("/v1/users", admin, {{"username", "late"}, {"kind", "service"}});
    ASSERT_EQ(created.status, 201u) << created.body;
    EXPECT_EQ(created.json.at("created_at"), "2026-06-01T00:00:00.000Z");
}

TEST(Startup, RefusesATokenKeyThatIsNotTheStoresOwn) {
    TempDir dir;
    const std::string data = dir.path().string() + "/data";
    ASSERT_EQ(run_keyledger({"init", "--data-dir", data}).exit_code, 0);
    const auto key = std::filesystem::path(data) / "keys" / "token.key";
    {
        std::fstream file(key, std::ios::in | std::ios::out | std::ios::binary);
        char byte = 0;
        file.read(&byte, 1);
        byte = static_cast<char>(byte ^ 1);
        file.seekp(0);
        file.write(&byte, 1);
    }
    ServerProcess server({"--data-dir", data});
    EXPECT_FALSE(server.started());
    EXPECT_NE(server.startup_error().find("is not the token key of this store"), std::string::npos)
        << server.startup_error();

    // audit verify, which the README asks for after a restore, says so too.
    auto verify = run_keyledger({"audit", "verify", "--data-dir", data, "--format", "json"});
    EXPECT_EQ(verify.exit_code, 1) << verify.out << verify.err;
    const Json found = Json::parse(verify.out);
    EXPECT_FALSE(found.at("ok").get<bool>());
    EXPECT_FALSE(found.at("token_key").at("ok").get<bool>());
    EXPECT_NE(found.at("reason").get<std::string>().find("is not the token key of this store"),
              std::string::npos);
}

TEST(Startup, AuditVerifyChecksTheTokenKeyBesideTheStore) {
    TempDir dir;
    const std::string data = dir.path().string() + "/data";
    ASSERT_EQ(run_keyledger({"init", "--data-dir", data}).exit_code, 0);
    auto verify = run_keyledger({"audit", "verify", "--data-dir", data, "--format", "json"});
    ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_TRUE(Json::parse(verify.out).at("token_key").at("ok").get<bool>());

    // Without keys/token.key serve refuses to start, so verify fails (decision 118), unless the
    // auditor says the copy holds the store alone on purpose.
    std::filesystem::remove(std::filesystem::path(data) / "keys" / "token.key");
    verify = run_keyledger({"audit", "verify", "--data-dir", data, "--format", "json"});
    ASSERT_EQ(verify.exit_code, 1) << verify.out << verify.err;
    EXPECT_FALSE(Json::parse(verify.out).at("token_key").at("ok").get<bool>());
    verify = run_keyledger(
        {"audit", "verify", "--data-dir", data, "--format", "json", "--without-token-key"});
    ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_FALSE(Json::parse(verify.out).at("token_key").at("checked").get<bool>());
}

// Opens the store's RocksDB directly, as an insider would, and hands `edit` one column family.
void edit_family(const std::string& data, const std::string& family,
                 const std::function<void(rocksdb::DB&, rocksdb::ColumnFamilyHandle*)>& edit) {
    const std::string store = data + "/store";
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies({}, store, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& name : names) {
        families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open({}, store, families, &handles, &db).ok());
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == family) {
            edit(*db, handles[i]);
        }
    }
    for (auto* handle : handles) {
        EXPECT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
    }
    delete db;
}

void edit_events(const std::string& data,
                 const std::function<void(rocksdb::DB&, rocksdb::ColumnFamilyHandle*)>& edit) {
    edit_family(data, "events", edit);
}

// The events family's key of a position: eight bytes, big-endian (docs/SCHEMA.md).
std::string event_key(std::uint64_t position) {
    std::string key(8, '\0');
    for (int i = 7; i >= 0; --i, position >>= 8) {
        key[static_cast<std::size_t>(i)] = static_cast<char>(position & 0xff);
    }
    return key;
}

// Flips one character of the first "usr_" id in the event: it still decodes; only its hash
// tells. Returns the original bytes.
std::string alter_event(const std::string& data, std::uint64_t position) {
    std::string original;
    edit_events(data, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events) {
        ASSERT_TRUE(db.Get({}, events, event_key(position), &original).ok());
        std::string altered = original;
        const std::size_t at = altered.find("usr_");
        ASSERT_NE(at, std::string::npos);
        altered[at + 4] ^= 0x01;
        ASSERT_TRUE(db.Put({}, events, event_key(position), altered).ok());
    });
    return original;
}

// Start-up folds the events after its snapshot and checks their links; the events before are
// checked in the background after the server listens: damage there makes /readyz 503
// store_damaged, while calls go on being decided from the state start-up verified.
TEST(Startup, DamageBeforeTheSnapshotIsFoundInTheBackgroundAndAfterItStopsTheStart) {
    TempDir dir;
    const std::string data = dir.path().string() + "/data";
    auto init = run_keyledger({"init", "--data-dir", data});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const std::string admin = Json::parse(init.out).at("secret");
    std::uint64_t head = 0;
    std::string ann;
    std::string webhook;
    std::string app_token;
    {
        ServerProcess server({"--data-dir", data});
        ASSERT_TRUE(server.started()) << server.startup_error();
        ApiClient api(server.port());
        for (const char* name : {"ann", "ben"}) {
            Reply made =
                api.post("/v1/users", admin,
                         {{"username", name}, {"kind", "person"}, {"password", "long enough pw"}});
            ASSERT_EQ(made.status, 201u) << made.body;
            if (ann.empty()) {
                ann = made.json.at("id");
            }
        }
        Reply hook = api.post("/v1/webhooks", admin, {{"name", "orders"}, {"auth", "bearer"}});
        ASSERT_EQ(hook.status, 201u) << hook.body;
        webhook = hook.json.at("id");
        app_token = hook.json.at("app_token").at("id");
        head = api.get("/readyz", "").json.value("position", std::uint64_t{0});
        EXPECT_EQ(server.stop(), 0);  // a clean stop writes the snapshot at the head
    }
    ASSERT_GE(head, 3u);

    const std::string original = alter_event(data, 2);
    {
        ServerProcess server({"--data-dir", data});
        ASSERT_TRUE(server.started()) << server.startup_error();
        ApiClient api(server.port());
        Reply ready;
        for (int i = 0; i < 200; ++i) {
            ready = api.get("/readyz", "");
            if (ready.status == 503u) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        EXPECT_EQ(ready.status, 503u) << ready.body;
        EXPECT_EQ(ready.json.value("error", ""), "store_damaged") << ready.body;
        // The history check or the checkpoint writer, whichever reads the log first, says so.
        EXPECT_TRUE(ready.body.find("event 2: its hash does not match") != std::string::npos ||
                    ready.body.find("no longer match the newest stored checkpoint") !=
                        std::string::npos)
            << ready.body;
        EXPECT_NE(api.get("/metrics", "").body.find("keyledger_history_damaged 1"),
                  std::string::npos);
        // A past view would fold the altered history: refused, not served as fact.
        Reply past = api.get("/v1/users/" + ann + "?at_position=3", admin);
        EXPECT_EQ(past.status, 503u) << past.body;
        EXPECT_EQ(past.json.value("error", ""), "store_unavailable") << past.body;
        // So are the audit answers, which fold or list recorded history too.
        for (const std::string& path :
             {"/v1/audit/explain?token_id=" + app_token + "&webhook_id=" + webhook,
              "/v1/audit/calls?webhook_id=" + webhook}) {
            Reply audit = api.get(path, admin);
            EXPECT_EQ(audit.status, 503u) << path << " " << audit.body;
            EXPECT_EQ(audit.json.value("error", ""), "store_unavailable") << audit.body;
            EXPECT_NE(audit.body.find("history is damaged"), std::string::npos) << audit.body;
        }
        EXPECT_EQ(api.post("/v1/users", admin,
                           {{"username", "cy"}, {"kind", "person"}, {"password", "long enough pw"}})
                      .status,
                  201u);
        EXPECT_EQ(server.stop(), 0);
    }
    edit_events(data, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events) {
        ASSERT_TRUE(db.Put({}, events, event_key(2), original).ok());
    });
    {
        ServerProcess server({"--data-dir", data});
        ASSERT_TRUE(server.started()) << server.startup_error();
        ApiClient api(server.port());
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        EXPECT_EQ(api.get("/readyz", "").status, 200u);
        EXPECT_NE(api.get("/metrics", "").body.find("keyledger_history_damaged 0"),
                  std::string::npos);
        // Now the events from the last snapshot on are altered: start-up folds them.
        Reply made =
            api.post("/v1/users", admin,
                     {{"username", "dee"}, {"kind", "person"}, {"password", "long enough pw"}});
        ASSERT_EQ(made.status, 201u) << made.body;
        head = api.get("/readyz", "").json.value("position", std::uint64_t{0});
        server.kill_hard();  // no snapshot at the head this time
    }
    alter_event(data, head - 1);
    ServerProcess refused({"--data-dir", data});
    EXPECT_FALSE(refused.started());
    EXPECT_NE(refused.startup_error().find("the log was altered"), std::string::npos)
        << refused.startup_error();
}

TEST(Startup, RefusesAStoreWhoseTokenKeyCheckWasRemoved) {
    TempDir dir;
    const std::string data = dir.path().string() + "/data";
    ASSERT_EQ(run_keyledger({"init", "--data-dir", data}).exit_code, 0);
    // As an insider would: a plain RocksDB delete of the check in the meta column family.
    edit_family(data, "meta", [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta) {
        EXPECT_TRUE(db.Delete({}, meta, "token_key_check").ok());
    });
    ServerProcess server({"--data-dir", data});
    EXPECT_FALSE(server.started());
    EXPECT_NE(server.startup_error().find("no token key check"), std::string::npos)
        << server.startup_error();
}

TEST(Startup, TheManualClockStopsAtTheLastWritableInstant) {
    TempDir dir;
    const std::string data = dir.path().string() + "/data";
    auto init = run_keyledger({"init", "--data-dir", data, "--at", "9999-12-01T00:00:00.000Z"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    const std::string admin = Json::parse(init.out).at("secret");
    ServerProcess server(
        {"--data-dir", data, "--clock", "manual", "--start", "9999-12-01T00:00:00.000Z"});
    ASSERT_TRUE(server.started()) << server.startup_error();
    ApiClient api(server.port());
    Reply beyond = api.post("/v1/clock", admin, {{"advance_ms", 31 * domain::kDayMs}});
    EXPECT_EQ(beyond.status, 400u) << beyond.body;
    Reply overflow = api.post("/v1/clock", admin, {{"advance_ms", INT64_MAX}});
    EXPECT_EQ(overflow.status, 400u) << overflow.body;
    Reply last = api.post("/v1/clock", admin, {{"to", "9999-12-31T23:59:59.999Z"}});
    EXPECT_EQ(last.json.value("now", ""), "9999-12-31T23:59:59.999Z") << last.body;
}

}  // namespace
}  // namespace keyledger::testing
