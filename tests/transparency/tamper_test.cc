// An insider with the store's files against the hash chain and the signed checkpoints: every
// kind of tampering is found, at the right position where it can be named; a truncated log that
// is a consistent chain again is caught only by the checkpoint, which says so.

#include <gtest/gtest.h>

#include <fstream>

#include "audit/transparency/checkpoint_check.h"
#include "audit/transparency/checkpoint_dir.h"
#include "audit/transparency/checkpoint_writer.h"
#include "audit/transparency/log_proofs.h"
#include "tests/transparency/real_store.h"

namespace keyledger::transparency::testing {
namespace {

constexpr std::uint64_t kEvents = 30;
constexpr std::uint64_t kTampered = 10;

CheckpointWriterOptions collecting_warnings(std::vector<std::string>& warnings) {
    CheckpointWriterOptions options;
    options.warn = [&warnings](const std::string& warning) { warnings.push_back(warning); };
    return options;
}

// 30 events with signed checkpoints after 5, 9, 10, 20 and 30 of them, the store closed.
class TamperTest : public ::testing::Test {
  protected:
    void SetUp() override {
        make_data_dir(dir_.path(), 5);
        engine::ManualClock clock(1'790'000'000'000);
        auto engine = open_engine(dir_.path(), clock, false);
        ASSERT_TRUE(engine);
        auto writer = CheckpointWriter::open(engine->store(), dir_.path(), {});
        ASSERT_TRUE(writer) << writer.error();
        int next_user = 1000;
        for (std::uint64_t size : {5u, 9u, 10u, 20u, 30u}) {
            const auto missing = static_cast<int>(size - engine->store().head_position());
            add_users(*engine, missing, next_user);
            next_user += missing;
            auto written = (*writer)->write_now();
            ASSERT_TRUE(written && *written) << (written ? "nothing new" : written.error());
        }
        ASSERT_EQ(list_checkpoints(checkpoint_dir(dir_.path())).size(), 5u);
    }

    eventstore::VerifyReport verify_chain() {
        auto store = open_store(dir_.path(), {.read_only = true});
        auto report = store->verify();
        EXPECT_TRUE(report) << report.error().message;
        return *report;
    }

    CheckpointVerdict check_latest() {
        auto store = open_store(dir_.path(), {.read_only = true});
        auto verdict = check_log_against_checkpoint(*store, *latest_checkpoint(dir_.path()),
                                                    checkpoint_public_key_path(dir_.path()));
        EXPECT_TRUE(verdict) << verdict.error();
        return *verdict;
    }

    // Rewrites event `from` with another actor and, when `rechain`, every later event and the
    // head so that the chain is whole again.
    void rewrite(std::uint64_t from, bool rechain) {
        Insider insider(dir_.path());
        eventstore::StoredEvent event = insider.event(from);
        event.actor = "usr_insider";
        eventstore::Hash hash = insider.write_event(from, event, event.prev_hash);
        if (!rechain) {
            return;
        }
        for (std::uint64_t p = from + 1; p <= kEvents; ++p) {
            hash = insider.write_event(p, insider.event(p), hash);
        }
        insider.put_head(kEvents, hash);
    }

    TempDir dir_;
};

TEST_F(TamperTest, AnIntactLogPassesTheChainAndEveryCheckpoint) {
    EXPECT_TRUE(verify_chain().ok);
    auto store = open_store(dir_.path(), {.read_only = true});
    for (const auto& file : list_checkpoints(checkpoint_dir(dir_.path()))) {
        auto verdict =
            check_log_against_checkpoint(*store, file, checkpoint_public_key_path(dir_.path()));
        ASSERT_TRUE(verdict) << verdict.error();
        EXPECT_TRUE(verdict->ok) << verdict->reason;
        EXPECT_EQ(verdict->log_size, kEvents);
        EXPECT_EQ(verdict->origin, "keyledger/kls_test");
    }
}

TEST_F(TamperTest, AFlippedByteIsFoundAtItsPosition) {
    {
        Insider insider(dir_.path());
        std::string bytes = insider.event_bytes(kTampered);
        bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x20);
        insider.put_event_bytes(kTampered, bytes);
    }
    const auto report = verify_chain();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_position, kTampered) << report.reason;
    const auto verdict = check_latest();
    EXPECT_FALSE(verdict.ok);
    EXPECT_EQ(verdict.first_bad_position, kTampered) << verdict.reason;
}

TEST_F(TamperTest, AnEventRewrittenWithAValidWriteIsFoundByTheChain) {
    rewrite(kTampered, false);
    const auto report = verify_chain();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_position, kTampered) << report.reason;
    EXPECT_NE(report.reason.find("stored bytes have changed"), std::string::npos) << report.reason;
    const auto verdict = check_latest();
    EXPECT_FALSE(verdict.ok);
    EXPECT_EQ(verdict.first_bad_position, kTampered) << verdict.reason;
}

// The insider re-chains everything after the rewrite: the chain is valid again, only the
// checkpoints kept outside the store know better, and they narrow it down to the position.
TEST_F(TamperTest, ARewriteWithTheWholeChainRecomputedIsFoundOnlyByTheCheckpoints) {
    rewrite(kTampered, true);
    EXPECT_TRUE(verify_chain().ok);
    const auto verdict = check_latest();
    EXPECT_FALSE(verdict.ok);
    EXPECT_NE(verdict.reason.find("history was rewritten"), std::string::npos) << verdict.reason;
    EXPECT_EQ(verdict.first_bad_position, kTampered) << verdict.reason;
    EXPECT_NE(verdict.reason.find("first changed event is at position 10"), std::string::npos)
        << verdict.reason;
    // The checkpoint before the rewrite still matches: the prefix is intact.
    auto store = open_store(dir_.path(), {.read_only = true});
    auto nine =
        check_log_against_checkpoint(*store, list_checkpoints(checkpoint_dir(dir_.path()))[1],
                                     checkpoint_public_key_path(dir_.path()));
    ASSERT_TRUE(nine);
    EXPECT_TRUE(nine->ok) << nine->reason;
}

TEST_F(TamperTest, ADeletedEventIsFoundAtItsPosition) {
    Insider(dir_.path()).delete_event(kTampered);
    const auto report = verify_chain();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_position, kTampered) << report.reason;
    const auto verdict = check_latest();
    EXPECT_FALSE(verdict.ok);
    EXPECT_EQ(verdict.first_bad_position, kTampered) << verdict.reason;
    EXPECT_NE(verdict.reason.find("missing"), std::string::npos) << verdict.reason;
}

TEST_F(TamperTest, TwoSwappedEventsAreFoundAtTheFirst) {
    {
        Insider insider(dir_.path());
        const std::string a = insider.event_bytes(kTampered);
        const std::string b = insider.event_bytes(kTampered + 1);
        insider.put_event_bytes(kTampered, b);
        insider.put_event_bytes(kTampered + 1, a);
    }
    const auto report = verify_chain();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_position, kTampered) << report.reason;
    const auto verdict = check_latest();
    EXPECT_FALSE(verdict.ok);
    EXPECT_EQ(verdict.first_bad_position, kTampered) << verdict.reason;
}

// Deleting the tail and rewriting the head record leaves a valid, shorter chain.
TEST_F(TamperTest, AConsistentlyTruncatedLogIsCaughtOnlyByTheCheckpoint) {
    {
        Insider insider(dir_.path());
        for (std::uint64_t p = 21; p <= kEvents; ++p) {
            insider.delete_stream_entry(insider.event(p));
            insider.delete_event(p);
        }
        insider.put_head(20, insider.event(20).hash);
    }
    const auto report = verify_chain();
    EXPECT_TRUE(report.ok) << report.reason;
    EXPECT_EQ(report.events, 20u);
    const auto verdict = check_latest();
    EXPECT_FALSE(verdict.ok);
    EXPECT_EQ(verdict.reason, "log truncated: checkpoint covers 30 events, log has 20");
    EXPECT_EQ(verdict.first_bad_position, 21u);
    EXPECT_EQ(verdict.checkpoint_size, 30u);
    EXPECT_EQ(verdict.log_size, 20u);
}

TEST_F(TamperTest, ACorruptRecordIsAClearErrorEverywhere) {
    Insider(dir_.path()).put_event_bytes(kTampered, "not an envelope at all");
    const auto report = verify_chain();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_position, kTampered);
    EXPECT_FALSE(report.reason.empty());
    const auto verdict = check_latest();
    EXPECT_FALSE(verdict.ok);
    EXPECT_EQ(verdict.first_bad_position, kTampered) << verdict.reason;
    EXPECT_NE(verdict.reason.find("cannot be read"), std::string::npos) << verdict.reason;

    auto store = open_store(dir_.path(), {.read_only = true});
    auto proof = prove_inclusion(stopped_store_source(*store, dir_.path()), 3, std::nullopt);
    ASSERT_FALSE(proof);
    EXPECT_NE(proof.error().find("10"), std::string::npos) << proof.error();
}

// Neither the server's writer nor `audit checkpoint` signs a history that no longer matches
// the newest stored checkpoint.
TEST_F(TamperTest, NoFreshSignatureForARewrittenHistory) {
    rewrite(kTampered, true);
    auto store = open_store(dir_.path(), {.read_only = true});
    std::vector<std::string> warnings;
    std::vector<std::string> altered;  // what the server turns into 503 store_damaged
    CheckpointWriterOptions options = collecting_warnings(warnings);
    options.history_altered = [&altered](const std::string& why) { altered.push_back(why); };
    auto writer = CheckpointWriter::open(*store, dir_.path(), options);
    ASSERT_TRUE(writer) << writer.error();
    EXPECT_FALSE((*writer)->trusted());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("no longer match"), std::string::npos) << warnings[0];
    EXPECT_EQ(altered, warnings);
    auto written = (*writer)->write_now();
    ASSERT_TRUE(written);
    EXPECT_FALSE(*written);
    EXPECT_EQ(list_checkpoints(checkpoint_dir(dir_.path())).size(), 5u);

    auto head = current_checkpoint(stopped_store_source(*store, dir_.path()));
    ASSERT_FALSE(head);
    EXPECT_NE(head.error().find("refusing to sign"), std::string::npos) << head.error();
}

TEST_F(TamperTest, NoFreshSignatureForATruncatedLog) {
    {
        Insider insider(dir_.path());
        for (std::uint64_t p = 26; p <= kEvents; ++p) {
            insider.delete_stream_entry(insider.event(p));
            insider.delete_event(p);
        }
        insider.put_head(25, insider.event(25).hash);
    }
    auto store = open_store(dir_.path(), {.read_only = true});
    std::vector<std::string> warnings;
    std::vector<std::string> altered;  // what the server turns into 503 store_damaged
    CheckpointWriterOptions options = collecting_warnings(warnings);
    options.history_altered = [&altered](const std::string& why) { altered.push_back(why); };
    auto writer = CheckpointWriter::open(*store, dir_.path(), options);
    ASSERT_TRUE(writer) << writer.error();
    EXPECT_FALSE((*writer)->trusted());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("log truncated"), std::string::npos) << warnings[0];
    EXPECT_EQ(altered, warnings);
    auto head = current_checkpoint(stopped_store_source(*store, dir_.path()));
    ASSERT_FALSE(head);
    EXPECT_NE(head.error().find("log truncated"), std::string::npos) << head.error();
}

TEST_F(TamperTest, ACheckpointAlteredOrFromAnotherKeyIsRefused) {
    const fs::path latest = *latest_checkpoint(dir_.path());
    auto text = read_text_file(latest);
    ASSERT_TRUE(text);
    // The insider edits the signed size down to fit a truncated log: the signature breaks.
    std::string altered = *text;
    altered.replace(altered.find("\n30\n"), 4, "\n20\n");
    const fs::path forged = dir_.path() / "forged.checkpoint";
    std::ofstream(forged) << altered;
    auto store = open_store(dir_.path(), {.read_only = true});
    auto verdict =
        check_log_against_checkpoint(*store, forged, checkpoint_public_key_path(dir_.path()));
    ASSERT_TRUE(verdict) << verdict.error();
    EXPECT_FALSE(verdict->ok);
    EXPECT_NE(verdict->reason.find("is not signed by the key"), std::string::npos)
        << verdict->reason;

    TempDir other;
    fs::create_directories(other.path() / "keys");
    ASSERT_TRUE(create_checkpoint_key(other.path(), store_origin("kls_other")));
    auto foreign =
        check_log_against_checkpoint(*store, latest, checkpoint_public_key_path(other.path()));
    ASSERT_TRUE(foreign) << foreign.error();
    EXPECT_FALSE(foreign->ok);

    std::ofstream(forged) << "garbage\n";
    auto malformed =
        check_log_against_checkpoint(*store, forged, checkpoint_public_key_path(dir_.path()));
    ASSERT_FALSE(malformed);
    EXPECT_NE(malformed.error().find("not a checkpoint"), std::string::npos) << malformed.error();
}

}  // namespace
}  // namespace keyledger::transparency::testing
