// Durability and concurrency against the real server process over real HTTP on 127.0.0.1:
// a SIGKILL in the middle of heavy traffic loses nothing that was acknowledged, group commit
// really batches, racing requests get consistent answers, a held store or a taken port is
// refused clearly, and the operator's local recovery commands bring a locked-out store back.

#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/e2e/api_client.h"
#include "tests/e2e/server_process.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

using tests::http::TestConnection;
using SteadyClock = std::chrono::steady_clock;

constexpr std::int64_t kDay = 86'400'000;
constexpr const char* kStart = "2026-01-01T00:00:00.000Z";
// Every wait in this file ends by this much at the latest.
constexpr auto kPhaseLimit = std::chrono::seconds(60);

// One client's keep-alive connection; it connects again after the server closed it. Not
// thread-safe: one per client thread.
class KeepAlive {
  public:
    explicit KeepAlive(unsigned short port) : port_(port) {}

    HttpResult request(std::string_view method, const std::string& target,
                       const std::string& bearer, const std::string& body = {}) {
        if (!connection_) {
            connection_ = std::make_unique<TestConnection>(port_);
        }
        if (!connection_->connected()) {
            HttpResult failed;
            failed.error = connection_->connect_error();
            connection_.reset();
            return failed;
        }
        HeaderList headers;
        if (!bearer.empty()) {
            headers.emplace_back("Authorization", "Bearer " + bearer);
        }
        if (!body.empty()) {
            headers.emplace_back("Content-Type", "application/json");
        }
        HttpResult result = connection_->request(method, target, headers, body);
        if (!result.ok() || result.header("connection").value_or("") == "close") {
            connection_.reset();
        }
        return result;
    }

  private:
    unsigned short port_;
    std::unique_ptr<TestConnection> connection_;
};

Json parse(const std::string& body) {
    return Json::parse(body, nullptr, false);
}

std::vector<Json> ndjson(const std::string& body) {
    std::vector<Json> lines;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            lines.push_back(parse(line));
        }
    }
    return lines;
}

// A counter or gauge without labels from the Prometheus text, or -1 when it is missing.
double metric(const std::string& text, const std::string& name) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(name + " ", 0) == 0) {
            return std::stod(line.substr(name.size() + 1));
        }
    }
    return -1;
}

// The system clock `days` ago, whole seconds, in the API's form.
std::string instant_days_ago(int days) {
    const std::time_t t = std::time(nullptr) - static_cast<std::time_t>(days) * 86'400;
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.000Z", &utc);
    return text;
}

std::size_t line_count(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class Crash : public ::testing::Test {
  protected:
    void init(const std::string& at) {
        auto result = run_keyledger({"init", "--data-dir", data_dir(), "--at", at});
        ASSERT_EQ(result.exit_code, 0) << result.err;
        Json first = parse(result.out);
        admin_secret = first.at("secret");
        admin_id = first.at("user_id");
    }
    void start(const std::string& at, const std::vector<std::string>& more = {}) {
        server.reset();
        std::vector<std::string> args{"--data-dir", data_dir(), "--clock",         "manual",
                                      "--start",    at,         "--password-cost", "minimal"};
        args.insert(args.end(), more.begin(), more.end());
        server = std::make_unique<ServerProcess>(args);
        ASSERT_TRUE(server->started()) << server->startup_error();
        api = std::make_unique<ApiClient>(server->port());
    }
    std::string data_dir() const { return dir.path().string() + "/data"; }

    // Every event of the log, paged with after and limit.
    std::vector<Json> all_events() {
        std::vector<Json> events;
        for (int page = 0; page < 1000; ++page) {
            Reply reply = api->get(
                "/v1/events?after=" + std::to_string(events.size()) + "&limit=10000", admin_secret);
            EXPECT_EQ(reply.status, 200u) << reply.body;
            std::vector<Json> lines = ndjson(reply.body);
            if (reply.status != 200 || lines.empty()) {
                break;
            }
            events.insert(events.end(), lines.begin(), lines.end());
        }
        return events;
    }

    // Every delivery of a webhook, paged with after and limit.
    std::set<std::string> delivered_call_ids(const std::string& webhook_id) {
        std::set<std::string> ids;
        std::uint64_t after = 0;
        for (int page = 0; page < 1000; ++page) {
            Reply reply = api->get("/v1/webhooks/" + webhook_id + "/deliveries?after=" +
                                       std::to_string(after) + "&limit=10000",
                                   admin_secret);
            EXPECT_EQ(reply.status, 200u) << reply.body;
            std::vector<Json> lines = ndjson(reply.body);
            if (reply.status != 200 || lines.empty()) {
                break;
            }
            for (const Json& line : lines) {
                ids.insert(line.at("call_id").get<std::string>());
                after = line.at("seq").get<std::uint64_t>();
            }
        }
        return ids;
    }

    void expect_positions_dense(const std::vector<Json>& events) {
        for (std::size_t i = 0; i < events.size(); ++i) {
            ASSERT_EQ(events[i].at("position").get<std::uint64_t>(), i + 1)
                << "a gap or a repeat in the log at index " << i;
        }
    }

    void expect_chain_ok(std::size_t events) {
        Reply verify = api->get("/v1/audit/verify", admin_secret);
        ASSERT_EQ(verify.status, 200u) << verify.body;
        EXPECT_EQ(verify.json.at("ok"), true) << verify.body;
        EXPECT_EQ(verify.json.at("events").get<std::size_t>(), events) << verify.body;
    }

    std::string metrics_text() {
        Reply reply = api->get("/metrics", "");
        EXPECT_EQ(reply.status, 200u);
        return reply.body;
    }

    // Installs a webhook; returns its id and its first app token's secret.
    std::pair<std::string, std::string> install(const std::string& name,
                                                const std::string& owner_id = {}) {
        Json body{{"name", name}, {"auth", "bearer"}};
        if (!owner_id.empty()) {
            body["owner_id"] = owner_id;
        }
        Reply hook = api->post("/v1/webhooks", admin_secret, body);
        EXPECT_EQ(hook.status, 201u) << hook.body;
        return {hook.json.value("id", ""),
                hook.json.value("app_token", Json::object()).value("secret", "")};
    }

    std::string create_user(const std::string& username) {
        Reply user =
            api->post("/v1/users", admin_secret,
                      {{"username", username}, {"kind", "person"}, {"roles", Json::array()}});
        EXPECT_EQ(user.status, 201u) << user.body;
        return user.json.value("id", "");
    }

    TempDir dir;
    std::unique_ptr<ServerProcess> server;
    std::unique_ptr<ApiClient> api;
    std::string admin_secret;
    std::string admin_id;
};

// ---------------------------------------------------------------------------------------------
// 1. Nothing acknowledged is lost across a SIGKILL.

TEST_F(Crash, EveryAcknowledgedWriteSurvivesASigkill) {
    ASSERT_NO_FATAL_FAILURE(init(kStart));
    ASSERT_NO_FATAL_FAILURE(start(kStart));
    const auto [hook_a, secret_a] = install("shop");
    const auto [hook_b, secret_b] = install("crm");
    ASSERT_FALSE(secret_a.empty());
    ASSERT_FALSE(secret_b.empty());

    constexpr int kRounds = 3;
    constexpr int kCallers = 8;
    constexpr int kCallsPerCaller = 500;
    constexpr int kCreators = 2;
    constexpr int kUsersPerCreator = 300;
    constexpr int kKillAfterAcks = 1500;
    // What the clients were told, over every round: webhook and call_id; user id and username.
    std::vector<std::pair<std::string, std::string>> acked_calls;
    std::map<std::string, std::string> acked_users;

    for (int round = 0; round < kRounds; ++round) {
        const unsigned short port = server->port();
        const auto deadline = SteadyClock::now() + kPhaseLimit;
        const std::size_t calls_before = acked_calls.size();
        std::atomic<bool> killed{false};
        std::atomic<int> acked{0};
        std::atomic<int> unexpected{0};
        std::mutex mutex;

        // Callers send webhook calls as fast as they get answers; creators create accounts.
        auto caller = [&](int n) {
            KeepAlive client(port);
            const std::string& hook = n % 2 == 0 ? hook_a : hook_b;
            const std::string& secret = n % 2 == 0 ? secret_a : secret_b;
            std::vector<std::string> mine;
            for (int i = 0; i < kCallsPerCaller && SteadyClock::now() < deadline; ++i) {
                const std::string body = "{\"round\":" + std::to_string(round) +
                                         ",\"caller\":" + std::to_string(n) +
                                         ",\"i\":" + std::to_string(i) + "}";
                HttpResult r = client.request("POST", "/v1/hooks/" + hook, secret, body);
                if (r.status == 202) {
                    mine.push_back(parse(r.body).at("call_id").get<std::string>());
                    acked++;
                } else if (killed) {
                    break;
                } else {
                    unexpected++;
                    ADD_FAILURE() << "before the kill: " << r.status << " " << r.error << r.body;
                }
            }
            std::lock_guard lock(mutex);
            for (auto& id : mine) {
                acked_calls.emplace_back(hook, std::move(id));
            }
        };
        auto creator = [&](int n) {
            KeepAlive client(port);
            for (int i = 0; i < kUsersPerCreator && SteadyClock::now() < deadline; ++i) {
                const std::string name =
                    "u" + std::to_string(round) + "-" + std::to_string(n) + "-" + std::to_string(i);
                const Json body{{"username", name}, {"kind", "service"}, {"roles", Json::array()}};
                HttpResult r = client.request("POST", "/v1/users", admin_secret, body.dump());
                if (r.status == 201) {
                    std::lock_guard lock(mutex);
                    acked_users[parse(r.body).at("id").get<std::string>()] = name;
                } else if (killed) {
                    break;
                } else {
                    unexpected++;
                    ADD_FAILURE() << "before the kill: " << r.status << " " << r.error << r.body;
                }
            }
        };
        std::vector<std::thread> threads;
        for (int n = 0; n < kCallers; ++n) {
            threads.emplace_back(caller, n);
        }
        for (int n = 0; n < kCreators; ++n) {
            threads.emplace_back(creator, n);
        }

        // SIGKILL in the middle of it.
        while (acked < kKillAfterAcks && SteadyClock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        const std::string metrics = metrics_text();
        killed = true;
        server->kill_hard();
        for (auto& t : threads) {
            t.join();
        }
        EXPECT_EQ(unexpected, 0);
        const std::size_t calls = acked_calls.size() - calls_before;
        ASSERT_GT(calls, 0u);
        EXPECT_LT(calls, static_cast<std::size_t>(kCallers * kCallsPerCaller))
            << "every caller finished before the kill";
        std::cout << "[ crash ] round " << round << ": " << calls
                  << " calls acknowledged before the kill; events/batches since the start "
                  << metric(metrics, "keyledger_events_total") << "/"
                  << metric(metrics, "keyledger_commit_batches_total") << "\n";

        // The same data directory, a manual clock at the last instant used.
        ASSERT_NO_FATAL_FAILURE(start(kStart));
        const std::vector<Json> events = all_events();
        expect_positions_dense(events);
        expect_chain_ok(events.size());
        std::set<std::string> accepted;
        for (const Json& e : events) {
            if (e.at("type") == "CallDecided" && e.at("data").at("outcome") == "accepted") {
                accepted.insert(e.at("data").at("call_id").get<std::string>());
            }
        }
        std::size_t lost = 0;
        for (const auto& [hook, call_id] : acked_calls) {
            if (!accepted.contains(call_id)) {
                ++lost;
                ADD_FAILURE() << "call " << call_id << " was acknowledged with 202, not logged";
            }
        }
        EXPECT_EQ(lost, 0u);
        // Bodies are written in the same batch as their call events.
        const std::set<std::string> delivered_a = delivered_call_ids(hook_a);
        const std::set<std::string> delivered_b = delivered_call_ids(hook_b);
        for (const auto& [hook, call_id] : acked_calls) {
            const auto& delivered = hook == hook_a ? delivered_a : delivered_b;
            EXPECT_TRUE(delivered.contains(call_id)) << "no delivery for acknowledged " << call_id;
        }
        for (const auto& [id, username] : acked_users) {
            Reply user = api->get("/v1/users/" + id, admin_secret);
            ASSERT_EQ(user.status, 200u) << "user " << username << " was acknowledged with 201";
            EXPECT_EQ(user.json.at("username"), username);
        }
        std::cout << "[ crash ] round " << round << " restarted: " << events.size() << " events, "
                  << accepted.size() << " accepted calls logged, " << acked_calls.size()
                  << " acknowledged, " << acked_users.size() << " users acknowledged\n";
    }

    // And the restarted server goes on writing after the last position.
    const std::size_t before = all_events().size();
    Reply again = api->hook(hook_a, "Bearer " + secret_a);
    ASSERT_EQ(again.status, 202u) << again.body;
    const std::vector<Json> later = all_events();
    ASSERT_EQ(later.size(), before + 1);
    expect_positions_dense(later);
    expect_chain_ok(later.size());
}

// ---------------------------------------------------------------------------------------------
// 2. Group commit batches concurrent decisions into one synced write.

TEST_F(Crash, GroupCommitPutsManyDecisionsInOneWrite) {
    ASSERT_NO_FATAL_FAILURE(init(kStart));
    // fsync stays on: serve syncs every batch by default and no flag turns it off.
    ASSERT_NO_FATAL_FAILURE(start(kStart));
    const auto [hook, secret] = install("shop");
    const std::string before = metrics_text();

    constexpr int kClients = 16;
    constexpr int kCallsPerClient = 200;
    const unsigned short port = server->port();
    const auto deadline = SteadyClock::now() + kPhaseLimit;
    std::atomic<int> accepted{0};
    std::latch ready(kClients);
    std::vector<std::thread> threads;
    for (int n = 0; n < kClients; ++n) {
        threads.emplace_back([&] {
            KeepAlive client(port);
            ready.arrive_and_wait();
            for (int i = 0; i < kCallsPerClient && SteadyClock::now() < deadline; ++i) {
                HttpResult r = client.request("POST", "/v1/hooks/" + hook, secret, "{\"n\":1}");
                EXPECT_EQ(r.status, 202u) << r.error << r.body;
                accepted += r.status == 202 ? 1 : 0;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }

    const std::string after = metrics_text();
    const double events =
        metric(after, "keyledger_events_total") - metric(before, "keyledger_events_total");
    const double batches = metric(after, "keyledger_commit_batches_total") -
                           metric(before, "keyledger_commit_batches_total");
    ASSERT_GT(batches, 0);
    EXPECT_GE(events, accepted.load());
    EXPECT_GT(events / batches, 1.5) << events << " events in " << batches << " batches";
    std::cout << "[ group commit ] " << kClients << " clients, " << accepted << " calls: " << events
              << " events in " << batches << " batches = " << events / batches
              << " events per batch\n";
}

// ---------------------------------------------------------------------------------------------
// 3. Racing requests get consistent answers.

TEST_F(Crash, OneUsernameTakenOnceUnderARace) {
    ASSERT_NO_FATAL_FAILURE(init(kStart));
    ASSERT_NO_FATAL_FAILURE(start(kStart));
    constexpr int kThreads = 16;
    const unsigned short port = server->port();
    for (int round = 0; round < 5; ++round) {
        const std::string name = "twin-" + std::to_string(round);
        std::atomic<int> created{0};
        std::atomic<int> taken{0};
        std::latch ready(kThreads);
        std::vector<std::thread> threads;
        for (int n = 0; n < kThreads; ++n) {
            threads.emplace_back([&] {
                KeepAlive client(port);
                const Json body{{"username", name}, {"kind", "person"}, {"roles", Json::array()}};
                ready.arrive_and_wait();
                HttpResult r = client.request("POST", "/v1/users", admin_secret, body.dump());
                if (r.status == 201) {
                    created++;
                } else if (r.status == 409 &&
                           parse(r.body).value("error", "") == "username_taken") {
                    taken++;
                } else {
                    ADD_FAILURE() << r.status << " " << r.error << r.body;
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        EXPECT_EQ(created, 1) << name;
        EXPECT_EQ(taken, kThreads - 1) << name;
        Reply found = api->get("/v1/users?username=" + name, admin_secret);
        ASSERT_EQ(found.status, 200u) << found.body;
        EXPECT_EQ(found.json.at("users").size(), 1u) << found.body;
    }
}

TEST_F(Crash, RevokingATokenInUseSplitsItsCallsCleanly) {
    ASSERT_NO_FATAL_FAILURE(init(kStart));
    ASSERT_NO_FATAL_FAILURE(start(kStart));
    const std::string svc = create_user("shop-integration");
    const auto [hook, secret] = install("shop", svc);
    Reply first = api->hook(hook, "Bearer " + secret);
    ASSERT_EQ(first.status, 202u) << first.body;
    Reply webhook = api->get("/v1/webhooks/" + hook, admin_secret);
    const std::string token_id = webhook.json.at("token_ids").at(0);

    constexpr int kCallers = 8;
    constexpr int kRevokers = 4;
    constexpr int kCallsPerCaller = 400;
    const unsigned short port = server->port();
    const auto deadline = SteadyClock::now() + kPhaseLimit;
    std::atomic<int> accepted{1};
    std::atomic<int> refused{0};
    std::atomic<int> revoked_answers{0};
    std::mutex mutex;
    std::set<std::string> accepted_ids{first.json.at("call_id").get<std::string>()};
    std::latch ready(kCallers + kRevokers);
    std::vector<std::thread> threads;
    for (int n = 0; n < kCallers; ++n) {
        threads.emplace_back([&] {
            KeepAlive client(port);
            ready.arrive_and_wait();
            int refused_here = 0;
            for (int i = 0;
                 i < kCallsPerCaller && refused_here < 20 && SteadyClock::now() < deadline; ++i) {
                HttpResult r = client.request("POST", "/v1/hooks/" + hook, secret, "{}");
                if (r.status == 202) {
                    // Once this client saw the token refused, nothing may accept it again.
                    EXPECT_EQ(refused_here, 0) << "accepted after a token_revoked answer";
                    accepted++;
                    std::lock_guard lock(mutex);
                    accepted_ids.insert(parse(r.body).at("call_id").get<std::string>());
                } else if (r.status == 401) {
                    EXPECT_EQ(parse(r.body).value("error", ""), "token_revoked") << r.body;
                    ++refused_here;
                    refused++;
                } else {
                    ADD_FAILURE() << r.status << " " << r.error << r.body;
                }
            }
        });
    }
    for (int n = 0; n < kRevokers; ++n) {
        threads.emplace_back([&] {
            KeepAlive client(port);
            ready.arrive_and_wait();
            // Let some calls through first, then all revokers at once.
            while (accepted < 200 && SteadyClock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
            HttpResult r = client.request("DELETE", "/v1/tokens/" + token_id, admin_secret);
            EXPECT_EQ(r.status, 204u) << r.error << r.body;
            revoked_answers += r.status == 204 ? 1 : 0;
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(revoked_answers, kRevokers);
    EXPECT_GT(refused, 0);

    // The log agrees with every answer: accepted calls before the one revocation, refused after.
    const std::vector<Json> events = all_events();
    expect_positions_dense(events);
    std::uint64_t revoked_at = 0;
    int revocations = 0;
    for (const Json& e : events) {
        if (e.at("type") == "TokenRevoked" && e.at("data").value("token_id", "") == token_id) {
            revoked_at = e.at("position");
            ++revocations;
        }
    }
    EXPECT_EQ(revocations, 1);
    int logged_accepted = 0;
    int logged_refused = 0;
    for (const Json& e : events) {
        if (e.at("type") != "CallDecided" || e.at("data").at("token_id") != token_id) {
            continue;
        }
        const std::uint64_t position = e.at("position");
        if (e.at("data").at("outcome") == "accepted") {
            ++logged_accepted;
            EXPECT_LT(position, revoked_at);
            EXPECT_TRUE(accepted_ids.contains(e.at("data").at("call_id").get<std::string>()));
        } else {
            ++logged_refused;
            EXPECT_EQ(e.at("data").at("outcome"), "token_revoked");
            EXPECT_GT(position, revoked_at);
        }
    }
    EXPECT_EQ(logged_accepted, accepted.load());
    EXPECT_EQ(logged_refused, refused.load());
    Reply token = api->get("/v1/tokens/" + token_id, admin_secret);
    EXPECT_EQ(token.json.at("status"), "token_revoked") << token.body;
    std::cout << "[ revoke race ] " << accepted << " accepted, then " << refused
              << " refused token_revoked\n";
}

TEST_F(Crash, NoDeletedAccountKeepsALiveToken) {
    ASSERT_NO_FATAL_FAILURE(init(kStart));
    ASSERT_NO_FATAL_FAILURE(start(kStart));
    // Per account: one revokes its only token, one deletes it until it may, and on every
    // other account a third issues it a new token at the same time.
    constexpr int kAccounts = 12;
    struct Account {
        std::string id;
        std::string token_id;
        unsigned delete_status = 0;
        unsigned issue_status = 0;
        std::string issued_token_id;
        std::set<std::string> blocking;  // tokens named by 409 user_has_active_tokens
    };
    std::vector<Account> accounts(kAccounts);
    for (int a = 0; a < kAccounts; ++a) {
        accounts[a].id = create_user("leaver-" + std::to_string(a));
        Reply token =
            api->post("/v1/users/" + accounts[a].id + "/tokens", admin_secret, Json::object());
        ASSERT_EQ(token.status, 201u) << token.body;
        accounts[a].token_id = token.json.at("id");
    }

    const unsigned short port = server->port();
    const auto deadline = SteadyClock::now() + kPhaseLimit;
    std::latch ready(kAccounts * 3);
    std::vector<std::thread> threads;
    for (int a = 0; a < kAccounts; ++a) {
        Account& account = accounts[a];
        const bool issue = a % 2 == 0;
        threads.emplace_back([&] {
            KeepAlive client(port);
            ready.arrive_and_wait();
            HttpResult r = client.request("DELETE", "/v1/tokens/" + account.token_id, admin_secret);
            EXPECT_EQ(r.status, 204u) << r.error << r.body;
        });
        threads.emplace_back([&, issue] {
            KeepAlive client(port);
            ready.arrive_and_wait();
            if (!issue) {
                return;
            }
            HttpResult r =
                client.request("POST", "/v1/users/" + account.id + "/tokens", admin_secret, "{}");
            account.issue_status = r.status;
            if (r.status == 201) {
                account.issued_token_id = parse(r.body).at("id");
            } else {
                EXPECT_EQ(r.status, 409u) << r.error << r.body;
                EXPECT_EQ(parse(r.body).value("error", ""), "owner_not_active") << r.body;
            }
        });
        threads.emplace_back([&] {
            KeepAlive client(port);
            ready.arrive_and_wait();
            for (int attempt = 0; attempt < 2000 && SteadyClock::now() < deadline; ++attempt) {
                HttpResult r = client.request("DELETE", "/v1/users/" + account.id, admin_secret);
                account.delete_status = r.status;
                if (r.status != 409) {
                    EXPECT_EQ(r.status, 204u) << r.error << r.body;
                    break;
                }
                Json refusal = parse(r.body);
                ASSERT_EQ(refusal.value("error", ""), "user_has_active_tokens") << r.body;
                std::set<std::string> blocking;
                for (const Json& t : refusal.at("tokens")) {
                    blocking.insert(t.at("id").get<std::string>());
                }
                account.blocking.insert(blocking.begin(), blocking.end());
                // Blocked for good by a token issued after the revocation.
                if (!blocking.empty() && !blocking.contains(account.token_id)) {
                    break;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }

    int deleted = 0;
    for (const Account& account : accounts) {
        Reply user = api->get("/v1/users/" + account.id, admin_secret);
        ASSERT_EQ(user.status, 200u) << user.body;
        const bool is_deleted = user.json.at("status") == "deleted";
        deleted += is_deleted ? 1 : 0;
        EXPECT_EQ(is_deleted, account.delete_status == 204u) << user.body;
        std::set<std::string> ours{account.token_id};
        if (!account.issued_token_id.empty()) {
            ours.insert(account.issued_token_id);
        }
        for (const std::string& blocking : account.blocking) {
            EXPECT_TRUE(ours.contains(blocking)) << blocking;
        }
        std::set<std::string> live;
        for (const std::string& token_id : ours) {
            Reply token = api->get("/v1/tokens/" + token_id, admin_secret);
            ASSERT_EQ(token.status, 200u) << token.body;
            const std::string status = token.json.at("status");
            if (status != "token_revoked") {
                live.insert(token_id);
            }
        }
        std::set<std::string> listed;
        for (const Json& id : user.json.at("live_token_ids")) {
            listed.insert(id.get<std::string>());
        }
        EXPECT_EQ(listed, live) << user.body;
        if (is_deleted) {
            EXPECT_TRUE(live.empty()) << "deleted account " << account.id << " has live tokens";
            EXPECT_NE(account.issue_status, 201u) << "a token was issued to a deleted account";
        }
        if (account.issue_status == 201) {
            EXPECT_FALSE(is_deleted);
        }
        if (account.issue_status == 409) {
            EXPECT_TRUE(is_deleted);
        }
    }
    // Accounts that got no new token were all deleted once their last token was revoked.
    EXPECT_GE(deleted, kAccounts / 2);
    std::cout << "[ delete race ] " << deleted << " of " << kAccounts << " accounts deleted\n";
}

// ---------------------------------------------------------------------------------------------
// 4. The command line refuses clearly what it cannot do.

TEST_F(Crash, AHeldStoreATakenPortAndAStrangeDirectoryAreRefused) {
    ASSERT_NO_FATAL_FAILURE(init(kStart));
    ASSERT_NO_FATAL_FAILURE(start(kStart));
    const auto bounded = std::chrono::seconds(30);
    auto expect_one_line = [](const CommandResult& r, const std::string& mentions) {
        EXPECT_NE(r.exit_code, 0) << r.out << r.err;
        EXPECT_EQ(line_count(r.err), 1u) << r.err;
        EXPECT_NE(r.err.find(mentions), std::string::npos) << r.err;
    };

    // A second server, or an operator command, on the store a running server holds.
    expect_one_line(run_keyledger({"serve", "--data-dir", data_dir(), "--listen", "127.0.0.1:0",
                                   "--clock", "manual", "--start", kStart},
                                  bounded),
                    "another process");
    expect_one_line(
        run_keyledger({"admin", "reactivate", "--data-dir", data_dir(), "--username", "admin"},
                      bounded),
        "another process");
    expect_one_line(
        run_keyledger({"admin", "issue-token", "--data-dir", data_dir(), "--username", "admin"},
                      bounded),
        "another process");

    // init on an initialised directory, with the server running and without.
    expect_one_line(run_keyledger({"init", "--data-dir", data_dir()}, bounded),
                    "already initialised");

    // A port that is taken.
    const std::string other = dir.path().string() + "/other";
    ASSERT_EQ(run_keyledger({"init", "--data-dir", other, "--at", kStart}).exit_code, 0);
    const std::string taken = "127.0.0.1:" + std::to_string(server->port());
    expect_one_line(run_keyledger({"serve", "--data-dir", other, "--listen", taken, "--clock",
                                   "manual", "--start", kStart},
                                  bounded),
                    taken);

    // Directories that hold no keyledger store.
    const std::string missing = dir.path().string() + "/missing";
    expect_one_line(
        run_keyledger({"serve", "--data-dir", missing, "--listen", "127.0.0.1:0"}, bounded),
        "not a directory");
    const std::string stranger = dir.path().string() + "/stranger";
    std::filesystem::create_directories(stranger);
    std::ofstream(stranger + "/notes.txt") << "not a store\n";
    expect_one_line(
        run_keyledger({"serve", "--data-dir", stranger, "--listen", "127.0.0.1:0"}, bounded),
        "not a keyledger");
    const std::string empty = dir.path().string() + "/empty";
    std::filesystem::create_directories(empty + "/store");
    expect_one_line(
        run_keyledger({"admin", "reactivate", "--data-dir", empty, "--username", "admin"}, bounded),
        "not a keyledger");
    // A store whose database is damaged is refused in one line that says which.
    const std::string damaged = dir.path().string() + "/damaged";
    std::filesystem::create_directories(damaged + "/store");
    std::ofstream(damaged + "/store/CURRENT") << "MANIFEST-000001\n";
    expect_one_line(
        run_keyledger({"serve", "--data-dir", damaged, "--listen", "127.0.0.1:0"}, bounded),
        "cannot open the store in " + damaged);

    // Unknown flags, and nothing created by them.
    const std::string never = dir.path().string() + "/never";
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"serve", "--data-dir", never, "--no-such-flag"},
          std::vector<std::string>{"init", "--data-dir", never, "--windows-days", "3"},
          std::vector<std::string>{"--bogus", "init", "--data-dir", never},
          std::vector<std::string>{"admin", "reactivate", "--data-dir", never, "--username",
                                   "admin", "--force"}}) {
        CommandResult r = run_keyledger(args, bounded);
        EXPECT_NE(r.exit_code, 0) << r.out << r.err;
        EXPECT_FALSE(r.err.empty());
    }
    EXPECT_FALSE(std::filesystem::exists(never));

    // The running server was disturbed by none of it.
    Reply verify = api->get("/v1/audit/verify", admin_secret);
    EXPECT_EQ(verify.json.at("ok"), true) << verify.body;
    ASSERT_EQ(server->stop(), 0);
    expect_one_line(run_keyledger({"init", "--data-dir", data_dir()}, bounded),
                    "already initialised");
    ASSERT_NO_FATAL_FAILURE(start(kStart));
    EXPECT_EQ(api->get("/v1/users/" + admin_id, admin_secret).status, 200u);
}

// ---------------------------------------------------------------------------------------------
// 5. The operator brings back a store whose only admin went inactive.

// The operator's commands record at the system clock's instant: far past the log's last event,
// that instant would make every other account inactive for good, so they refuse it as `serve`
// does, unless told the jump is real.
TEST_F(Crash, TheOperatorsCommandsRefuseAClockFarAheadOfTheLog) {
    const std::string born = instant_days_ago(100);
    ASSERT_NO_FATAL_FAILURE(init(born));
    auto logged = [&] {
        CommandResult verified =
            run_keyledger({"audit", "verify", "--data-dir", data_dir(), "--format", "json"});
        const Json out = parse(verified.out);
        return out.is_object() ? out.at("events").get<std::size_t>() : std::size_t{0};
    };
    const std::size_t events = logged();
    ASSERT_GT(events, 0u);
    for (const char* command : {"reactivate", "issue-token"}) {
        CommandResult refused =
            run_keyledger({"admin", command, "--data-dir", data_dir(), "--username", "admin"});
        EXPECT_EQ(refused.exit_code, 1) << command << ": " << refused.out;
        EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
        EXPECT_NE(refused.err.find("--accept-clock-jump"), std::string::npos) << refused.err;
    }
    EXPECT_EQ(logged(), events);
    CommandResult issued = run_keyledger({"admin", "reactivate", "--data-dir", data_dir(),
                                          "--username", "admin", "--accept-clock-jump"});
    EXPECT_EQ(issued.exit_code, 0) << issued.err;
    EXPECT_EQ(logged(), events + 1);
}

TEST_F(Crash, TheOperatorReactivatesTheAdminAndIssuesANewToken) {
    // `admin` commands decide on the system clock, so the store's history lies in its past.
    const std::string born = instant_days_ago(100);
    ASSERT_NO_FATAL_FAILURE(init(born));
    ASSERT_NO_FATAL_FAILURE(start(born));
    api->advance(admin_secret, 61 * kDay);
    Reply locked_out = api->get("/v1/users/" + admin_id, admin_secret);
    ASSERT_EQ(locked_out.status, 401u) << locked_out.body;
    EXPECT_EQ(locked_out.json.at("error"), "owner_inactive");
    ASSERT_EQ(server->stop(), 0);

    // A token cannot be issued to an inactive account, not even by the operator.
    CommandResult refused =
        run_keyledger({"admin", "issue-token", "--data-dir", data_dir(), "--username", "admin"});
    EXPECT_NE(refused.exit_code, 0) << refused.out;
    EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
    EXPECT_TRUE(refused.out.empty()) << refused.out;
    CommandResult nobody =
        run_keyledger({"admin", "reactivate", "--data-dir", data_dir(), "--username", "nobody"});
    EXPECT_NE(nobody.exit_code, 0) << nobody.out;
    EXPECT_NE(nobody.err.find("nobody"), std::string::npos) << nobody.err;

    CommandResult reactivated =
        run_keyledger({"admin", "reactivate", "--data-dir", data_dir(), "--username", "admin"});
    ASSERT_EQ(reactivated.exit_code, 0) << reactivated.err;
    CommandResult issued =
        run_keyledger({"admin", "issue-token", "--data-dir", data_dir(), "--username", "admin"});
    ASSERT_EQ(issued.exit_code, 0) << issued.err;
    const Json line = parse(issued.out);
    ASSERT_TRUE(line.is_object()) << issued.out;
    EXPECT_EQ(line.at("user_id"), admin_id);
    const std::string token_id = line.at("token_id");
    const std::string secret = line.at("secret");

    // The server comes back on a manual clock at or after the operator's instant.
    ASSERT_NO_FATAL_FAILURE(start(instant_days_ago(-1)));
    Reply admin = api->get("/v1/users/" + admin_id, secret);
    ASSERT_EQ(admin.status, 200u) << admin.body;
    EXPECT_EQ(admin.json.at("status"), "active");
    Reply user =
        api->post("/v1/users", secret,
                  {{"username", "second-admin"}, {"kind", "person"}, {"roles", {"user_admin"}}});
    EXPECT_EQ(user.status, 201u) << user.body;
    // The old secret works again too: its owner is active.
    EXPECT_EQ(api->get("/v1/users/" + admin_id, admin_secret).status, 200u);

    const std::vector<Json> events = all_events();
    expect_positions_dense(events);
    expect_chain_ok(events.size());
    bool reactivation = false;
    bool issuance = false;
    for (const Json& e : events) {
        if (e.at("type") == "UserReactivated" && e.at("data").value("user_id", "") == admin_id) {
            reactivation = true;
            EXPECT_EQ(e.at("actor"), "operator") << e.dump();
        }
        if (e.at("type") == "TokenIssued" && e.at("data").value("token_id", "") == token_id) {
            issuance = true;
            EXPECT_EQ(e.at("actor"), "operator") << e.dump();
        }
    }
    EXPECT_TRUE(reactivation);
    EXPECT_TRUE(issuance);
    Reply all = api->get("/v1/events?limit=10000", secret);
    EXPECT_EQ(all.body.find(secret), std::string::npos);
}

TEST_F(Crash, OperatorCommandsKeepTheDeliveriesTheServerRetains) {
    // The server keeps webhook bodies for 30 days; an operator command in between must not
    // prune them with some retention of its own.
    const std::vector<std::string> retention{"--delivery-retention-days", "30"};
    const std::string born = instant_days_ago(20);
    ASSERT_NO_FATAL_FAILURE(init(born));
    ASSERT_NO_FATAL_FAILURE(start(born, retention));
    const auto [hook, secret] = install("shop");
    Reply call = api->hook(hook, "Bearer " + secret);
    ASSERT_EQ(call.status, 202u) << call.body;
    const std::string call_id = call.json.at("call_id");
    ASSERT_TRUE(delivered_call_ids(hook).contains(call_id));
    ASSERT_EQ(server->stop(), 0);

    CommandResult reactivated =
        run_keyledger({"admin", "reactivate", "--data-dir", data_dir(), "--username", "admin"});
    ASSERT_EQ(reactivated.exit_code, 0) << reactivated.err;
    CommandResult issued =
        run_keyledger({"admin", "issue-token", "--data-dir", data_dir(), "--username", "admin"});
    ASSERT_EQ(issued.exit_code, 0) << issued.err;

    ASSERT_NO_FATAL_FAILURE(start(instant_days_ago(-1), retention));
    EXPECT_TRUE(delivered_call_ids(hook).contains(call_id))
        << "a 20-day-old body is gone although the server keeps bodies for 30 days";

    // The server itself still prunes at its own retention: 12 days on, the first body is 32
    // days old and goes, the one from today stays.
    Reply today = api->hook(hook, "Bearer " + secret);
    ASSERT_EQ(today.status, 202u) << today.body;
    api->advance(admin_secret, 12 * kDay);
    ASSERT_EQ(api->hook(hook, "Bearer " + secret).status, 202u);
    const std::set<std::string> kept = delivered_call_ids(hook);
    EXPECT_FALSE(kept.contains(call_id));
    EXPECT_TRUE(kept.contains(today.json.at("call_id").get<std::string>()));
}

}  // namespace
}  // namespace keyledger::testing
