// Delivery keys: a repeated delivery gets the answer recorded for the first one (its call id),
// on the engine and in the model alike, and the world's external systems send such repeats.

#include <gtest/gtest.h>

#include "sim/run/replay.h"
#include "sim/scenario/scenario_file.h"
#include "sim_cli.h"
#include "sim_test_support.h"

namespace keyledger::testing {
namespace {

namespace fs = std::filesystem;

TEST(SimDeliveryKeys, ARepeatGetsTheFirstCallIdOnEngineAndModel) {
    auto steps = sim::read_scenario(fs::path(KEYLEDGER_SIM_SCENARIOS) / "delivery_keys.jsonl");
    ASSERT_TRUE(steps.has_value()) << steps.error().message;
    SimDir dir;
    const sim::ReplayResult replayed = sim::replay_steps(*steps, {}, dir.path(), false);
    ASSERT_TRUE(replayed.error.empty()) << replayed.error;
    EXPECT_FALSE(replayed.first_disagreement.has_value());

    // step index -> (call id answered, answered from the record)
    const std::vector<std::tuple<std::size_t, std::string, bool>> calls{
        {3, "call_1", false}, {4, "call_1", true},   {6, "call_1", true},   {7, "call_5", false},
        {8, "call_5", true},  {14, "call_8", false}, {16, "call_9", false}, {17, "call_8", true},
    };
    for (const auto& [index, call_id, replay] : calls) {
        for (const auto* side : {&replayed.engine, &replayed.model}) {
            const sim::Outcome& outcome = (*side)[index];
            EXPECT_EQ(outcome.result, "accepted") << "step " << index + 1;
            EXPECT_EQ(outcome.call_id, call_id) << "step " << index + 1;
            EXPECT_EQ(outcome.replayed, replay) << "step " << index + 1;
        }
    }
    EXPECT_EQ(replayed.engine[5].result, "idempotency_key_reused");
    EXPECT_TRUE(replayed.engine[5].call_id.empty());
}

TEST(SimDeliveryKeys, TheWorldRepeatsDeliveriesAndTheModelAgrees) {
    SimDir dir;
    ASSERT_EQ(
        run_sim({"run", "--seed", "3", "--days", "60", "--preset", "small", "--out", dir.str()}),
        0);
    const auto s = summary_of(dir.path());
    EXPECT_TRUE(s["model_agrees"].get<bool>());
    EXPECT_GT(s["repeated_deliveries_answered_from_record"].get<int>(), 0);
}

}  // namespace
}  // namespace keyledger::testing
