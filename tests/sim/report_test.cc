// The report's own parts: the SVG writer and the scenario-driven report.

#include <gtest/gtest.h>

#include "sim/report/svg.h"
#include "sim_cli.h"
#include "sim_test_support.h"

namespace keyledger::testing {
namespace {

TEST(SimReport, SvgChartsHaveOnePathPerSeriesAndEscapeText) {
    sim::Chart chart{"a < b & c", "day", "calls", {{"one", {0, 5, 3}}, {"two", {1, 1, 12}}}};
    const std::string svg = sim::render_svg(chart);
    EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    EXPECT_NE(svg.find("a &lt; b &amp; c"), std::string::npos);
    std::size_t paths = 0;
    for (auto at = svg.find("<path "); at != std::string::npos; at = svg.find("<path ", at + 1)) {
        ++paths;
    }
    EXPECT_EQ(paths, 2u);
    EXPECT_EQ(svg, sim::render_svg(chart));
    EXPECT_TRUE(svg.ends_with("</svg>\n"));
}

TEST(SimReport, AScenarioRunReportsItsCalls) {
    SimDir dir;
    ASSERT_EQ(run_sim({"run", "--scenario",
                       std::string(KEYLEDGER_SIM_SCENARIOS) + "/inactivity_boundary.jsonl", "--out",
                       dir.str()}),
              0);
    const auto s = summary_of(dir.path());
    EXPECT_TRUE(s["model_agrees"].get<bool>());
    EXPECT_GT(s["calls_by_result"]["accepted"].get<int>(), 0);
    EXPECT_GT(s["calls_by_result"]["owner_inactive"].get<int>(), 0);
    EXPECT_EQ(s["log_head_hash"].get<std::string>().size(), 64u);
}

}  // namespace
}  // namespace keyledger::testing
