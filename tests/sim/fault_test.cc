// Crashes: the store's process is killed with SIGKILL at seeded steps while a batch is being
// decided; the next process finds every acknowledged event, projections equal to a rebuild, and
// finishes with the very log an uninterrupted run writes.

#include <gtest/gtest.h>

#include "sim_cli.h"
#include "sim_test_support.h"

namespace keyledger::testing {
namespace {

TEST(SimFaults, KilledRunsLoseNothingAcknowledgedAndEndWithTheSameLog) {
    SimDir crashed(std::filesystem::temp_directory_path());  // a real disk, fsync on
    SimDir straight;
    ASSERT_EQ(run_sim({"run", "--seed", "21", "--days", "60", "--preset", "small", "--faults", "3",
                       "--out", crashed.str()}),
              0);
    ASSERT_EQ(run_sim({"run", "--seed", "21", "--days", "60", "--preset", "small", "--out",
                       straight.str()}),
              0);
    const auto s = summary_of(crashed.path());
    ASSERT_EQ(s["faults"].size(), 3u);
    std::uint64_t found_in_log = 0;
    for (const auto& fault : s["faults"]) {
        EXPECT_TRUE(fault["acknowledged_events_intact"].get<bool>());
        EXPECT_TRUE(fault["projections_equal_rebuild"].get<bool>());
        EXPECT_GE(fault["head_after_reopen"].get<std::uint64_t>(),
                  fault["acknowledged_position"].get<std::uint64_t>());
        found_in_log += fault["steps_found_in_log"].get<std::uint64_t>();
    }
    EXPECT_TRUE(s["model_agrees"].get<bool>());
    const auto t = summary_of(straight.path());
    EXPECT_EQ(s["log_head_hash"], t["log_head_hash"]);
    EXPECT_EQ(s["log_head_position"], t["log_head_position"]);
    EXPECT_EQ(slurp(crashed.path() / "timeseries.csv"), slurp(straight.path() / "timeseries.csv"));
    (void)found_in_log;
}

}  // namespace
}  // namespace keyledger::testing
