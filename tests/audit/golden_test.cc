// The audit tools on the golden store of an earlier version (tests/fixtures/golden): it verifies,
// and every call decision it recorded is explained and recomputed to the same outcome from the
// partial fold explain uses.

#include <gtest/gtest.h>

#include "audit/explain.h"
#include "audit/history.h"
#include "audit/verify.h"
#include "engine/engine.h"
#include "tests/engine/temp_dir.h"

namespace keyledger::testing {
namespace {

class Golden : public ::testing::Test {
  protected:
    void SetUp() override {
        // A copy: the fixture must stay as committed.
        std::filesystem::copy(std::filesystem::path(KEYLEDGER_SOURCE_DIR) / "tests/fixtures/golden",
                              dir.path() / "data", std::filesystem::copy_options::recursive);
        auto opened = audit::open_for_audit(dir.path() / "data");
        ASSERT_TRUE(opened.has_value()) << opened.error().message;
        store = std::move(*opened);
    }
    TempDir dir;
    std::unique_ptr<eventstore::EventStore> store;
};

TEST_F(Golden, VerifiesWithoutASnapshot) {
    auto out = audit::verify(*store);
    ASSERT_TRUE(out.has_value()) << out.error().message;
    EXPECT_EQ((*out)["ok"], true) << out->dump(2);
    EXPECT_EQ((*out)["events"], 218);
}

TEST_F(Golden, EveryRecordedCallIsRecomputedToItsRecordedOutcome) {
    std::vector<std::string> warnings;
    auto model =
        audit::load_model(*store, [&](const std::string& warning) { warnings.push_back(warning); });
    ASSERT_TRUE(model.has_value()) << model.error().message;
    auto events = store->read_all(0, 1000);
    ASSERT_TRUE(events.has_value());
    int calls = 0;
    for (const auto& stored : *events) {
        auto fact = engine::decode_fact(stored);
        ASSERT_TRUE(fact.has_value());
        const auto* call = std::get_if<domain::CallDecided>(&fact->event);
        if (call == nullptr)
            continue;
        ++calls;
        auto out = audit::explain_call(*store, *model, model->state().window_ms, call->call_id);
        ASSERT_TRUE(out.has_value()) << call->call_id << ": " << out.error().message;
        EXPECT_EQ((*out)["agrees"], true) << out->dump(2);
        EXPECT_EQ((*out)["call"]["position"], stored.position);
    }
    EXPECT_GT(calls, 50);
}

}  // namespace
}  // namespace keyledger::testing
