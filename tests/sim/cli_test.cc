// What `keyledger sim` refuses before it runs anything: flags that do not go together, a seed
// that does not fit in 64 bits, an out directory that holds something else, and scenario files
// that are not scenarios (exit 2, naming the line). And what replay prints: ISO-8601 instants.

#include <cctype>

#include <gtest/gtest.h>

#include "sim_cli.h"
#include "sim_test_support.h"

namespace keyledger::testing {
namespace {

namespace fs = std::filesystem;

const std::string kScenario = std::string(KEYLEDGER_SIM_SCENARIOS) + "/inactivity_boundary.jsonl";

TEST(SimCli, FlagsThatDoNotGoTogetherAreRefusedWithExitTwo) {
    const std::vector<std::vector<std::string>> refused{
        {"--scenario", kScenario, "--compare-policy"},
        {"--scenario", kScenario, "--faults", "2"},
        {"--scenario", kScenario, "--preset", "small"},
        {"--scenario", kScenario, "--policy", "service"},
        {"--scenario", kScenario, "--days", "3"},
        {"--compare-policy", "--policy", "personal"},
        {"--compare-policy", "--faults", "2"},
        {"--seed", "18446744073709551616"},
        {"--seed", "-1"},
        {"--seed", "12abc"},
        {"--flaw", "nonsense"},
    };
    for (const auto& flags : refused) {
        SimDir dir;
        std::vector<std::string> args{"run", "--out", dir.str()};
        args.insert(args.end(), flags.begin(), flags.end());
        EXPECT_EQ(run_sim(args), 2) << flags.front() << " " << flags.back();
        EXPECT_FALSE(fs::exists(dir.path())) << "a refused run wrote " << dir.str();
    }
}

TEST(SimCli, TheLargestSeedIsAccepted) {
    SimDir dir;
    EXPECT_EQ(run_sim({"run", "--seed", "18446744073709551615", "--days", "1", "--out", dir.str()}),
              0);
    EXPECT_EQ(summary_of(dir.path())["seed"].get<std::uint64_t>(), 18446744073709551615ULL);
}

TEST(SimCli, AnOutDirectoryHoldingOtherFilesIsRefused) {
    SimDir dir;
    fs::create_directories(dir.path());
    { std::ofstream(dir.path() / "notes.txt") << "mine\n"; }
    EXPECT_EQ(run_sim({"run", "--days", "1", "--out", dir.str()}), 1);
    EXPECT_FALSE(fs::exists(dir.path() / "summary.json"));
    EXPECT_EQ(slurp(dir.path() / "notes.txt"), "mine\n");

    SimDir file_dir;
    fs::create_directories(file_dir.path());
    { std::ofstream(file_dir.path() / "plain") << "x"; }
    EXPECT_EQ(run_sim({"run", "--days", "1", "--out", (file_dir.path() / "plain").string()}), 1);

    SimDir empty;
    fs::create_directories(empty.path());
    EXPECT_EQ(run_sim({"run", "--days", "1", "--out", empty.str()}), 0);
}

TEST(SimCli, ReplayPrintsInstantsInIso8601) {
    ::testing::internal::CaptureStdout();
    const int code = run_sim({"replay", kScenario});
    const std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find("{\"result\":\"inactive since 2026-03-22T00:00:00.000Z\"}"),
              std::string::npos)
        << out;
    // No instant printed as raw milliseconds (13 digits in a row) in the steps' lines; the last
    // line's hex hash may hold such a run by chance.
    const std::string steps = out.substr(0, out.find("steps; log head"));
    for (std::size_t i = 0, run = 0; i < steps.size(); ++i) {
        run = std::isdigit(static_cast<unsigned char>(steps[i])) ? run + 1 : 0;
        ASSERT_LT(run, 13u) << "raw milliseconds near: " << steps.substr(i - 12, 40);
    }
}

}  // namespace
}  // namespace keyledger::testing
