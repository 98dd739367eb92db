// A planted model bug is found by the comparison and shrunk to a minimal scenario that still
// shows it, and only it.

#include <gtest/gtest.h>

#include "sim/run/replay.h"
#include "sim/scenario/scenario_file.h"
#include "sim_cli.h"
#include "sim_test_support.h"

namespace keyledger::testing {
namespace {

TEST(SimShrink, APlantedInactivityBugIsFoundAndShrunk) {
    SimDir dir;
    EXPECT_EQ(run_sim({"run", "--seed", "4", "--days", "120", "--preset", "small", "--flaw",
                       "inactivity-one-ms-late", "--out", dir.str()}),
              3);
    const auto s = summary_of(dir.path());
    EXPECT_FALSE(s["model_agrees"].get<bool>());

    auto full = sim::read_scenario(dir.path() / "disagreement.jsonl");
    auto minimal = sim::read_scenario(dir.path() / "disagreement-shrunk.jsonl");
    ASSERT_TRUE(full.has_value()) << full.error().message;
    ASSERT_TRUE(minimal.has_value()) << minimal.error().message;
    EXPECT_GT(full->size(), 100u);
    EXPECT_LE(minimal->size(), 4u) << "ddmin should leave a handful of steps";

    // The minimal scenario disagrees with the flaw and agrees without it.
    SimDir a, b;
    const auto flawed =
        sim::replay_steps(*minimal, {.inactivity_one_ms_late = true}, a.path(), false);
    EXPECT_TRUE(flawed.first_disagreement.has_value());
    const auto sound = sim::replay_steps(*minimal, {}, b.path(), false);
    EXPECT_FALSE(sound.first_disagreement.has_value());

    // The shrink command does the same from the file, and refuses a scenario without a
    // disagreement.
    const auto out = dir.path() / "again.jsonl";
    ASSERT_EQ(run_sim({"shrink", (dir.path() / "disagreement-shrunk.jsonl").string(), "--flaw",
                       "inactivity-one-ms-late", "--out", out.string()}),
              0);
    auto again = sim::read_scenario(out);
    ASSERT_TRUE(again.has_value());
    EXPECT_LE(again->size(), minimal->size());
    EXPECT_EQ(run_sim({"shrink", (dir.path() / "disagreement-shrunk.jsonl").string(), "--out",
                       (dir.path() / "none.jsonl").string()}),
              1);
}

}  // namespace
}  // namespace keyledger::testing
