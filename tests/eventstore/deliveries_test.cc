// The delivery store: seqs per webhook, paging, retention.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "eventstore/detail/rocksdb_event_store.h"
#include "eventstore/pruning.h"
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

// The store remembers how far pruning has gone (the latest cutoff a prune reached, never moved
// back), so that verify can tell a delivery deleted early or kept too long (decisions 113, 121).
TEST_F(EventStoreDeliveries, PruningRemembersItsCutoff) {
    auto mark = [&]() -> std::optional<std::int64_t> {
        auto stored = store_->get_meta(kDeliveriesPrunedBeforeKey);
        EXPECT_TRUE(stored.has_value());
        return stored && *stored ? decode_pruned_before(**stored) : std::nullopt;
    };
    EXPECT_EQ(mark(), std::nullopt);
    ASSERT_TRUE(store_->append(
        {.events = {}, .deliveries = {make_delivery("w", 100), make_delivery("w", 300)}}));
    ASSERT_EQ(store_->prune_deliveries(50).value_or(9), 0u);
    EXPECT_EQ(mark(), 50);  // nothing removed, but every delivery before 50 is known gone
    ASSERT_EQ(store_->prune_deliveries(20).value_or(9), 0u);
    EXPECT_EQ(mark(), 50);  // never moved back
    ASSERT_EQ(store_->prune_deliveries(200).value_or(9), 1u);
    EXPECT_EQ(mark(), 200);
    reopen();
    EXPECT_EQ(mark(), 200);
    ASSERT_EQ(store_->prune_deliveries(400).value_or(9), 1u);
    EXPECT_EQ(mark(), 400);
    // Only the store writes it.
    auto planted = store_->put_meta(kDeliveriesPrunedBeforeKey, "0");
    ASSERT_FALSE(planted.has_value());
    EXPECT_EQ(planted.error().code, ErrorCode::invalid_argument);
}

// An entry that cannot be decoded (a key that is not a webhook id and a seq, or a value that is
// not a delivery) is kept, never deleted unread, and no longer stops the pruning of the others
// (decision 114).
TEST_F(EventStoreDeliveries, PruningSkipsWhatItCannotDecodeAndPrunesTheRest) {
    ASSERT_TRUE(store_->append({.events = {},
                                .deliveries = {make_delivery("w", 100), make_delivery("w", 300),
                                               make_delivery("x", 50)}}));
    store_.reset();
    {
        RawStore raw(dir_.path());
        // Planted beside the store's own entries: no time index entry leads pruning to them.
        raw.put(detail::Family::deliveries, "zzz", "anything");
        raw.put(detail::Family::deliveries, detail::delivery_key("v", 1), "not a delivery");
        // Damaged where pruning looks: an old delivery the index lists.
        raw.put(detail::Family::deliveries, detail::delivery_key("x", 1), "damaged");
    }
    reopen();
    std::size_t undecodable = 0;
    auto pruned = store_->prune_deliveries(200, &undecodable);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(*pruned, 1u);
    EXPECT_EQ(undecodable, 1u);
    auto kept = store_->read_deliveries("w", 0, 10);
    ASSERT_TRUE(kept);
    EXPECT_EQ(seqs_of(*kept), (std::vector<std::uint64_t>{2}));

    // Every entry, readable or not, in key order.
    auto entries = store_->read_delivery_entries(std::nullopt, 10);
    ASSERT_TRUE(entries) << entries.error().message;
    ASSERT_EQ(entries->size(), 4u);
    EXPECT_EQ((*entries)[0].key, detail::delivery_key("v", 1));
    EXPECT_FALSE((*entries)[0].delivery.has_value());
    EXPECT_EQ((*entries)[1].key, detail::delivery_key("w", 2));
    ASSERT_TRUE((*entries)[1].delivery.has_value());
    EXPECT_EQ((*entries)[1].delivery->received_at_ms, 300);
    EXPECT_EQ((*entries)[2].key, detail::delivery_key("x", 1));
    EXPECT_FALSE((*entries)[2].delivery.has_value());
    EXPECT_EQ((*entries)[3].key, "zzz");
    EXPECT_EQ((*entries)[3].delivery.error(), "the key is not a webhook id and a seq");
    auto after = store_->read_delivery_entries((*entries)[2].key, 10);
    ASSERT_TRUE(after);
    ASSERT_EQ(after->size(), 1u);
    EXPECT_EQ(after->front().key, "zzz");

    // The damaged delivery is met again by every pass, and still kept.
    undecodable = 0;
    pruned = store_->prune_deliveries(200, &undecodable);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(*pruned, 0u);
    EXPECT_EQ(undecodable, 1u);
}

// The time index only leads pruning to a delivery; the delivery's own instant decides.
TEST_F(EventStoreDeliveries, AnIndexEntryThatLiesAboutTheTimeNeverRemovesAYoungDelivery) {
    ASSERT_TRUE(store_->append({.events = {}, .deliveries = {make_delivery("w", 500)}}));
    store_.reset();
    {
        RawStore raw(dir_.path());
        const std::string key = detail::delivery_key("w", 1);
        raw.remove(detail::Family::delivery_time, detail::delivery_time_key(500, key));
        raw.put(detail::Family::delivery_time, detail::delivery_time_key(10, key), "");
    }
    reopen();
    auto pruned = store_->prune_deliveries(200);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(*pruned, 0u);
    auto kept = store_->read_deliveries("w", 0, 10);
    ASSERT_TRUE(kept);
    EXPECT_EQ(seqs_of(*kept), (std::vector<std::uint64_t>{1}));
}

// A store written before the time index existed has deliveries without entries: its next
// writable open indexes them, so pruning finds them, and a read-only open changes nothing.
TEST_F(EventStoreDeliveries, DeliveriesWrittenBeforeTheTimeIndexAreIndexedAtTheNextWritableOpen) {
    ASSERT_TRUE(store_->append({.events = {},
                                .deliveries = {make_delivery("a", 10), make_delivery("b", 20),
                                               make_delivery("a", 300), make_delivery("c", 30)}}));
    store_.reset();
    {
        RawStore raw(dir_.path());
        raw.drop(detail::Family::delivery_time);
    }
    reopen({.read_only = true});
    reopen();
    {
        auto pruned = store_->prune_deliveries(100);
        ASSERT_TRUE(pruned) << pruned.error().message;
        EXPECT_EQ(*pruned, 3u);
    }
    auto a = store_->read_deliveries("a", 0, 10);
    ASSERT_TRUE(a);
    EXPECT_EQ(seqs_of(*a), (std::vector<std::uint64_t>{2}));
    store_.reset();
    RawStore raw(dir_.path());
    const std::vector<std::string> left = raw.keys(detail::Family::delivery_time);
    ASSERT_EQ(left.size(), 2u);  // the mark and a's second delivery
    EXPECT_EQ(left[0], std::string(detail::kDeliveryTimeCompleteKey));
    EXPECT_EQ(left[1], detail::delivery_time_key(300, detail::delivery_key("a", 2)));
}

// Instants before the epoch sort before those after it in the index.
TEST(DeliveryTimeKeys, SortByInstantAndParseBack) {
    const std::string key = detail::delivery_key("w", 7);
    std::vector<std::string> keys;
    for (std::int64_t at :
         {std::int64_t{-5}, std::int64_t{0}, std::int64_t{1}, std::int64_t{1} << 40}) {
        keys.push_back(detail::delivery_time_key(at, key));
        auto parsed = detail::parse_delivery_time_key(keys.back());
        ASSERT_TRUE(parsed);
        EXPECT_EQ(parsed->received_at_ms, at);
        EXPECT_EQ(parsed->delivery_key, key);
    }
    EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
    EXPECT_LT(detail::delivery_time_key(-1, key), detail::delivery_time_bound(0));
    EXPECT_FALSE(detail::parse_delivery_time_key(std::string(detail::kDeliveryTimeCompleteKey)));
}

// Pruning reads each webhook's deliveries only up to its first kept one and then jumps to the
// next webhook; names that share a prefix ("w", "w2", "wa") must not be skipped over.
TEST_F(EventStoreDeliveries, PruningRemovesEveryOldDeliveryOfEveryWebhookAndNothingNewer) {
    ASSERT_TRUE(store_->append(
        {.events = {},
         .deliveries = {make_delivery("w", 100), make_delivery("w2", 50), make_delivery("x", 10),
                        make_delivery("w", 300), make_delivery("w2", 150), make_delivery("wa", 400),
                        make_delivery("x", 20), make_delivery("w", 350)}}));
    auto pruned = store_->prune_deliveries(200);
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(*pruned, 5u);
    const std::vector<std::pair<std::string, std::vector<std::uint64_t>>> expected = {
        {"w", {2, 3}}, {"w2", {}}, {"wa", {1}}, {"x", {}}};
    for (const auto& [webhook, seqs] : expected) {
        auto left = store_->read_deliveries(webhook, 0, 10);
        ASSERT_TRUE(left) << left.error().message;
        EXPECT_EQ(seqs_of(*left), seqs) << webhook;
    }
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

std::uintmax_t bytes_on_disk(const std::filesystem::path& dir) {
    std::uintmax_t bytes = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file()) {
            bytes += entry.file_size();
        }
    }
    return bytes;
}

// Deleted records keep their bytes until a compaction drops them: pruning must see to it.
TEST_F(EventStoreDeliveries, PruningGivesTheDiskSpaceBack) {
    constexpr int kDeliveries = 2400;
    constexpr std::size_t kBodyBytes = 4096;
    std::mt19937_64 random(5);
    for (int first = 0; first < kDeliveries; first += 100) {
        std::vector<NewDelivery> deliveries;
        for (int n = first; n < first + 100; ++n) {
            std::string body(kBodyBytes, '\0');  // random bytes: snappy cannot shrink them
            for (char& c : body) {
                c = static_cast<char>(random());
            }
            deliveries.push_back(make_delivery("w" + std::to_string(n % 4), n, std::move(body)));
        }
        ASSERT_TRUE(store_->append({.events = {}, .deliveries = std::move(deliveries)}));
    }
    reopen();  // the write-ahead log becomes table files
    const std::uintmax_t full = bytes_on_disk(dir_.path());
    ASSERT_GT(full, kDeliveries * kBodyBytes);

    auto pruned = store_->prune_deliveries(kDeliveries - 240);  // keeps the newest tenth
    ASSERT_TRUE(pruned) << pruned.error().message;
    EXPECT_EQ(*pruned, static_cast<std::size_t>(kDeliveries - 240));
    // The compaction runs on the store's own thread; the pass returned without waiting for it.
    auto* rocks = dynamic_cast<detail::RocksDbEventStore*>(store_.get());
    ASSERT_NE(rocks, nullptr);
    EXPECT_EQ(rocks->wait_for_pruning_compaction(), 0u);
    const std::uintmax_t after = bytes_on_disk(dir_.path());
    EXPECT_LT(after, full / 4) << "bytes on disk: " << full << " before pruning, " << after
                               << " after";

    auto kept = store_->read_deliveries("w0", 0, 1000);
    ASSERT_TRUE(kept) << kept.error().message;
    ASSERT_EQ(kept->size(), 60u);
    EXPECT_EQ(kept->front().received_at_ms, kDeliveries - 240);
    EXPECT_EQ(kept->front().body.size(), kBodyBytes);
    reopen();
    auto reread = store_->read_deliveries("w0", 0, 1000);
    ASSERT_TRUE(reread) << reread.error().message;
    ASSERT_EQ(reread->size(), 60u);
    EXPECT_EQ(reread->back().body, kept->back().body);
}

// A nearly idle server: a few calls between pruning passes, each pass removing more than it
// keeps, so each asks for a compaction. The compaction must not leave behind write-ahead log files
// that the other families' small memtables still pin (each preallocated to about a memtable's
// size on disk: a tester saw the store at 3× its retention, most of it such files).
TEST_F(EventStoreDeliveries, PruningsCompactionsLeaveNoWriteAheadLogsBehind) {
    auto* rocks = dynamic_cast<detail::RocksDbEventStore*>(store_.get());
    ASSERT_NE(rocks, nullptr);
    auto logs = [&] {
        std::size_t count = 0;
        for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
            count += entry.path().extension() == ".log" ? 1 : 0;
        }
        return count;
    };
    std::int64_t at = 0;
    for (std::uint64_t cycle = 0; cycle < 12; ++cycle) {
        for (int call = 0; call < 3; ++call, ++at) {
            ASSERT_TRUE(store_->append({.events = {make_event("s", cycle * 3 + call)},
                                        .deliveries = {make_delivery("w", at)}}));
        }
        auto pruned = store_->prune_deliveries(at - 1);  // keeps the newest: a compaction starts
        ASSERT_TRUE(pruned) << pruned.error().message;
        EXPECT_EQ(rocks->wait_for_pruning_compaction(), 0u);
    }
    EXPECT_LE(logs(), 2u);
    auto kept = store_->read_deliveries("w", 0, 100);
    ASSERT_TRUE(kept) << kept.error().message;
    ASSERT_EQ(kept->size(), 1u);
    EXPECT_EQ(kept->front().received_at_ms, at - 1);
    EXPECT_EQ(store_->head_position(), 36u);
}

TEST_F(EventStoreDeliveries, ClosingTheStoreWhilePruningsCompactionRunsLosesNothing) {
    for (int first = 0; first < 2000; first += 100) {
        std::vector<NewDelivery> deliveries;
        for (int n = first; n < first + 100; ++n) {
            deliveries.push_back(
                make_delivery("w" + std::to_string(n % 7), n, std::string(1024, 'a' + n % 26)));
        }
        ASSERT_TRUE(store_->append({.events = {}, .deliveries = std::move(deliveries)}));
    }
    auto pruned = store_->prune_deliveries(1500);  // more pruned than kept: a compaction starts
    ASSERT_TRUE(pruned) << pruned.error().message;
    ASSERT_EQ(*pruned, 1500u);
    reopen();  // at once: the compaction is cancelled or done, never waited for
    std::size_t kept = 0;
    for (int webhook = 0; webhook < 7; ++webhook) {
        auto deliveries = store_->read_deliveries("w" + std::to_string(webhook), 0, 1000);
        ASSERT_TRUE(deliveries) << deliveries.error().message;
        for (const StoredDelivery& delivery : *deliveries) {
            EXPECT_GE(delivery.received_at_ms, 1500);
            EXPECT_EQ(delivery.body, std::string(1024, 'a' + delivery.received_at_ms % 26));
        }
        kept += deliveries->size();
    }
    EXPECT_EQ(kept, 500u);
}

TEST_F(EventStoreDeliveries, SuccessivePassesGoOnWhereTheLastStopped) {
    std::vector<NewDelivery> deliveries;
    for (int n = 0; n < 1000; ++n) {
        deliveries.push_back(make_delivery("w" + std::to_string(n % 13), n));
    }
    ASSERT_TRUE(store_->append({.events = {}, .deliveries = std::move(deliveries)}));
    auto prune = [&](std::int64_t before) {
        auto pruned = store_->prune_deliveries(before);
        EXPECT_TRUE(pruned) << pruned.error().message;
        return pruned.value_or(0);
    };
    EXPECT_EQ(prune(500), 500u);
    EXPECT_EQ(prune(300), 0u);  // a cutoff moved back finds nothing left before it
    EXPECT_EQ(prune(800), 300u);
    ASSERT_TRUE(store_->append({.events = {}, .deliveries = {make_delivery("w0", 1000)}}));
    reopen();  // a new store begins from the start of the index
    EXPECT_EQ(prune(900), 100u);
    EXPECT_EQ(prune(1001), 101u);
    for (int webhook = 0; webhook < 13; ++webhook) {
        auto left = store_->read_deliveries("w" + std::to_string(webhook), 0, 1000);
        ASSERT_TRUE(left);
        EXPECT_TRUE(left->empty()) << "w" << webhook << " kept " << left->size();
    }
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
