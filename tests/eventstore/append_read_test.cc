// Appending to the log and reading it back: positions, versions, conflicts, reopening.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "security/sha256.h"
#include "tests/eventstore/test_support.h"

namespace keyledger::eventstore::testing {
namespace {

using EventStoreAppend = StoreTest;

TEST_F(EventStoreAppend, ReadsBackWhatWasAppended) {
    NewEvent event = make_event("user-abc", 0, std::string("\x00\x01binary", 8));
    event.type = "UserCreated";
    event.at_ms = 1234;
    event.actor = "anonymous";
    event.correlation_id = "c-9";

    auto appended = store_->append(events_batch({event}));
    ASSERT_TRUE(appended) << appended.error().message;
    EXPECT_EQ(appended->first_position, 1u);
    EXPECT_EQ(appended->last_position, 1u);

    auto read = store_->read_at(1);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->position, 1u);
    EXPECT_EQ(read->stream, "user-abc");
    EXPECT_EQ(read->version, 1u);
    EXPECT_EQ(read->type, "UserCreated");
    EXPECT_EQ(read->at_ms, 1234);
    EXPECT_EQ(read->actor, "anonymous");
    EXPECT_EQ(read->correlation_id, "c-9");
    EXPECT_EQ(read->payload, event.payload);
    EXPECT_EQ(read->prev_hash, Hash{});
    EXPECT_EQ(read->hash, appended->head);
    EXPECT_EQ(store_->head_hash(), appended->head);
}

TEST_F(EventStoreAppend, PositionsAreDenseAcrossBatches) {
    auto first = store_->append(events_batch({make_event("a", 0), make_event("b", 0)}));
    auto second = store_->append(events_batch({make_event("a", 1)}));
    auto third = store_->append(events_batch({make_event("b", 1), make_event("a", 2)}));
    ASSERT_TRUE(first && second && third);

    EXPECT_EQ(first->first_position, 1u);
    EXPECT_EQ(first->last_position, 2u);
    EXPECT_EQ(second->first_position, 3u);
    EXPECT_EQ(second->last_position, 3u);
    EXPECT_EQ(third->first_position, 4u);
    EXPECT_EQ(third->last_position, 5u);
    EXPECT_EQ(store_->head_position(), 5u);

    auto all = store_->read_all(0, 100);
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->size(), 5u);
    for (std::size_t i = 0; i < all->size(); ++i) {
        EXPECT_EQ((*all)[i].position, i + 1);
        if (i > 0) {
            EXPECT_EQ((*all)[i].prev_hash, (*all)[i - 1].hash) << "event " << i + 1;
        }
    }
    EXPECT_EQ(all->back().hash, third->head);
}

TEST_F(EventStoreAppend, ReadAllHonoursAfterAndLimit) {
    append_stream("s", 6);

    auto page = store_->read_all(2, 3);
    ASSERT_TRUE(page) << page.error().message;
    ASSERT_EQ(page->size(), 3u);
    EXPECT_EQ(page->front().position, 3u);
    EXPECT_EQ(page->back().position, 5u);

    auto tail = store_->read_all(5, 10);
    ASSERT_TRUE(tail);
    ASSERT_EQ(tail->size(), 1u);
    EXPECT_EQ(tail->front().position, 6u);

    auto past_end = store_->read_all(6, 10);
    ASSERT_TRUE(past_end);
    EXPECT_TRUE(past_end->empty());
}

TEST_F(EventStoreAppend, ForEachEventLendsWhatReadAllCopies) {
    append_stream("a", 3);
    append_stream("b", 2);
    auto copies = store_->read_all(0, 10);
    ASSERT_TRUE(copies) << copies.error().message;
    ASSERT_EQ(copies->size(), 5u);

    for (Hashes hashes : {Hashes::compute, Hashes::skip}) {
        std::vector<StoredEvent> lent;
        auto read = store_->for_each_event(1, 10, hashes, [&](const EventView& event) {
            lent.push_back(detail::to_stored_event(event));
            return true;
        });
        ASSERT_TRUE(read) << read.error().message;
        EXPECT_EQ(*read, 4u);
        ASSERT_EQ(lent.size(), 4u);
        for (std::size_t i = 0; i < lent.size(); ++i) {
            StoredEvent expected = (*copies)[i + 1];
            if (hashes == Hashes::skip) {
                expected.hash = Hash{};
            }
            EXPECT_EQ(lent[i].position, expected.position);
            EXPECT_EQ(lent[i].stream, expected.stream);
            EXPECT_EQ(lent[i].version, expected.version);
            EXPECT_EQ(lent[i].payload, expected.payload);
            EXPECT_EQ(lent[i].prev_hash, expected.prev_hash);
            EXPECT_EQ(lent[i].hash, expected.hash);
        }
    }
}

TEST_F(EventStoreAppend, ForEachEventStopsAtTheLimitOrWhenTheVisitorSays) {
    append_stream("a", 6);
    std::vector<std::uint64_t> seen;
    auto visit = [&](const EventView& event) {
        seen.push_back(event.position);
        return event.position != 4;
    };
    auto stopped = store_->for_each_event(0, 100, Hashes::skip, visit);
    ASSERT_TRUE(stopped);
    EXPECT_EQ(*stopped, 4u);
    EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 4}));

    seen.clear();
    auto limited = store_->for_each_event(4, 1, Hashes::skip, visit);
    ASSERT_TRUE(limited);
    EXPECT_EQ(seen, (std::vector<std::uint64_t>{5}));

    auto past = store_->for_each_event(6, 10, Hashes::skip, visit);
    ASSERT_TRUE(past);
    EXPECT_EQ(*past, 0u);
}

TEST_F(EventStoreAppend, ReadStreamGivesOnlyThatStreamInVersionOrder) {
    ASSERT_TRUE(store_->append(events_batch({make_event("a", 0), make_event("b", 0)})));
    ASSERT_TRUE(store_->append(events_batch({make_event("a", 1), make_event("ab", 0)})));
    ASSERT_TRUE(store_->append(events_batch({make_event("a", 2)})));

    auto a = store_->read_stream("a", 0, 10);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_EQ(a->size(), 3u);
    EXPECT_EQ((*a)[0].position, 1u);
    EXPECT_EQ((*a)[1].position, 3u);
    EXPECT_EQ((*a)[2].position, 5u);
    for (std::size_t i = 0; i < a->size(); ++i) {
        EXPECT_EQ((*a)[i].stream, "a");
        EXPECT_EQ((*a)[i].version, i + 1);
    }

    auto after = store_->read_stream("a", 1, 1);
    ASSERT_TRUE(after);
    ASSERT_EQ(after->size(), 1u);
    EXPECT_EQ(after->front().version, 2u);

    EXPECT_EQ(store_->stream_version("a"), 3u);
    EXPECT_EQ(store_->stream_version("ab"), 1u);
    EXPECT_EQ(store_->stream_version("b"), 1u);
    EXPECT_EQ(store_->stream_version("unknown"), 0u);
    auto unknown = store_->read_stream("unknown", 0, 10);
    ASSERT_TRUE(unknown);
    EXPECT_TRUE(unknown->empty());
}

TEST_F(EventStoreAppend, VersionConflictWritesNothing) {
    ASSERT_TRUE(store_->append(events_batch({make_event("a", 0)})));
    const Hash head = store_->head_hash();

    // The first event is fine, the second is stale: neither may be written.
    auto conflict = store_->append(events_batch({make_event("b", 0), make_event("a", 0)}));
    ASSERT_FALSE(conflict);
    EXPECT_EQ(conflict.error().code, ErrorCode::version_conflict);
    EXPECT_NE(conflict.error().message.find("stream 'a'"), std::string::npos)
        << conflict.error().message;

    EXPECT_EQ(store_->head_position(), 1u);
    EXPECT_EQ(store_->head_hash(), head);
    EXPECT_EQ(store_->stream_version("b"), 0u);
    auto all = store_->read_all(0, 10);
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 1u);
}

TEST_F(EventStoreAppend, VersionsAreCheckedWithinOneBatch) {
    // Two events both claiming version 1 of a new stream.
    auto twice = store_->append(events_batch({make_event("a", 0), make_event("a", 0)}));
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, ErrorCode::version_conflict);
    EXPECT_EQ(store_->head_position(), 0u);
    EXPECT_EQ(store_->stream_version("a"), 0u);

    // The same stream twice, in order, is fine.
    auto in_order = store_->append(events_batch({make_event("a", 0), make_event("a", 1)}));
    ASSERT_TRUE(in_order) << in_order.error().message;
    EXPECT_EQ(store_->stream_version("a"), 2u);
}

TEST_F(EventStoreAppend, ExpectingAFutureVersionConflicts) {
    auto ahead = store_->append(events_batch({make_event("a", 3)}));
    ASSERT_FALSE(ahead);
    EXPECT_EQ(ahead.error().code, ErrorCode::version_conflict);
    EXPECT_EQ(store_->head_position(), 0u);
}

TEST_F(EventStoreAppend, ReopenKeepsEventsAndHead) {
    append_stream("a", 3);
    append_stream("b", 2);
    const Hash head = store_->head_hash();
    auto before = store_->read_all(0, 100);
    ASSERT_TRUE(before);

    reopen();

    EXPECT_EQ(store_->head_position(), 5u);
    EXPECT_EQ(store_->head_hash(), head);
    EXPECT_EQ(store_->stream_version("a"), 3u);
    auto after = store_->read_all(0, 100);
    ASSERT_TRUE(after);
    ASSERT_EQ(after->size(), before->size());
    for (std::size_t i = 0; i < after->size(); ++i) {
        EXPECT_EQ((*after)[i].hash, (*before)[i].hash);
        EXPECT_EQ((*after)[i].payload, (*before)[i].payload);
    }

    // Appending goes on from the stored head.
    auto next = store_->append(events_batch({make_event("a", 3)}));
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_EQ(next->first_position, 6u);
    auto sixth = store_->read_at(6);
    ASSERT_TRUE(sixth);
    EXPECT_EQ(sixth->prev_hash, head);
}

TEST_F(EventStoreAppend, VerifyPassesOnAnIntactLog) {
    append_stream("a", 4);
    append_stream("b", 3);
    reopen();

    auto report = store_->verify();
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report->ok) << report->reason;
    EXPECT_EQ(report->events, 7u);
    EXPECT_EQ(report->head, store_->head_hash());
    EXPECT_EQ(report->first_bad_position, 0u);
}

TEST_F(EventStoreAppend, VerifyPassesOnAnEmptyLog) {
    auto report = store_->verify();
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report->ok) << report->reason;
    EXPECT_EQ(report->events, 0u);
}

TEST_F(EventStoreAppend, HashIsSha256OfTheStoredEnvelope) {
    ASSERT_TRUE(store_->append(events_batch({make_event("a", 0)})));
    auto event = store_->read_at(1);
    ASSERT_TRUE(event);
    store_.reset();

    RawStore raw(dir_.path());
    EXPECT_EQ(security::sha256(raw.get(detail::Family::events, detail::event_key(1))), event->hash);
}

TEST_F(EventStoreAppend, EmptyBatchWritesNothing) {
    append_stream("a", 2);
    auto empty = store_->append({});
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_EQ(empty->first_position, 3u);
    EXPECT_EQ(empty->last_position, 2u);
    EXPECT_EQ(store_->head_position(), 2u);
}

TEST_F(EventStoreAppend, RefusesBrokenPreconditionsWithoutWriting) {
    std::vector<NewEvent> bad_events = {make_event("", 0), make_event(std::string("a\0b", 3), 0),
                                        make_event("a", 0), make_event("a", UINT64_MAX),
                                        make_event("a", 0, std::string(kMaxPayloadBytes + 1, 'x'))};
    bad_events[2].type = "";
    bad_events.push_back(make_event("a", 0));
    bad_events.back().actor = std::string(kMaxTextBytes + 1, 'a');
    for (const NewEvent& bad : bad_events) {
        auto refused = store_->append(events_batch({make_event("ok", 0), bad}));
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(refused.error().message.find("event 2"), std::string::npos)
            << refused.error().message;
    }
    EXPECT_EQ(store_->head_position(), 0u);
    EXPECT_EQ(store_->stream_version("ok"), 0u);
}

TEST_F(EventStoreAppend, ReadAtOutsideTheLogIsAnInvalidArgument) {
    append_stream("a", 2);
    for (std::uint64_t position : {0u, 3u, 100u}) {
        auto read = store_->read_at(position);
        ASSERT_FALSE(read);
        EXPECT_EQ(read.error().code, ErrorCode::invalid_argument) << position;
    }
}

TEST(EventStoreThreads, ReadersSeeWholeBatchesWhileTheWriterAppends) {
    TempDir dir;
    auto opened = open_rocksdb_store(dir.path(), {.create = true, .sync = false});
    ASSERT_TRUE(opened) << opened.error().message;
    EventStore& store = **opened;
    constexpr int kBatches = 200;

    std::atomic<bool> done = false;
    std::thread writer([&] {
        for (int i = 0; i < kBatches; ++i) {
            const std::uint64_t version = 2 * static_cast<std::uint64_t>(i);
            auto appended = store.append(
                events_batch({make_event("s", version), make_event("s", version + 1)}));
            EXPECT_TRUE(appended) << appended.error().message;
        }
        done = true;
    });

    // Every read is a dense, linked prefix of the log that never ends inside a batch.
    std::uint64_t last_seen = 0;
    bool finished = false;
    bool failed = false;
    while (!finished && !failed) {
        finished = done;  // one more round after the writer is done
        const std::uint64_t head = store.head_position();
        EXPECT_GE(head, last_seen);
        auto events = store.read_all(0, 2 * kBatches);
        if (!events) {
            ADD_FAILURE() << events.error().message;
            break;
        }
        EXPECT_GE(events->size(), head);
        EXPECT_EQ(events->size() % 2, 0u);
        for (std::size_t i = 1; i < events->size() && !failed; ++i) {
            failed = (*events)[i].prev_hash != (*events)[i - 1].hash;
            EXPECT_FALSE(failed) << "event " << i + 1 << " does not link to the one before";
        }
        last_seen = head;
    }
    writer.join();
    EXPECT_EQ(store.head_position(), 2u * kBatches);
}

TEST(EventStoreReadOnly, ReadsAndVerifiesButRefusesWrites) {
    TempDir dir;
    {
        auto store = open_rocksdb_store(dir.path(), {.create = true});
        ASSERT_TRUE(store);
        ASSERT_TRUE((*store)->append(events_batch({make_event("a", 0)})));
    }

    auto store = open_rocksdb_store(dir.path(), {.read_only = true});
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ((*store)->head_position(), 1u);
    auto report = (*store)->verify();
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report->ok) << report->reason;

    auto refused = (*store)->append(events_batch({make_event("a", 1)}));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
    EXPECT_FALSE((*store)->put_meta("k", "v"));
}

}  // namespace
}  // namespace keyledger::eventstore::testing
