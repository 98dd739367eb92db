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
        ASSERT_TRUE(steps.has_value()) << steps.error();
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
        out << R"({"at":"2026-01-02T00:00:00Z","op":"read","by":"x"})"
            << "\n"
            << R"({"at":"2026-01-01T00:00:00Z","op":"read","by":"x"})"
            << "\n";
    }
    auto refused = sim::read_scenario(dir.path() / "back.jsonl");
    ASSERT_FALSE(refused.has_value());
    EXPECT_NE(refused.error().find(":2: steps must not go back in time"), std::string::npos);
}

}  // namespace
}  // namespace keyledger::testing
