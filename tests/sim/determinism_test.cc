// The same seed and inputs give byte-identical report files and the same event log.

#include <gtest/gtest.h>

#include "sim_cli.h"
#include "sim_test_support.h"

namespace keyledger::testing {
namespace {

const char* kReportFiles[] = {"summary.json", "summary.txt", "timeseries.csv", "refusals.svg",
                              "broken.svg"};

TEST(SimDeterminism, TheSameSeedWritesTheSameReportAndLog) {
    SimDir first, second, other;
    ASSERT_EQ(
        run_sim({"run", "--seed", "7", "--days", "75", "--preset", "small", "--out", first.str()}),
        0);
    ASSERT_EQ(
        run_sim({"run", "--seed", "7", "--days", "75", "--preset", "small", "--out", second.str()}),
        0);
    for (const char* file : kReportFiles) {
        const std::string a = slurp(first.path() / file);
        EXPECT_FALSE(a.empty()) << file;
        EXPECT_EQ(a, slurp(second.path() / file)) << file << " differs between two runs";
    }
    const auto summary = summary_of(first.path());
    EXPECT_EQ(summary["log_head_hash"].get<std::string>().size(), 64u);
    EXPECT_GT(summary["log_head_position"].get<std::uint64_t>(), 1000u);

    // Another seed is another world: the test would not notice a constant log.
    ASSERT_EQ(
        run_sim({"run", "--seed", "8", "--days", "75", "--preset", "small", "--out", other.str()}),
        0);
    EXPECT_NE(summary_of(other.path())["log_head_hash"], summary["log_head_hash"]);
}

TEST(SimDeterminism, RefusesAnOutDirectoryThatHoldsARun) {
    SimDir dir;
    ASSERT_EQ(run_sim({"run", "--seed", "1", "--days", "2", "--out", dir.str()}), 0);
    EXPECT_EQ(run_sim({"run", "--seed", "1", "--days", "2", "--out", dir.str()}), 1);
}

}  // namespace
}  // namespace keyledger::testing
