// The delivery store: seqs per webhook, paging, retention.

#include <gtest/gtest.h>

#include "tests/eventstore/test_support.h"

namespace keyledger::eventstore::testing {
namespace {

using EventStoreDeliveries = StoreTest;

std::vector<std::uint64_t> seqs_of(const std::vector<StoredDelivery>& deliveries) {
    std::vector<std::uint64_t> seqs;
    for (const StoredDelivery& delivery : deliveries) {
        seqs.push_back(delivery.seq);
    }
    return seqs;
}

TEST_F(EventStoreDeliveries, SeqsAreDensePerWebhookAcrossBatches) {
    ASSERT_TRUE(store_->append({.events = {},
                                .deliveries = {make_delivery("w1", 10), make_delivery("w2", 11),
                                               make_delivery("w1", 12)}}));
    ASSERT_TRUE(store_->append({.events = {make_event("a", 0)},
                                .deliveries = {make_delivery("w1", 13), make_delivery("w2", 14)}}));

    auto w1 = store_->read_deliveries("w1", 0, 10);
    ASSERT_TRUE(w1) << w1.error().message;
    EXPECT_EQ(seqs_of(*w1), (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_EQ((*w1)[1].received_at_ms, 12);
    EXPECT_EQ((*w1)[1].call_id, "call-12");
    EXPECT_EQ((*w1)[1].content_type, "application/json");
    EXPECT_EQ((*w1)[1].webhook_id, "w1");

    auto w2 = store_->read_deliveries("w2", 0, 10);
    ASSERT_TRUE(w2);
    EXPECT_EQ(seqs_of(*w2), (std::vector<std::uint64_t>{1, 2}));

    // Deliveries live outside the chain: only the one event moved the head.
    EXPECT_EQ(store_->head_position(), 1u);
}

TEST_F(EventStoreDeliveries, SeqsGoOnAfterReopen) {
    ASSERT_TRUE(store_->append({.events = {}, .deliveries = {make_delivery("w", 1)}}));
    reopen();
    ASSERT_TRUE(store_->append({.events = {}, .deliveries = {make_delivery("w", 2)}}));

    auto all = store_->read_deliveries("w", 0, 10);
    ASSERT_TRUE(all);
    EXPECT_EQ(seqs_of(*all), (std::vector<std::uint64_t>{1, 2}));
}

TEST_F(EventStoreDeliveries, ReadHonoursAfterAndLimit) {
    std::vector<NewDelivery> deliveries;
    for (int i = 1; i <= 6; ++i) {
        deliveries.push_back(make_delivery("w", i, "body-" + std::to_string(i)));
    }
    // A webhook whose id extends "w": its deliveries must not leak into w's.
    deliveries.push_back(make_delivery("w2", 7));
    ASSERT_TRUE(store_->append({.events = {}, .deliveries = deliveries}));

    auto page = store_->read_deliveries("w", 2, 3);
    ASSERT_TRUE(page);
    EXPECT_EQ(seqs_of(*page), (std::vector<std::uint64_t>{3, 4, 5}));
    EXPECT_EQ((*page)[0].body, "body-3");

    auto rest = store_->read_deliveries("w", 5, 10);
    ASSERT_TRUE(rest);
    EXPECT_EQ(seqs_of(*rest), (std::vector<std::uint64_t>{6}));

    auto none = store_->read_deliveries("unknown", 0, 10);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST_F(EventStoreDeliveries, PruneRemovesOnlyDeliveriesBeforeTheCutoff) {
    ASSERT_TRUE(
        store_->append({.events = {},
                        .deliveries = {make_delivery("w1", 100), make_delivery("w2", 150),
                                       make_delivery("w1", 200), make_delivery("w1", 300)}}));

    auto pruned = store_->prune_deliveries(200);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(*pruned, 2u);

    auto w1 = store_->read_deliveries("w1", 0, 10);
    ASSERT_TRUE(w1);
    EXPECT_EQ(seqs_of(*w1), (std::vector<std::uint64_t>{2, 3}));
    auto w2 = store_->read_deliveries("w2", 0, 10);
    ASSERT_TRUE(w2);
    EXPECT_TRUE(w2->empty());

    auto again = store_->prune_deliveries(200);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, 0u);
}

TEST_F(EventStoreDeliveries, SeqsAreNotReusedAfterEverythingWasPruned) {
    ASSERT_TRUE(store_->append(
        {.events = {}, .deliveries = {make_delivery("w", 1), make_delivery("w", 2)}}));
    auto pruned = store_->prune_deliveries(1000);
    ASSERT_TRUE(pruned);
    ASSERT_EQ(*pruned, 2u);
    reopen();

    ASSERT_TRUE(store_->append({.events = {}, .deliveries = {make_delivery("w", 1001)}}));
    auto all = store_->read_deliveries("w", 0, 10);
    ASSERT_TRUE(all);
    EXPECT_EQ(seqs_of(*all), (std::vector<std::uint64_t>{3}));
}

TEST_F(EventStoreDeliveries, FailedBatchGivesNoSeqs) {
    // The conflict in the batch's event must also drop its delivery.
    auto refused =
        store_->append({.events = {make_event("a", 5)}, .deliveries = {make_delivery("w", 1)}});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::version_conflict);

    ASSERT_TRUE(store_->append({.events = {}, .deliveries = {make_delivery("w", 2)}}));
    auto all = store_->read_deliveries("w", 0, 10);
    ASSERT_TRUE(all);
    EXPECT_EQ(seqs_of(*all), (std::vector<std::uint64_t>{1}));
    EXPECT_EQ(all->front().received_at_ms, 2);
}

TEST_F(EventStoreDeliveries, RefusesInvalidWebhookIds) {
    auto empty = store_->append({.events = {}, .deliveries = {make_delivery("", 1)}});
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, ErrorCode::invalid_argument);

    auto nul = store_->read_deliveries(std::string_view("w\0x", 3), 0, 10);
    ASSERT_FALSE(nul);
    EXPECT_EQ(nul.error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace keyledger::eventstore::testing
