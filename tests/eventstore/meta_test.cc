// Named blobs beside the log.

#include <gtest/gtest.h>

#include "tests/eventstore/test_support.h"

namespace keyledger::eventstore::testing {
namespace {

using EventStoreMeta = StoreTest;

TEST_F(EventStoreMeta, PutThenGetSurvivesReopen) {
    const std::string blob("snap\0shot", 9);
    ASSERT_TRUE(store_->put_meta("snapshot/users", blob));
    ASSERT_TRUE(store_->put_meta("marker", "1"));
    ASSERT_TRUE(store_->put_meta("marker", "2"));
    reopen();

    auto snapshot = store_->get_meta("snapshot/users");
    ASSERT_TRUE(snapshot) << snapshot.error().message;
    EXPECT_EQ(*snapshot, std::optional<std::string>(blob));
    auto marker = store_->get_meta("marker");
    ASSERT_TRUE(marker);
    EXPECT_EQ(*marker, std::optional<std::string>("2"));
}

TEST_F(EventStoreMeta, MissingKeyIsEmptyNotAnError) {
    auto missing = store_->get_meta("nothing");
    ASSERT_TRUE(missing) << missing.error().message;
    EXPECT_FALSE(missing->has_value());
}

TEST_F(EventStoreMeta, MetaIsOutsideTheChain) {
    append_stream("a", 2);
    const Hash head = store_->head_hash();
    ASSERT_TRUE(store_->put_meta("marker", "x"));
    EXPECT_EQ(store_->head_position(), 2u);
    EXPECT_EQ(store_->head_hash(), head);
    auto report = store_->verify();
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->ok) << report->reason;
}

TEST_F(EventStoreMeta, StoreKeysAndEmptyKeyAreRefused) {
    for (std::string_view key : {"format", "head", ""}) {
        auto refused = store_->put_meta(key, "x");
        ASSERT_FALSE(refused) << key;
        EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
    }
    auto format = store_->get_meta("format");
    ASSERT_TRUE(format);
    EXPECT_EQ(*format, std::optional<std::string>("keyledger-eventstore/1"));
}

}  // namespace
}  // namespace keyledger::eventstore::testing
