// keyledger_crash_driver: the crash test behind scripts/crash-test (docs/RELIABILITY.md).
//
// Runs the real `keyledger serve` on a fresh data directory under concurrent webhook and
// management traffic, SIGKILLs it at random moments, restarts it each time, and checks after
// every restart that
//   - every acknowledged webhook call (202) is in the log as an accepted CallDecided, with its
//     delivery;
//   - every acknowledged command (201/204) is in the log;
//   - positions are dense and the hash chain verifies (GET /v1/audit/verify);
//   - the projections equal a rebuild: for every entity the clients were told about, what the
//     API answers equals what a fold of the log's events says.
//
// Exit codes: 0 all checks held; 1 a check failed (lost or inconsistent data); 2 bad usage;
// 3 the test could not run (the server did not start, say). With --plant-fault the driver
// pretends one call was acknowledged that never was sent, and exits 0 only if the check catches
// it: proof that the checker can fail.

#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/server_process.h"
#include "tests/http/test_client.h"

namespace keyledger::reliability {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::ServerProcess;
using tests::http::HeaderList;
using tests::http::HttpResult;
using tests::http::TestConnection;
using Clock = std::chrono::steady_clock;

constexpr const char* kStart = "2026-01-01T00:00:00.000Z";

struct Options {
    int kills = 3;
    std::uint64_t seed = 0;
    bool plant_fault = false;
    int callers = 6;
    int managers = 2;
};

const char* kUsage =
    "usage: keyledger_crash_driver [--kills N] [--seed S] [--plant-fault]\n"
    "  Runs keyledger serve under webhook and management traffic, SIGKILLs it N times at\n"
    "  random moments (seeded by S), restarts it and checks that nothing acknowledged is lost,\n"
    "  the chain verifies and the projections equal a rebuild.\n"
    "  exit codes: 0 ok, 1 a check failed, 2 bad usage, 3 could not run\n";

// One keep-alive connection that reconnects after the server closed it. One per thread.
class Client {
  public:
    explicit Client(unsigned short port,
                    std::chrono::milliseconds timeout = tests::http::kDefaultTimeout)
        : port_(port), timeout_(timeout) {}

    HttpResult send(std::string_view method, const std::string& target, const std::string& bearer,
                    const std::string& body = {}) {
        if (!connection_) {
            connection_ = std::make_unique<TestConnection>(port_, timeout_);
        }
        if (!connection_->connected()) {
            HttpResult failed;
            failed.error = connection_->connect_error();
            connection_.reset();
            return failed;
        }
        HeaderList headers{{"Authorization", "Bearer " + bearer}};
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
    std::chrono::milliseconds timeout_;
    std::unique_ptr<TestConnection> connection_;
};

Json parse(const std::string& text) {
    return Json::parse(text, nullptr, false);
}

// What the clients were told, over every round.
struct Acknowledged {
    std::mutex mutex;
    std::vector<std::pair<std::string, std::string>> calls;  // webhook id, call id
    std::map<std::string, std::string> users;                // id -> username
    std::map<std::string, std::string> webhooks;             // id -> name
    std::set<std::string> tokens;                            // issued api tokens
    std::set<std::string> revoked_tokens;
    std::set<std::string> deleted_users;
    std::size_t commands() const {
        return users.size() + webhooks.size() + tokens.size() + revoked_tokens.size() +
               deleted_users.size();
    }
};

// What a fold of the log says about the entities.
struct Model {
    std::set<std::string> accepted_calls;
    std::map<std::string, std::string> users;
    std::set<std::string> deleted_users;
    std::map<std::string, std::string> webhooks;
    std::set<std::string> uninstalled_webhooks;
    std::set<std::string> tokens;
    std::set<std::string> revoked_tokens;
};

class Failures {
  public:
    void add(const std::string& what) {
        if (count_++ < 20) {
            std::cerr << "crash-test: FAILED: " << what << "\n";
        }
    }
    int count() const { return count_; }

  private:
    int count_ = 0;
};

class CrashTest {
  public:
    CrashTest(Options options, fs::path dir)
        : options_(options), dir_(std::move(dir)), random_(options.seed) {}

    int run() {
        auto init = testing::run_keyledger({"init", "--data-dir", data_dir(), "--at", kStart});
        if (init.exit_code != 0) {
            std::cerr << "crash-test: keyledger init failed: " << init.err << "\n";
            return 3;
        }
        admin_ = parse(init.out).value("secret", "");
        if (!start()) {
            return 3;
        }
        for (int i = 0; i < 2; ++i) {
            Client client(server_->port());
            HttpResult hook =
                client.send("POST", "/v1/webhooks", admin_,
                            Json{{"name", "hook-" + std::to_string(i)}, {"auth", "bearer"}}.dump());
            Json body = parse(hook.body);
            if (hook.status != 201) {
                std::cerr << "crash-test: installing a webhook failed: " << hook.status << " "
                          << hook.body << "\n";
                return 3;
            }
            hooks_.emplace_back(body.at("id").get<std::string>(),
                                body.at("app_token").at("secret").get<std::string>());
            acked_.webhooks[body.at("id").get<std::string>()] = "hook-" + std::to_string(i);
        }

        for (int round = 1; round <= options_.kills; ++round) {
            if (!traffic_then_kill(round)) {
                return 3;
            }
            if (!start()) {
                return 3;
            }
            check(round);
            if (failures_.count() > 0 && !options_.plant_fault) {
                break;
            }
        }
        if (failures_.count() == 0) {
            const int stopped = server_->stop();
            if (stopped != 0) {
                failures_.add("the server exited with " + std::to_string(stopped) + " on SIGTERM");
            }
        }
        return finish();
    }

  private:
    std::string data_dir() const { return (dir_ / "data").string(); }

    bool start() {
        server_.reset();
        server_ = std::make_unique<ServerProcess>(
            std::vector<std::string>{"--data-dir", data_dir(), "--clock", "manual", "--start",
                                     kStart, "--password-cost", "minimal"});
        if (!server_->started()) {
            std::cerr << "crash-test: the server did not start: " << server_->startup_error()
                      << "\n";
            failures_.add("restart refused: " + server_->startup_error());
            return false;
        }
        ++starts_;
        return true;
    }

    // Webhook callers and managers run until the SIGKILL, which comes after a random delay.
    bool traffic_then_kill(int round) {
        const unsigned short port = server_->port();
        std::atomic<bool> killed{false};
        std::atomic<int> unexpected{0};
        std::vector<std::thread> threads;
        for (int n = 0; n < options_.callers; ++n) {
            threads.emplace_back([&, n] { call(port, round, n, killed, unexpected); });
        }
        for (int n = 0; n < options_.managers; ++n) {
            threads.emplace_back(
                [&, n, seed = random_()] { manage(port, round, n, seed, killed, unexpected); });
        }
        // One round in five kills almost at once (mid start of traffic); the others after up
        // to a second and a half of it.
        const int delay_ms = random_() % 5 == 0 ? static_cast<int>(random_() % 20)
                                                : 20 + static_cast<int>(random_() % 1500);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        killed = true;
        server_->kill_hard();
        for (auto& thread : threads) {
            thread.join();
        }
        if (unexpected > 0) {
            failures_.add(std::to_string(unexpected.load()) +
                          " unexpected answers before the kill in round " + std::to_string(round));
        }
        kill_delays_ms_.push_back(delay_ms);
        return true;
    }

    void call(unsigned short port, int round, int n, std::atomic<bool>& killed,
              std::atomic<int>& unexpected) {
        Client client(port);
        const auto& [hook, secret] = hooks_[static_cast<std::size_t>(n) % hooks_.size()];
        std::vector<std::string> mine;
        for (int i = 0; !killed; ++i) {
            const std::string body = "{\"round\":" + std::to_string(round) +
                                     ",\"caller\":" + std::to_string(n) +
                                     ",\"i\":" + std::to_string(i) + "}";
            HttpResult r = client.send("POST", "/v1/hooks/" + hook, secret, body);
            if (r.status == 202) {
                mine.push_back(parse(r.body).value("call_id", ""));
            } else if (!killed) {
                report_unexpected(unexpected, "webhook call", r);
            }
        }
        std::lock_guard lock(acked_.mutex);
        for (auto& id : mine) {
            acked_.calls.emplace_back(hook, std::move(id));
        }
    }

    // A random mix of commands on entities this thread created in this round.
    void manage(unsigned short port, int round, int n, std::uint64_t seed,
                std::atomic<bool>& killed, std::atomic<int>& unexpected) {
        Client client(port);
        std::mt19937_64 random(seed);
        std::vector<std::string> users;        // mine, acknowledged, not deleted
        std::vector<std::string> live_tokens;  // mine, acknowledged, not revoked
        std::set<std::string> users_with_tokens;
        const std::string tag = std::to_string(round) + "-" + std::to_string(n);
        for (int i = 0; !killed; ++i) {
            const unsigned pick = static_cast<unsigned>(random() % 100);
            const std::string suffix = tag + "-" + std::to_string(i);
            if (pick < 40 || users.empty()) {
                const std::string name = "user-" + suffix;
                HttpResult r = client.send(
                    "POST", "/v1/users", admin_,
                    Json{{"username", name}, {"kind", "service"}, {"roles", Json::array()}}.dump());
                if (r.status == 201) {
                    const std::string id = parse(r.body).value("id", "");
                    users.push_back(id);
                    std::lock_guard lock(acked_.mutex);
                    acked_.users[id] = name;
                } else if (!killed) {
                    report_unexpected(unexpected, "create user", r);
                }
            } else if (pick < 65) {
                const std::string& owner = users[random() % users.size()];
                HttpResult r = client.send("POST", "/v1/users/" + owner + "/tokens", admin_,
                                           Json{{"name", "token-" + suffix}}.dump());
                if (r.status == 201) {
                    const std::string id = parse(r.body).value("id", "");
                    live_tokens.push_back(id);
                    users_with_tokens.insert(owner);
                    std::lock_guard lock(acked_.mutex);
                    acked_.tokens.insert(id);
                } else if (!killed) {
                    report_unexpected(unexpected, "issue token", r);
                }
            } else if (pick < 80 && !live_tokens.empty()) {
                const std::size_t at = random() % live_tokens.size();
                const std::string id = live_tokens[at];
                live_tokens.erase(live_tokens.begin() + static_cast<std::ptrdiff_t>(at));
                HttpResult r = client.send("DELETE", "/v1/tokens/" + id, admin_);
                if (r.status == 204) {
                    std::lock_guard lock(acked_.mutex);
                    acked_.revoked_tokens.insert(id);
                } else if (!killed) {
                    report_unexpected(unexpected, "revoke token", r);
                }
            } else if (pick < 88) {
                // A user that never got a token can be deleted.
                const std::size_t at = random() % users.size();
                const std::string id = users[at];
                if (users_with_tokens.contains(id)) {
                    continue;
                }
                users.erase(users.begin() + static_cast<std::ptrdiff_t>(at));
                HttpResult r = client.send("DELETE", "/v1/users/" + id, admin_);
                if (r.status == 204) {
                    std::lock_guard lock(acked_.mutex);
                    acked_.deleted_users.insert(id);
                } else if (!killed) {
                    report_unexpected(unexpected, "delete user", r);
                }
            } else {
                const std::string name = "webhook-" + suffix;
                HttpResult r = client.send("POST", "/v1/webhooks", admin_,
                                           Json{{"name", name}, {"auth", "bearer"}}.dump());
                if (r.status == 201) {
                    std::lock_guard lock(acked_.mutex);
                    acked_.webhooks[parse(r.body).value("id", "")] = name;
                } else if (!killed) {
                    report_unexpected(unexpected, "install webhook", r);
                }
            }
        }
    }

    void report_unexpected(std::atomic<int>& unexpected, const char* what, const HttpResult& r) {
        if (unexpected++ < 5) {
            std::cerr << "crash-test: before the kill, " << what << " got " << r.status << " "
                      << r.error << r.body.substr(0, 200) << "\n";
        }
    }

    // Every event of the log, paged.
    std::vector<Json> all_events(Client& client) {
        std::vector<Json> events;
        for (;;) {
            HttpResult r = client.send(
                "GET", "/v1/events?after=" + std::to_string(events.size()) + "&limit=10000",
                admin_);
            if (r.status != 200) {
                failures_.add("GET /v1/events answered " + std::to_string(r.status) + " " +
                              r.error);
                return events;
            }
            std::istringstream lines(r.body);
            std::size_t added = 0;
            for (std::string line; std::getline(lines, line);) {
                if (!line.empty()) {
                    events.push_back(parse(line));
                    ++added;
                }
            }
            if (added == 0) {
                return events;
            }
        }
    }

    static Model fold(const std::vector<Json>& events) {
        Model model;
        for (const Json& event : events) {
            const std::string type = event.value("type", "");
            const Json& data = event.at("data");
            if (type == "CallDecided" && data.value("outcome", "") == "accepted") {
                model.accepted_calls.insert(data.value("call_id", ""));
            } else if (type == "UserCreated") {
                model.users[data.value("user_id", "")] = data.value("username", "");
            } else if (type == "UserDeleted") {
                model.deleted_users.insert(data.value("user_id", ""));
            } else if (type == "WebhookInstalled") {
                model.webhooks[data.value("webhook_id", "")] = data.value("name", "");
            } else if (type == "WebhookUninstalled") {
                model.uninstalled_webhooks.insert(data.value("webhook_id", ""));
            } else if (type == "TokenIssued") {
                model.tokens.insert(data.value("token_id", ""));
            } else if (type == "TokenRevoked") {
                model.revoked_tokens.insert(data.value("token_id", ""));
            }
        }
        return model;
    }

    void check(int round) {
        // Reading and verifying a long log takes seconds on a loaded machine.
        Client client(server_->port(), std::chrono::seconds(120));
        const std::vector<Json> events = all_events(client);
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (events[i].value("position", std::uint64_t{0}) != i + 1) {
                failures_.add("a gap or a repeat in the log at position " + std::to_string(i + 1));
                break;
            }
        }
        HttpResult verify = client.send("GET", "/v1/audit/verify", admin_);
        const Json report = parse(verify.body);
        if (verify.status != 200 || !report.is_object() || report.value("ok", false) != true ||
            report.value("events", std::size_t{0}) != events.size()) {
            failures_.add("the chain does not verify: " + std::to_string(verify.status) + " " +
                          verify.error + " " + verify.body);
        }

        std::lock_guard lock(acked_.mutex);
        if (options_.plant_fault && !planted_) {
            acked_.calls.emplace_back(hooks_[0].first, "call_planted_never_sent");
            planted_ = true;
        }
        const Model model = fold(events);
        std::size_t lost = 0;
        for (const auto& [hook, call_id] : acked_.calls) {
            if (!model.accepted_calls.contains(call_id)) {
                ++lost;
                failures_.add("call " + call_id + " was acknowledged with 202 but is not logged");
            }
        }
        check_deliveries(client);
        for (const auto& [id, name] : acked_.users) {
            if (!model.users.contains(id)) {
                ++lost;
                failures_.add("user " + id + " was acknowledged with 201 but is not logged");
            }
        }
        for (const auto& [id, name] : acked_.webhooks) {
            if (!model.webhooks.contains(id)) {
                ++lost;
                failures_.add("webhook " + id + " was acknowledged with 201 but is not logged");
            }
        }
        for (const std::string& id : acked_.tokens) {
            if (!model.tokens.contains(id)) {
                ++lost;
                failures_.add("token " + id + " was acknowledged with 201 but is not logged");
            }
        }
        for (const std::string& id : acked_.revoked_tokens) {
            if (!model.revoked_tokens.contains(id)) {
                ++lost;
                failures_.add("revoking token " + id + " was acknowledged with 204, not logged");
            }
        }
        for (const std::string& id : acked_.deleted_users) {
            if (!model.deleted_users.contains(id)) {
                ++lost;
                failures_.add("deleting user " + id + " was acknowledged with 204, not logged");
            }
        }
        const std::size_t compared = compare_projections(client, model);
        std::cout << "crash-test: kill " << round << " of " << options_.kills << " after "
                  << kill_delays_ms_.back() << " ms: " << events.size() << " events, "
                  << acked_.calls.size() << " calls and " << acked_.commands()
                  << " commands acknowledged so far, " << lost << " lost, " << compared
                  << " entities compared with the log" << std::endl;
        total_events_ = events.size();
    }

    // Bodies are written in the same batch as their call events.
    void check_deliveries(Client& client) {
        std::set<std::string> delivered;
        for (const auto& [hook, secret] : hooks_) {
            std::uint64_t after = 0;
            for (;;) {
                HttpResult r = client.send("GET",
                                           "/v1/webhooks/" + hook + "/deliveries?after=" +
                                               std::to_string(after) + "&limit=10000",
                                           admin_);
                if (r.status != 200) {
                    failures_.add("reading deliveries answered " + std::to_string(r.status));
                    return;
                }
                std::istringstream lines(r.body);
                std::size_t added = 0;
                for (std::string line; std::getline(lines, line);) {
                    if (line.empty()) {
                        continue;
                    }
                    const Json delivery = parse(line);
                    delivered.insert(delivery.value("call_id", ""));
                    after = delivery.value("seq", after);
                    ++added;
                }
                if (added == 0) {
                    break;
                }
            }
        }
        for (const auto& [hook, call_id] : acked_.calls) {
            if (!delivered.contains(call_id) && call_id != "call_planted_never_sent") {
                failures_.add("no delivery for acknowledged call " + call_id);
            }
        }
    }

    // The API's answer for every entity the clients were told about, against the fold of the
    // log. Returns how many entities were compared.
    std::size_t compare_projections(Client& client, const Model& model) {
        std::size_t compared = 0;
        for (const auto& [id, name] : model.users) {
            if (!acked_.users.contains(id)) {
                continue;
            }
            HttpResult r = client.send("GET", "/v1/users/" + id, admin_);
            const Json user = parse(r.body);
            const bool deleted = model.deleted_users.contains(id);
            if (r.status != 200 || user.value("username", "") != name ||
                (user.value("status", "") == "deleted") != deleted) {
                failures_.add("user " + id + ": the API says " + std::to_string(r.status) + " " +
                              r.body + "; the log says username " + name +
                              (deleted ? ", deleted" : ", not deleted"));
            }
            ++compared;
        }
        for (const auto& [id, name] : model.webhooks) {
            if (!acked_.webhooks.contains(id)) {
                continue;
            }
            HttpResult r = client.send("GET", "/v1/webhooks/" + id, admin_);
            const Json webhook = parse(r.body);
            const std::string status =
                model.uninstalled_webhooks.contains(id) ? "uninstalled" : "installed";
            if (r.status != 200 || webhook.value("name", "") != name ||
                webhook.value("status", "") != status) {
                failures_.add("webhook " + id + ": the API says " + r.body +
                              "; the log says name " + name + ", " + status);
            }
            ++compared;
        }
        for (const std::string& id : model.tokens) {
            if (!acked_.tokens.contains(id)) {
                continue;
            }
            HttpResult r = client.send("GET", "/v1/tokens/" + id, admin_);
            const Json token = parse(r.body);
            const bool revoked = model.revoked_tokens.contains(id);
            // A revoked token says token_revoked (its refusal reason) and when it was revoked.
            const bool says_revoked =
                token.value("status", "") == "token_revoked" && token.contains("revoked_at");
            if (r.status != 200 || says_revoked != revoked) {
                failures_.add("token " + id + ": the API says " + r.body + "; the log says " +
                              (revoked ? "revoked" : "not revoked"));
            }
            ++compared;
        }
        return compared;
    }

    int finish() {
        std::size_t calls = acked_.calls.size();
        if (planted_) {
            --calls;
        }
        std::cout << "crash-test: " << kill_delays_ms_.size() << " SIGKILLs, " << starts_
                  << " starts, " << calls << " webhook calls and " << acked_.commands()
                  << " commands acknowledged, " << total_events_ << " events in the log, "
                  << failures_.count() << " failed checks (seed " << options_.seed << ")\n";
        if (options_.plant_fault) {
            if (failures_.count() == 0) {
                std::cerr << "crash-test: the planted loss went unnoticed: the checker is broken\n";
                return 1;
            }
            std::cout << "crash-test: the planted loss was caught\n";
            return 0;
        }
        return failures_.count() == 0 ? 0 : 1;
    }

    Options options_;
    fs::path dir_;
    std::mt19937_64 random_;
    std::unique_ptr<ServerProcess> server_;
    std::string admin_;
    std::vector<std::pair<std::string, std::string>> hooks_;  // id, app token secret
    Acknowledged acked_;
    Failures failures_;
    std::vector<int> kill_delays_ms_;
    int starts_ = 0;
    std::size_t total_events_ = 0;
    bool planted_ = false;
};

std::optional<Options> parse_options(int argc, char** argv) {
    Options options;
    options.seed = static_cast<std::uint64_t>(::time(nullptr));
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) {
                return std::nullopt;
            }
            return std::string(argv[++i]);
        };
        try {
            if (arg == "--kills") {
                auto v = value();
                if (!v) {
                    return std::nullopt;
                }
                options.kills = std::stoi(*v);
                if (options.kills < 1) {
                    return std::nullopt;
                }
            } else if (arg == "--seed") {
                auto v = value();
                if (!v) {
                    return std::nullopt;
                }
                options.seed = std::stoull(*v);
            } else if (arg == "--plant-fault") {
                options.plant_fault = true;
            } else {
                return std::nullopt;
            }
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return options;
}

}  // namespace
}  // namespace keyledger::reliability

int main(int argc, char** argv) {
    using namespace keyledger::reliability;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
            std::cout << kUsage;
            return 0;
        }
    }
    std::optional<Options> options = parse_options(argc, argv);
    if (!options) {
        std::cerr << kUsage;
        return 2;
    }
    std::string pattern = (fs::temp_directory_path() / "keyledger-crash-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        std::cerr << "crash-test: cannot create a temporary directory\n";
        return 3;
    }
    const fs::path dir(pattern);
    std::cout << "crash-test: " << options->kills << " kills, seed " << options->seed
              << ", data in " << dir.string() << "\n";
    int code = CrashTest(*options, dir).run();
    if (code == 0) {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    } else {
        std::cerr << "crash-test: the data directory is kept for inspection: " << dir.string()
                  << "\n";
    }
    return code;
}
