// The store's position indexes: each stream's, the related index of NewEvent::related, and the
// binary search by decision instant.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/eventstore/test_support.h"

namespace keyledger::eventstore::testing {
namespace {

using Positions = std::vector<std::uint64_t>;

class RelatedIndex : public StoreTest {
  protected:
    // Appends one event of `stream` decided at `at_ms`, related to `related`.
    std::uint64_t add(const std::string& stream, std::int64_t at_ms,
                      std::vector<std::string> related = {}) {
        NewEvent event = make_event(stream, store_->stream_version(stream));
        event.at_ms = at_ms;
        event.related = std::move(related);
        auto appended = store_->append(events_batch({std::move(event)}));
        EXPECT_TRUE(appended) << appended.error().message;
        return appended ? appended->last_position : 0;
    }
};

TEST_F(RelatedIndex, FindsTheEventsThatNameAnIdUpToAPosition) {
    add("token-a", 100, {"usr_1"});            // 1
    add("token-b", 200, {"usr_2", "whk_1"});   // 2
    add("token-a", 300, {"usr_1"});            // 3
    add("user-usr_1", 400);                    // 4
    add("token-c", 500, {"usr_1", "usr_10"});  // 5

    EXPECT_EQ(store_->related_positions("usr_1", 100).value(), (Positions{1, 3, 5}));
    EXPECT_EQ(store_->related_positions("usr_1", 3).value(), (Positions{1, 3}));
    EXPECT_EQ(store_->related_positions("usr_1", 0).value(), Positions{});
    // An id that is a prefix of another finds only its own events.
    EXPECT_EQ(store_->related_positions("usr_10", 100).value(), Positions{5});
    EXPECT_EQ(store_->related_positions("whk_1", 100).value(), Positions{2});
    EXPECT_EQ(store_->related_positions("usr_nobody", 100).value(), Positions{});

    EXPECT_EQ(store_->stream_positions("token-a", 100).value(), (Positions{1, 3}));
    EXPECT_EQ(store_->stream_positions("token-a", 2).value(), Positions{1});
    EXPECT_EQ(store_->stream_positions("token-zzz", 100).value(), Positions{});

    reopen();
    EXPECT_EQ(store_->related_positions("usr_1", 100).value(), (Positions{1, 3, 5}));
}

TEST_F(RelatedIndex, RefusesRelatedIdsThatBreakTheTextRules) {
    for (std::string bad :
         {std::string(), std::string("a\0b", 3), std::string(kMaxTextBytes + 1, 'x')}) {
        NewEvent event = make_event("token-a", 0);
        event.related = {"usr_1", bad};
        auto appended = store_->append(events_batch({event}));
        ASSERT_FALSE(appended);
        EXPECT_EQ(appended.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(store_->head_position(), 0u);
    }
    EXPECT_EQ(store_->related_positions("", 10).error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(store_->related_positions("usr_1", 10).value(), Positions{});
}

TEST_F(RelatedIndex, PositionAtIsTheLastEventDecidedAtOrBeforeAnInstant) {
    EXPECT_EQ(store_->position_at(1'000, 100).value(), 0u);  // an empty log
    const std::vector<std::int64_t> instants = {100, 100, 200, 200, 200, 350, 400, 400, 900};
    for (std::int64_t at : instants) {
        add("s", at);
    }
    for (std::int64_t t = 0; t <= 1'000; t += 25) {
        std::uint64_t expected = 0;
        for (std::size_t i = 0; i < instants.size(); ++i) {
            if (instants[i] <= t) {
                expected = i + 1;
            }
        }
        EXPECT_EQ(store_->position_at(t, 100).value(), expected) << "t=" << t;
        // Never past up_to, whatever the instant.
        EXPECT_EQ(store_->position_at(t, 4).value(), std::min<std::uint64_t>(expected, 4))
            << "t=" << t;
    }
    EXPECT_EQ(store_->position_at(-5, 100).value(), 0u);
}

TEST_F(RelatedIndex, AddRelatedIndexesEventsAlreadyInTheLog) {
    add("token-a", 100);
    add("token-a", 200);
    ASSERT_TRUE(store_->add_related({{2, "usr_1"}, {1, "usr_1"}}));
    EXPECT_EQ(store_->related_positions("usr_1", 10).value(), (Positions{1, 2}));

    auto past_head = store_->add_related({{3, "usr_1"}});
    ASSERT_FALSE(past_head);
    EXPECT_EQ(past_head.error().code, ErrorCode::invalid_argument);
    auto zero = store_->add_related({{0, "usr_1"}});
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().code, ErrorCode::invalid_argument);
    auto nul = store_->add_related({{1, std::string("a\0b", 3)}});
    ASSERT_FALSE(nul);
    EXPECT_EQ(nul.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(store_->related_positions("usr_1", 10).value(), (Positions{1, 2}));

    reopen({.read_only = true});
    EXPECT_EQ(store_->add_related({{1, "usr_2"}}).error().code, ErrorCode::invalid_argument);
}

// A store written before the index existed: a read-only open works and says the index is
// missing; a writable open adds the (empty) family for the engine to fill.
TEST_F(RelatedIndex, AStoreWithoutTheIndexOpensAndSaysSo) {
    add("token-a", 100, {"usr_1"});
    store_.reset();
    {
        RawStore raw(dir_.path());
        raw.drop(detail::Family::related_index);
    }
    reopen({.read_only = true});
    EXPECT_EQ(store_->head_position(), 1u);
    EXPECT_EQ(store_->stream_positions("token-a", 10).value(), Positions{1});
    auto missing = store_->related_positions("usr_1", 10);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_a_store);
    EXPECT_NE(missing.error().message.find("start the server"), std::string::npos);

    reopen({.secondary = true});
    EXPECT_EQ(store_->related_positions("usr_1", 10).error().code, ErrorCode::not_a_store);

    EXPECT_FALSE(store_->related_index_complete().value());

    reopen();
    EXPECT_EQ(store_->related_positions("usr_1", 10).value(), Positions{});
    EXPECT_FALSE(store_->related_index_complete().value());
    add("token-a", 200, {"usr_1"});
    EXPECT_EQ(store_->related_positions("usr_1", 10).value(), Positions{2});
}

// The mark lives in the index: it survives a reopen, is never taken for an entry, and goes
// when the index goes.
TEST_F(RelatedIndex, TheMarkOfCompletenessLivesInTheIndex) {
    EXPECT_FALSE(store_->related_index_complete().value());
    add("token-a", 100, {"usr_1"});
    ASSERT_TRUE(store_->mark_related_index_complete());
    EXPECT_TRUE(store_->related_index_complete().value());
    EXPECT_EQ(store_->related_positions("usr_1", 10).value(), Positions{1});
    reopen({.read_only = true});
    EXPECT_TRUE(store_->related_index_complete().value());
    EXPECT_EQ(store_->mark_related_index_complete().error().code, ErrorCode::invalid_argument);
    store_.reset();
    {
        RawStore raw(dir_.path());
        raw.drop(detail::Family::related_index);
    }
    reopen();
    EXPECT_FALSE(store_->related_index_complete().value());
}

}  // namespace
}  // namespace keyledger::eventstore::testing
