// Checkpoints, inclusion and consistency proofs of a real store, checked the way an outsider
// checks them: with nothing but the proof file, the checkpoints and the public key.

#include <gtest/gtest.h>

#include <fstream>

#include "audit/transparency/checkpoint_check.h"
#include "audit/transparency/checkpoint_dir.h"
#include "audit/transparency/checkpoint_writer.h"
#include "audit/transparency/compact_range.h"
#include "audit/transparency/log_proofs.h"
#include "audit/transparency/log_reader.h"
#include "audit/transparency/merkle_tree.h"
#include "tests/transparency/real_store.h"

namespace keyledger::transparency::testing {
namespace {

constexpr std::uint64_t kOldSize = 10;
constexpr std::uint64_t kEvents = 40;

// A store of 40 events; a checkpoint the auditor kept (outside the data directory) at 10.
class ProofsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        make_data_dir(dir_.path(), static_cast<int>(kOldSize));
        engine::ManualClock clock(1'790'000'000'000);
        auto engine = open_engine(dir_.path(), clock, false);
        ASSERT_TRUE(engine);
        auto head = current_checkpoint(stopped_store_source(engine->store(), dir_.path()));
        ASSERT_TRUE(head) << head.error();
        kept_ = auditor_.path() / "kept.checkpoint";
        std::ofstream(kept_) << head->text;
        add_users(*engine, static_cast<int>(kEvents - kOldSize), 500);
        engine.reset();
        store_ = open_store(dir_.path(), {.secondary = true});
        ASSERT_TRUE(store_);
        auto key = load_public_key(checkpoint_public_key_path(dir_.path()));
        ASSERT_TRUE(key) << key.error();
        key_ = *key;
    }

    std::string text_of(const fs::path& path) { return *read_text_file(path); }

    TempDir dir_;
    TempDir auditor_;
    fs::path kept_;
    std::unique_ptr<eventstore::EventStore> store_;
    PublicKey key_;
};

TEST_F(ProofsTest, TheCurrentCheckpointSignsTheRootOfTheEventHashes) {
    auto head = current_checkpoint(stopped_store_source(*store_, dir_.path()));
    ASSERT_TRUE(head) << head.error();
    CompactRange expected;
    auto events = store_->read_all(0, 1000);
    ASSERT_TRUE(events);
    for (const auto& event : *events) {
        expected.append(event.hash);
    }
    auto opened = open_checkpoint(head->text, key_);
    ASSERT_TRUE(opened) << opened.error();
    EXPECT_EQ(opened->size, kEvents);
    EXPECT_EQ(opened->root, expected.root());
    EXPECT_EQ(opened->origin, "keyledger/kls_test");
}

TEST_F(ProofsTest, EveryEventHasAnInclusionProofThatVerifiesAndSurvivesJson) {
    for (std::uint64_t position = 1; position <= kEvents; ++position) {
        auto proof =
            prove_inclusion(stopped_store_source(*store_, dir_.path()), position, std::nullopt);
        ASSERT_TRUE(proof) << proof.error();
        auto parsed = parse_inclusion_proof(to_json(*proof));
        ASSERT_TRUE(parsed) << parsed.error();
        EXPECT_EQ(parsed->path, proof->path);
        EXPECT_EQ(parsed->checkpoint, proof->checkpoint);
        const auto result = verify_inclusion_proof(*parsed, key_);
        EXPECT_TRUE(result.valid) << position << ": " << result.message;
        const auto hash = store_->read_at(position)->hash;
        EXPECT_TRUE(verify_inclusion_proof(*parsed, key_, std::nullopt, hash).valid);
    }
}

TEST_F(ProofsTest, TamperedInclusionProofsAreInvalid) {
    auto proof = prove_inclusion(stopped_store_source(*store_, dir_.path()), 7, std::nullopt);
    ASSERT_TRUE(proof) << proof.error();

    auto other_event = *proof;
    other_event.event_hash = store_->read_at(8)->hash;
    EXPECT_FALSE(verify_inclusion_proof(other_event, key_).valid);

    auto other_position = *proof;
    other_position.position = 8;
    EXPECT_FALSE(verify_inclusion_proof(other_position, key_).valid);

    auto other_size = *proof;
    other_size.tree_size = kEvents - 1;
    const auto size_result = verify_inclusion_proof(other_size, key_);
    EXPECT_FALSE(size_result.valid);
    EXPECT_NE(size_result.message.find("the checkpoint covers 40"), std::string::npos);

    auto bent_path = *proof;
    bent_path.path[1][0] ^= 1;
    EXPECT_FALSE(verify_inclusion_proof(bent_path, key_).valid);

    auto resigned = *proof;
    resigned.checkpoint.replace(resigned.checkpoint.find("\n40\n"), 4, "\n41\n");
    EXPECT_FALSE(verify_inclusion_proof(resigned, key_).valid);

    // Checked against the auditor's own older checkpoint, a proof for today's tree is refused.
    const auto against_kept = verify_inclusion_proof(*proof, key_, text_of(kept_));
    EXPECT_FALSE(against_kept.valid);
    EXPECT_FALSE(
        verify_inclusion_proof(*proof, key_, std::nullopt, store_->read_at(9)->hash).valid);
}

TEST_F(ProofsTest, AnInclusionProofAgainstAKeptCheckpoint) {
    auto proof = prove_inclusion(stopped_store_source(*store_, dir_.path()), 4, kept_);
    ASSERT_TRUE(proof) << proof.error();
    EXPECT_EQ(proof->tree_size, kOldSize);
    EXPECT_TRUE(verify_inclusion_proof(*proof, key_, text_of(kept_)).valid);

    auto outside = prove_inclusion(stopped_store_source(*store_, dir_.path()), kOldSize + 1, kept_);
    ASSERT_FALSE(outside);
    EXPECT_NE(outside.error().find("is not in the 10-event log"), std::string::npos)
        << outside.error();
    EXPECT_FALSE(prove_inclusion(stopped_store_source(*store_, dir_.path()), 0, std::nullopt));
    EXPECT_FALSE(
        prove_inclusion(stopped_store_source(*store_, dir_.path()), kEvents + 1, std::nullopt));
}

TEST_F(ProofsTest, AKeptCheckpointIsAPrefixOfToday) {
    auto proof = prove_consistency(stopped_store_source(*store_, dir_.path()), kept_, std::nullopt);
    ASSERT_TRUE(proof) << proof.error();
    EXPECT_EQ(proof->old_size, kOldSize);
    EXPECT_EQ(proof->new_size, kEvents);
    auto parsed = parse_consistency_proof(to_json(*proof));
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_TRUE(verify_consistency_proof(*parsed, key_).valid);
    EXPECT_TRUE(verify_consistency_proof(*parsed, key_, text_of(kept_)).valid);

    auto bent = *parsed;
    bent.path.back()[31] ^= 0x80;
    EXPECT_FALSE(verify_consistency_proof(bent, key_).valid);
    auto swapped = *parsed;
    std::swap(swapped.old_checkpoint, swapped.new_checkpoint);
    EXPECT_FALSE(verify_consistency_proof(swapped, key_).valid);
    // The auditor's kept checkpoint must be the proof's old one.
    auto head = current_checkpoint(stopped_store_source(*store_, dir_.path()));
    ASSERT_TRUE(head);
    EXPECT_FALSE(verify_consistency_proof(*parsed, key_, head->text).valid);
}

// The insider removes the stored checkpoints, rewrites event 5, re-chains the log and signs a
// fresh checkpoint with the key beside the log. The auditor's kept checkpoint still catches it:
// the store refuses to prove consistency, and no proof from the rewritten tree verifies.
TEST_F(ProofsTest, ARewrittenHistoryCannotBeProvenConsistentWithAKeptCheckpoint) {
    store_.reset();
    {
        Insider insider(dir_.path());
        eventstore::StoredEvent event = insider.event(5);
        event.actor = "usr_insider";
        eventstore::Hash hash = insider.write_event(5, event, event.prev_hash);
        for (std::uint64_t p = 6; p <= kEvents; ++p) {
            hash = insider.write_event(p, insider.event(p), hash);
        }
        insider.put_head(kEvents, hash);
    }
    fs::remove_all(checkpoint_dir(dir_.path()));
    store_ = open_store(dir_.path(), {.secondary = true});
    ASSERT_TRUE(store_->verify()->ok);

    auto refused =
        prove_consistency(stopped_store_source(*store_, dir_.path()), kept_, std::nullopt);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("history was rewritten"), std::string::npos) << refused.error();

    auto forged_head = current_checkpoint(stopped_store_source(*store_, dir_.path()));
    ASSERT_TRUE(forged_head) << forged_head.error();
    auto tree = read_log_tree(*store_);
    ASSERT_TRUE(tree);
    ConsistencyProof forged{kOldSize, kEvents, tree->consistency_proof(kOldSize, kEvents),
                            text_of(kept_), forged_head->text};
    const auto result = verify_consistency_proof(forged, key_);
    EXPECT_FALSE(result.valid);
    EXPECT_NE(result.message.find("history was rewritten"), std::string::npos) << result.message;

    auto verdict =
        check_log_against_checkpoint(*store_, kept_, checkpoint_public_key_path(dir_.path()));
    ASSERT_TRUE(verdict);
    EXPECT_FALSE(verdict->ok);
}

// Beside a running server, the writer may store a checkpoint of events a secondary open made
// just before cannot see: the commands compare with the newest checkpoint listed before the open.
TEST_F(ProofsTest, OnlyCheckpointsListedBeforeTheOpenAreHeldAgainstIt) {
    auto signer = load_checkpoint_signer(dir_.path());
    ASSERT_TRUE(signer) << signer.error();
    const Checkpoint ahead{signer->public_key().name, kEvents + 5, Hash{}};
    ASSERT_TRUE(store_checkpoint(checkpoint_dir(dir_.path()), ahead.size, 1, signer->sign(ahead)));

    auto refused = current_checkpoint(stopped_store_source(*store_, dir_.path()));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("log truncated"), std::string::npos) << refused.error();
    auto listed_before = current_checkpoint(ProofSource{*store_, dir_.path(), std::nullopt});
    EXPECT_TRUE(listed_before) << listed_before.error();
}

TEST_F(ProofsTest, AStoreWithoutACheckpointKeySaysSo) {
    fs::remove(checkpoint_key_path(dir_.path()));
    fs::remove(checkpoint_public_key_path(dir_.path()));
    auto head = current_checkpoint(stopped_store_source(*store_, dir_.path()));
    ASSERT_FALSE(head);
    EXPECT_NE(head.error().find("has no checkpoint key"), std::string::npos) << head.error();
    auto writer = CheckpointWriter::open(*store_, dir_.path(), {});
    ASSERT_FALSE(writer);
    EXPECT_NE(writer.error().find("has no checkpoint key"), std::string::npos);
}

TEST_F(ProofsTest, MismatchedKeyHalvesAreRefused) {
    TempDir other;
    fs::create_directories(other.path() / "keys");
    ASSERT_TRUE(create_checkpoint_key(other.path(), store_origin("kls_test")));
    fs::copy_file(checkpoint_public_key_path(other.path()), checkpoint_public_key_path(dir_.path()),
                  fs::copy_options::overwrite_existing);
    auto signer = load_checkpoint_signer(dir_.path());
    ASSERT_FALSE(signer);
    EXPECT_NE(signer.error().find("not halves of the same key pair"), std::string::npos);
}

}  // namespace
}  // namespace keyledger::transparency::testing
