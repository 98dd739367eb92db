// verify() and the read functions against records altered behind the store's back. Each test
// builds a log, closes the store, changes raw records, and reopens.

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/eventstore/test_support.h"

namespace keyledger::eventstore::testing {
namespace {

using detail::event_key;
using detail::Family;

class EventStoreTamper : public StoreTest {
  protected:
    // Five events over two streams: a1 b1 a2 b2 a3.
    void SetUp() override {
        StoreTest::SetUp();
        for (int i = 0; i < 5; ++i) {
            const std::string stream = i % 2 == 0 ? "a" : "b";
            const std::uint64_t version = store_->stream_version(stream);
            auto appended = store_->append(
                events_batch({make_event(stream, version, "payload-" + std::to_string(i + 1))}));
            ASSERT_TRUE(appended) << appended.error().message;
        }
        auto events = store_->read_all(0, 10);
        ASSERT_TRUE(events);
        events_ = *events;
    }

    // Closes the store and hands its raw records to `change`.
    template <class Change>
    void tamper(Change change) {
        store_.reset();
        RawStore raw(dir_.path());
        change(raw);
    }

    // Reopens read-only (a writable open may refuse a damaged head) and verifies.
    VerifyReport verify_read_only() {
        reopen({.read_only = true});
        auto report = store_->verify();
        EXPECT_TRUE(report) << report.error().message;
        return report.value_or(VerifyReport{});
    }

    std::vector<StoredEvent> events_;
};

// Flips one byte of the payload text inside the stored envelope: still decodable.
void flip_payload_byte(RawStore& raw, std::uint64_t position) {
    std::string envelope = raw.get(Family::events, event_key(position));
    const std::string payload = "payload-" + std::to_string(position);
    const std::size_t at = envelope.find(payload);
    ASSERT_NE(at, std::string::npos);
    envelope[at] ^= 0x01;
    raw.put(Family::events, event_key(position), envelope);
}

TEST_F(EventStoreTamper, VerifyNamesTheEventWhosePayloadByteFlipped) {
    tamper([](RawStore& raw) { flip_payload_byte(raw, 3); });
    reopen();

    auto report = store_->verify();
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->first_bad_position, 3u) << report->reason;
    EXPECT_NE(report->reason.find("event 3"), std::string::npos) << report->reason;
    EXPECT_EQ(report->events, 2u);
    EXPECT_EQ(report->head, events_[1].hash);

    // The altered event still reads: its hash is what changed.
    auto read = store_->read_at(3);
    ASSERT_TRUE(read);
    EXPECT_NE(read->hash, events_[2].hash);
}

TEST_F(EventStoreTamper, VerifyNamesTheEventWhosePrevHashChanged) {
    tamper([&](RawStore& raw) {
        std::string envelope = raw.get(Family::events, event_key(4));
        const std::string prev(events_[2].hash.begin(), events_[2].hash.end());
        const std::size_t at = envelope.find(prev);
        ASSERT_NE(at, std::string::npos);
        envelope[at + 5] ^= 0x80;
        raw.put(Family::events, event_key(4), envelope);
    });
    reopen();

    auto report = store_->verify();
    ASSERT_TRUE(report);
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->first_bad_position, 4u) << report->reason;
    EXPECT_EQ(report->reason, "event 4: prev_hash does not match the hash of event 3");
}

TEST_F(EventStoreTamper, FlippedLastEventIsFoundThroughTheHead) {
    tamper([](RawStore& raw) { flip_payload_byte(raw, 5); });

    // A writable open refuses to extend a chain whose end does not match its head.
    store_.reset();
    auto writable = open_rocksdb_store(dir_.path(), {});
    ASSERT_FALSE(writable);
    EXPECT_EQ(writable.error().code, ErrorCode::corruption);
    EXPECT_EQ(writable.error().position, 5u) << writable.error().message;

    VerifyReport report = verify_read_only();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_position, 5u) << report.reason;
    EXPECT_EQ(report.events, 4u);
}

TEST_F(EventStoreTamper, VerifyFindsADeletedEvent) {
    tamper([](RawStore& raw) { raw.remove(Family::events, event_key(2)); });
    reopen();

    auto report = store_->verify();
    ASSERT_TRUE(report);
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->first_bad_position, 2u) << report->reason;
    EXPECT_EQ(report->reason, "event 2 is missing: the next stored event is event 3");
    EXPECT_EQ(report->events, 1u);

    auto read = store_->read_all(0, 10);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, ErrorCode::corruption);
    EXPECT_EQ(read.error().position, 2u);
    auto at = store_->read_at(2);
    ASSERT_FALSE(at);
    EXPECT_EQ(at.error().code, ErrorCode::corruption);
}

TEST_F(EventStoreTamper, VerifyFindsADeletedLastEvent) {
    tamper([](RawStore& raw) { raw.remove(Family::events, event_key(5)); });

    VerifyReport report = verify_read_only();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_position, 5u) << report.reason;
}

TEST_F(EventStoreTamper, VerifyFindsSwappedEvents) {
    tamper([](RawStore& raw) {
        const std::string second = raw.get(Family::events, event_key(2));
        const std::string fourth = raw.get(Family::events, event_key(4));
        raw.put(Family::events, event_key(2), fourth);
        raw.put(Family::events, event_key(4), second);
    });
    reopen();

    auto report = store_->verify();
    ASSERT_TRUE(report);
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->first_bad_position, 2u) << report->reason;
    EXPECT_NE(report->reason.find("says it is event 4"), std::string::npos) << report->reason;

    auto read = store_->read_at(2);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, ErrorCode::corruption);
    EXPECT_EQ(read.error().position, 2u);
}

TEST_F(EventStoreTamper, VerifyFindsAMissingIndexEntry) {
    tamper([](RawStore& raw) { raw.remove(Family::stream_index, detail::stream_key("b", 2)); });
    reopen();

    auto report = store_->verify();
    ASSERT_TRUE(report);
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->first_bad_position, 4u) << report->reason;
}

TEST_F(EventStoreTamper, VerifyFindsAStrayIndexEntry) {
    tamper([](RawStore& raw) {
        raw.put(Family::stream_index, detail::stream_key("c", 1), detail::encode_u64(3));
    });
    reopen();

    auto report = store_->verify();
    ASSERT_TRUE(report);
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->first_bad_position, 3u) << report->reason;
    EXPECT_NE(report->reason.find("stream 'c' version 1"), std::string::npos) << report->reason;
}

// Dense versions at rising positions, as many entries as events: only the comparison of the
// index's entries with the events' tells that a2 and b2 trade places.
TEST_F(EventStoreTamper, VerifyFindsIndexEntriesThatTradePlaces) {
    tamper([](RawStore& raw) {
        raw.put(Family::stream_index, detail::stream_key("a", 2), detail::encode_u64(4));
        raw.put(Family::stream_index, detail::stream_key("b", 2), detail::encode_u64(3));
    });
    reopen();

    auto report = store_->verify();
    ASSERT_TRUE(report);
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->first_bad_position, 3u) << report->reason;
    EXPECT_NE(report->reason.find("stream 'a' version 2 as event 4"), std::string::npos)
        << report->reason;
}

TEST_F(EventStoreTamper, VerifyFindsAHeadThatIsBehind) {
    tamper([&](RawStore& raw) {
        raw.put(Family::meta, "head", detail::encode_head({3, events_[2].hash}));
    });

    VerifyReport report = verify_read_only();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_position, 4u) << report.reason;
}

// Damaged bytes that are not a Cap'n Proto message at all, in several shapes.
class EventStoreGarbage : public EventStoreTamper,
                          public ::testing::WithParamInterface<std::string> {};

TEST_P(EventStoreGarbage, ReadsReportCorruptionNamingTheEvent) {
    const std::string garbage = GetParam();
    tamper([&](RawStore& raw) {
        std::string envelope = raw.get(Family::events, event_key(3));
        if (garbage == "truncated") {
            envelope.resize(envelope.size() - 8);
        } else if (garbage == "huge segment") {
            envelope[4] = '\xff';
            envelope[5] = '\xff';
            envelope[6] = '\xff';
        } else if (garbage == "trailing word") {
            envelope.append(8, '\0');
        } else {
            envelope = garbage;
        }
        raw.put(Family::events, event_key(3), envelope);
    });
    reopen();

    auto at = store_->read_at(3);
    ASSERT_FALSE(at);
    EXPECT_EQ(at.error().code, ErrorCode::corruption);
    EXPECT_EQ(at.error().position, 3u);
    EXPECT_NE(at.error().message.find("event 3"), std::string::npos) << at.error().message;

    auto all = store_->read_all(0, 10);
    ASSERT_FALSE(all);
    EXPECT_EQ(all.error().position, 3u);

    auto stream = store_->read_stream("a", 0, 10);
    ASSERT_FALSE(stream);
    EXPECT_EQ(stream.error().position, 3u);

    auto report = store_->verify();
    ASSERT_TRUE(report);
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->first_bad_position, 3u) << report->reason;
}

INSTANTIATE_TEST_SUITE_P(Shapes, EventStoreGarbage,
                         ::testing::Values("truncated", "huge segment", "trailing word", "short",
                                           std::string(16, '\xff'), std::string(64, '\0')));

}  // namespace
}  // namespace keyledger::eventstore::testing
