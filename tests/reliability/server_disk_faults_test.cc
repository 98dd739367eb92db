// The whole server on a failing disk: the engine, api::Service and the HTTP server in this
// process, on 127.0.0.1, with the store on a FaultyFileSystem. A full disk is answered with 503
// and resumed from once space returns; a failed fsync is answered with 503 until a restart. No
// call or command is acknowledged that the store did not keep.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/http/server.h"
#include "api/service.h"
#include "app/data_dir.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "eventstore/testing/faulty_file_system.h"
#include "eventstore/testing/open_with_env.h"
#include "security/key_file.h"
#include "security/keyed_hash.h"
#include "tests/e2e/api_client.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

namespace fs = std::filesystem;
using eventstore::testing::FaultyFileSystem;

constexpr domain::Instant kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

class ServerDiskFaults : public ::testing::Test {
  protected:
    void SetUp() override {
        auto line = app::initialise(dir_.path(), domain::kDefaultWindowMs, clock_);
        ASSERT_TRUE(line) << line.error();
        admin_ = Json::parse(*line).at("secret").get<std::string>();
        ASSERT_NO_FATAL_FAILURE(start(env_.get()));
    }
    void TearDown() override { stop(); }

    // The server on the data directory; `env` null runs it on the plain file system.
    void start(rocksdb::Env* env) {
        auto store =
            eventstore::testing::open_rocksdb_store_with_env(dir_.path() / "store", {}, env);
        ASSERT_TRUE(store) << store.error().message;
        auto key = security::load_or_create_key(dir_.path() / "keys" / "token.key",
                                                security::SecretHasher::kKeyBytes, false);
        ASSERT_TRUE(key) << key.error();
        auto hasher = security::SecretHasher::from_bytes(*key);
        ASSERT_TRUE(hasher);
        auto engine = engine::Engine::open(std::move(*store), clock_, {});
        ASSERT_TRUE(engine) << engine.error();
        engine_ = std::move(*engine);
        engine_->start();
        api::ServiceOptions options;
        options.password_cost = security::PasswordCost::minimal;
        options.manual_clock = &clock_;
        service_ = std::make_unique<api::Service>(*engine_, *hasher, options);
        api::http::ServerOptions server_options;
        server_options.address = "127.0.0.1";
        server_options.port = 0;
        auto server = api::http::Server::start(server_options, *service_);
        ASSERT_TRUE(server) << server.error();
        server_ = std::move(*server);
        api_ = std::make_unique<ApiClient>(server_->port());
    }
    void stop() {
        if (server_) {
            server_->stop();
        }
        server_.reset();
        service_.reset();
        if (engine_) {
            engine_->stop();
        }
        engine_.reset();
    }

    // Polls a webhook call until it is accepted again, for at most 20 s: RocksDB notices the
    // freed space by itself within seconds, the engine probes at most once a second.
    Reply call_until_accepted(const std::string& hook, const std::string& secret) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (;;) {
            Reply reply = api_->hook(hook, "Bearer " + secret);
            if (reply.status != 503 || std::chrono::steady_clock::now() > deadline) {
                return reply;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }

    std::vector<Json> events() {
        Reply reply = api_->get("/v1/events?after=0&limit=10000", admin_);
        EXPECT_EQ(reply.status, 200u) << reply.body;
        std::vector<Json> lines;
        std::istringstream in(reply.body);
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) {
                lines.push_back(Json::parse(line));
            }
        }
        return lines;
    }

    // The accepted calls of `hook` (management requests are recorded as calls too).
    std::set<std::string> accepted_calls(const std::string& hook) {
        std::set<std::string> ids;
        for (const Json& event : events()) {
            if (event.at("type") == "CallDecided" && event.at("data").at("outcome") == "accepted" &&
                event.at("data").value("webhook_id", "") == hook) {
                ids.insert(event.at("data").at("call_id").get<std::string>());
            }
        }
        return ids;
    }

    void expect_chain_holds() {
        Reply verify = api_->get("/v1/audit/verify", admin_);
        ASSERT_EQ(verify.status, 200u) << verify.body;
        EXPECT_EQ(verify.json.at("ok"), true) << verify.body;
        EXPECT_EQ(verify.json.at("events").get<std::size_t>(), events().size());
    }

    std::pair<std::string, std::string> install(const std::string& name) {
        Reply hook = api_->post("/v1/webhooks", admin_, {{"name", name}, {"auth", "bearer"}});
        EXPECT_EQ(hook.status, 201u) << hook.body;
        return {hook.json.value("id", ""),
                hook.json.value("app_token", Json::object()).value("secret", "")};
    }

    TempDir dir_;
    engine::ManualClock clock_{kStart};
    std::shared_ptr<FaultyFileSystem> file_system_ = std::make_shared<FaultyFileSystem>();
    std::unique_ptr<rocksdb::Env> env_ = eventstore::testing::make_env(file_system_);
    std::string admin_;
    std::unique_ptr<engine::Engine> engine_;
    std::unique_ptr<api::Service> service_;
    std::unique_ptr<api::http::Server> server_;
    std::unique_ptr<ApiClient> api_;
};

TEST_F(ServerDiskFaults, AFullDiskIsAnswered503AndWritesResumeWhenSpaceReturns) {
    const auto [hook, secret] = install("shop");
    Reply first = api_->hook(hook, "Bearer " + secret);
    ASSERT_EQ(first.status, 202u) << first.body;

    file_system_->disk_full(true);
    for (int i = 0; i < 3; ++i) {
        Reply refused = api_->hook(hook, "Bearer " + secret);
        EXPECT_EQ(refused.status, 503u) << refused.body;
        EXPECT_EQ(refused.json.value("error", ""), "store_unavailable") << refused.body;
    }
    Reply user =
        api_->post("/v1/users", admin_,
                   {{"username", "refused"}, {"kind", "service"}, {"roles", Json::array()}});
    EXPECT_EQ(user.status, 503u) << user.body;
    // The answer says why.
    EXPECT_NE(user.json.value("message", "").find("disk is full"), std::string::npos) << user.body;
    EXPECT_TRUE(engine_->disk_full());

    file_system_->disk_full(false);
    Reply resumed = call_until_accepted(hook, secret);
    ASSERT_EQ(resumed.status, 202u) << resumed.body;
    EXPECT_FALSE(engine_->disk_full());

    // Exactly the acknowledged calls are logged, and nothing of the refused user.
    const std::set<std::string> accepted = accepted_calls(hook);
    EXPECT_EQ(accepted, (std::set<std::string>{first.json.at("call_id").get<std::string>(),
                                               resumed.json.at("call_id").get<std::string>()}));
    Reply lookup = api_->get("/v1/users?username=refused", admin_);
    ASSERT_EQ(lookup.status, 200u) << lookup.body;
    EXPECT_TRUE(lookup.json.at("users").empty()) << lookup.body;
    expect_chain_holds();

    // And a restart on the plain disk finds the same log.
    const std::size_t logged = events().size();
    stop();
    ASSERT_NO_FATAL_FAILURE(start(nullptr));
    EXPECT_EQ(events().size(), logged);
    EXPECT_EQ(accepted_calls(hook), accepted);
    expect_chain_holds();
}

TEST_F(ServerDiskFaults, AFailedFsyncIsAnswered503UntilARestart) {
    const auto [hook, secret] = install("shop");
    Reply first = api_->hook(hook, "Bearer " + secret);
    ASSERT_EQ(first.status, 202u) << first.body;

    file_system_->fail_syncs(true);
    Reply refused = api_->hook(hook, "Bearer " + secret);
    EXPECT_EQ(refused.status, 503u) << refused.body;
    file_system_->fail_syncs(false);
    // The disk works again, but what failed to sync may be gone: refused until restarted.
    for (int i = 0; i < 3; ++i) {
        Reply still = api_->hook(hook, "Bearer " + secret);
        EXPECT_EQ(still.status, 503u) << still.body;
    }
    EXPECT_TRUE(engine_->failed());
    Reply said = api_->hook(hook, "Bearer " + secret);
    EXPECT_EQ(said.status, 503u);
    EXPECT_NE(said.json.value("message", "").find("restarted"), std::string::npos) << said.body;

    stop();
    ASSERT_NO_FATAL_FAILURE(start(nullptr));
    const std::set<std::string> accepted = accepted_calls(hook);
    EXPECT_TRUE(accepted.contains(first.json.at("call_id").get<std::string>()));
    // The call refused at the failed fsync may or may not have reached the disk; none after.
    EXPECT_LE(accepted.size(), 2u);
    expect_chain_holds();
    Reply after = api_->hook(hook, "Bearer " + secret);
    EXPECT_EQ(after.status, 202u) << after.body;
}

}  // namespace
}  // namespace keyledger::testing
