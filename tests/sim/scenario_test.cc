// Regression scenarios (tests/sim/scenarios/*.jsonl) replay with engine and model agreeing and
// every step answering what the file expects; the format refuses what it cannot read.

#include <gtest/gtest.h>

#include "sim/scenario/scenario_file.h"
#include "sim_cli.h"
#include "sim_test_support.h"

namespace keyledger::testing {
namespace {

namespace fs = std::filesystem;

TEST(SimScenarios, EveryRegressionScenarioReplaysAsExpected) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(KEYLEDGER_SIM_SCENARIOS)) {
        if (entry.path().extension() == ".jsonl") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 5u);
    for (const auto& file : files) {
        auto steps = sim::read_scenario(file);
        ASSERT_TRUE(steps.has_value()) << steps.error().message;
        EXPECT_TRUE(
            std::ranges::any_of(*steps, [](const sim::Step& s) { return s.expect.has_value(); }))
            << file << " expects nothing";
        EXPECT_EQ(run_sim({"replay", "--quiet", file.string()}), 0) << file;
    }
}

TEST(SimScenarios, AWrongExpectationFailsTheReplay) {
    SimDir dir;
    fs::create_directories(dir.path());
    auto steps =
        sim::read_scenario(fs::path(KEYLEDGER_SIM_SCENARIOS) / "inactivity_boundary.jsonl");
    ASSERT_TRUE(steps.has_value());
    for (auto& step : *steps) {
        if (step.expect == "owner_inactive") {
            step.expect = "accepted";
        }
    }
    ASSERT_TRUE(sim::write_scenario(dir.path() / "wrong.jsonl", *steps).has_value());
    EXPECT_EQ(run_sim({"replay", (dir.path() / "wrong.jsonl").string()}), 4);
}

TEST(SimScenarios, LinesRoundTripAndBadLinesAreNamed) {
    sim::Step step;
    step.at = 1'767'225'600'123;
    step.op = sim::Op::rotate_token;
    step.by = "sec-a";
    step.token = "tok_1";
    step.secret = "sec-b";
    step.grace_ms = 0;
    step.expect = "accepted";
    const std::string line = sim::step_to_json(step);
    EXPECT_EQ(line, R"({"at":"2026-01-01T00:00:00.123Z","op":"rotate_token","by":"sec-a",)"
                    R"("expect":"accepted","grace_ms":0,"secret":"sec-b","token":"tok_1"})");
    auto back = sim::step_from_json(line);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(sim::step_to_json(*back), line);

    EXPECT_FALSE(sim::step_from_json(R"({"at":"2026-01-01","op":"call"})").has_value());
    EXPECT_FALSE(sim::step_from_json(R"({"at":"2026-01-01T00:00:00Z","op":"fly"})").has_value());
    EXPECT_FALSE(sim::step_from_json(R"({"at":"2026-01-01T00:00:00Z","op":"init",)"
                                     R"("window_days":0})")
                     .has_value());

    SimDir dir;
    fs::create_directories(dir.path());
    {
        std::ofstream out(dir.path() / "back.jsonl");
        out << R"({"at":"2026-01-01T00:00:00Z","op":"init","user":"u","username":"admin",)"
            << R"("token":"t","secret":"x"})"
            << "\n"
            << R"({"at":"2026-01-02T00:00:00Z","op":"read","by":"x"})"
            << "\n"
            << R"({"at":"2026-01-01T00:00:00Z","op":"read","by":"x"})"
            << "\n";
    }
    auto refused = sim::read_scenario(dir.path() / "back.jsonl");
    ASSERT_FALSE(refused.has_value());
    EXPECT_NE(refused.error().message.find(":3: steps must not go back in time"),
              std::string::npos);
}

// Each bad line is refused with the file, the line and what is wrong; the CLI exits 2 on it.
TEST(SimScenarios, FilesThatAreNotScenariosAreRefusedNamingTheLine) {
    const std::string init =
        R"({"at":"2026-01-01T00:00:00.000Z","op":"init","user":"usr_root","username":"admin",)"
        R"("token":"tok_root","secret":"sec-root"})";
    const std::string user =
        R"({"at":"2026-01-01T00:00:00.000Z","op":"create_user","by":"sec-root","user":"usr_a",)"
        R"("username":"a","kind":"person"})";
    // (the line that is wrong, what the message must say)
    const std::vector<std::pair<std::string, std::string>> cases{
        {user, "user \"usr_a\" was already given as a user on line 3"},
        {R"({"at":"2026-01-02T00:00:00.000Z","op":"create_user","by":"sec-root","user":"usr_b",)"
         R"("username":"b","kind":"robot"})",
         "kind must be person or service"},
        {R"({"at":"2026-01-02T00:00:00.000Z","op":"issue_app_token","by":"sec-root",)"
         R"("webhook":"whk_x","token":"tok_root","secret":"sec-new"})",
         "token \"tok_root\" was already given as a token on line 1"},
        {R"({"at":"2026-01-02T00:00:00.000Z","op":"rotate_token","by":"sec-root",)"
         R"("token":"tok_root","secret":"sec-root"})",
         "secret \"sec-root\" was already given"},
        {R"({"at":"2026-13-02T00:00:00.000Z","op":"read","by":"sec-root"})",
         "at is not an instant"},
        {R"({"at":"2026-01-02","op":"read","by":"sec-root"})", "at is not an instant"},
        {R"({"at":"2025-12-31T00:00:00.000Z","op":"read","by":"sec-root"})",
         "steps must not go back in time"},
        {R"({"at":"2026-01-02T00:00:00.000Z","op":"install_webhook","by":"sec-root",)"
         R"("webhook":"whk_x","name":"x","token":"tok_x","secret":"sec-x"})",
         "install_webhook needs \"auth\""},
        {R"({"at":"2026-01-02T00:00:00.000Z","op":"call","webhook":"whk_x"})",
         "call needs \"secret\""},
        {R"({"at":"2026-01-02T00:00:00.000Z","op":"call","webhook":"whk_x","secret":"s",)"
         R"("webhok":"whk_y"})",
         "\"webhok\" is not a field of call"},
        {R"({"at":"2026-01-02T00:00:00.000Z","op":"call","webhook":"whk_x","secret":"s","key":""})",
         "key must be 1 to 255 printable ASCII characters"},
        {R"({"at":"2026-01-02T00:00:00.000Z","op":"create_user","by":"sec-root","user":"usr_c",)"
         R"("username":"c","kind":"person","roles":["root"]})",
         "roles are user_admin, webhook_admin and auditor"},
        {R"({"at":"2026-01-02T00:00:00.000Z","op":"fly"})", "op must be one of"},
        {init, "init comes only once"},
    };
    for (const auto& [line, message] : cases) {
        SimDir dir;
        fs::create_directories(dir.path());
        const fs::path file = dir.path() / "bad.jsonl";
        std::ofstream(file) << init << "\n# a comment\n" << user << "\n\n" << line << "\n";
        auto refused = sim::read_scenario(file);
        ASSERT_FALSE(refused.has_value()) << line;
        EXPECT_FALSE(refused.error().unreadable);
        EXPECT_NE(refused.error().message.find(file.string() + ":5: "), std::string::npos)
            << refused.error().message;
        EXPECT_NE(refused.error().message.find(message), std::string::npos)
            << refused.error().message;
        EXPECT_EQ(run_sim({"replay", file.string()}), 2) << line;
        EXPECT_EQ(
            run_sim({"run", "--scenario", file.string(), "--out", (dir.path() / "o").string()}), 2)
            << line;
        EXPECT_FALSE(fs::exists(dir.path() / "o"));
    }

    SimDir dir;
    fs::create_directories(dir.path());
    std::ofstream(dir.path() / "headless.jsonl") << user << "\n";
    auto headless = sim::read_scenario(dir.path() / "headless.jsonl");
    ASSERT_FALSE(headless.has_value());
    EXPECT_NE(headless.error().message.find(":1: the first step must be init"), std::string::npos);
    auto missing = sim::read_scenario(dir.path() / "missing.jsonl");
    ASSERT_FALSE(missing.has_value());
    EXPECT_TRUE(missing.error().unreadable);
    EXPECT_EQ(run_sim({"replay", (dir.path() / "missing.jsonl").string()}), 1);

    // A directory cannot be read as a scenario; a file with no step is not one.
    EXPECT_EQ(run_sim({"replay", dir.path().string()}), 1);
    std::ofstream(dir.path() / "empty.jsonl") << "# only a comment\n\n";
    auto empty = sim::read_scenario(dir.path() / "empty.jsonl");
    ASSERT_FALSE(empty.has_value());
    EXPECT_FALSE(empty.error().unreadable);
    EXPECT_NE(empty.error().message.find("no steps"), std::string::npos);
    EXPECT_EQ(run_sim({"replay", (dir.path() / "empty.jsonl").string()}), 2);
    EXPECT_EQ(run_sim({"run", "--scenario", (dir.path() / "empty.jsonl").string(), "--out",
                       (dir.path() / "o").string()}),
              2);
    EXPECT_FALSE(fs::exists(dir.path() / "o"));
}

TEST(SimScenarios, AScenarioToWriteMustBeANewFileThatCanBeCreated) {
    SimDir dir;
    fs::create_directories(dir.path());
    const fs::path kept = dir.path() / "kept.txt";
    std::ofstream(kept) << "precious\n";
    auto run_writing = [&](const fs::path& file, const std::string& out) {
        return run_sim({"run", "--seed", "5", "--days", "1", "--preset", "small", "--out",
                        (dir.path() / out).string(), "--write-scenario", file.string()});
    };
    EXPECT_EQ(run_writing(kept, "a"), 1);
    std::string content;
    std::getline(std::ifstream(kept) >> std::ws, content);
    EXPECT_EQ(content, "precious");
    EXPECT_EQ(run_writing(dir.path() / "no" / "such" / "dir.jsonl", "b"), 1);
    EXPECT_EQ(run_sim({"run", "--seed", "5", "--days", "1", "--preset", "small", "--compare-policy",
                       "--out", (dir.path() / "c").string(), "--write-scenario",
                       (dir.path() / "both.jsonl").string()}),
              2);
    EXPECT_FALSE(fs::exists(dir.path() / "both.jsonl"));
}

}  // namespace
}  // namespace keyledger::testing
