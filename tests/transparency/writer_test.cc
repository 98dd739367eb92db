// The checkpoint writer's background thread on a live engine: a checkpoint after the interval,
// one as soon as enough events arrived, and a last one at stop. Short real intervals, bounded
// waits.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "audit/transparency/checkpoint_check.h"
#include "audit/transparency/checkpoint_dir.h"
#include "audit/transparency/checkpoint_writer.h"
#include "tests/transparency/real_store.h"

namespace keyledger::transparency::testing {
namespace {

using namespace std::chrono_literals;

class WriterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        make_data_dir(dir_.path(), 3);
        engine_ = open_engine(dir_.path(), clock_, false);
        ASSERT_TRUE(engine_);
        key_ = *load_public_key(checkpoint_public_key_path(dir_.path()));
    }

    // The size of the newest stored checkpoint, checked against the key; 0 when none.
    std::uint64_t newest_size() {
        auto newest = latest_checkpoint(dir_.path());
        if (!newest) {
            return 0;
        }
        auto opened = open_checkpoint(*read_text_file(*newest), key_);
        EXPECT_TRUE(opened) << opened.error();
        return opened ? opened->size : 0;
    }

    // Waits until the newest checkpoint covers `size` events, at most `limit`.
    bool wait_for_size(std::uint64_t size, std::chrono::milliseconds limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (newest_size() == size) {
                return true;
            }
            std::this_thread::sleep_for(5ms);
        }
        return newest_size() == size;
    }

    TempDir dir_;
    engine::ManualClock clock_{1'790'000'000'000};
    std::unique_ptr<engine::Engine> engine_;
    PublicKey key_;
};

TEST_F(WriterTest, WritesAfterTheIntervalAndAtStop) {
    CheckpointWriterOptions options;
    options.interval = 50ms;
    options.every_events = 1'000'000;
    options.poll = 10ms;
    auto writer = CheckpointWriter::open(engine_->store(), dir_.path(), options);
    ASSERT_TRUE(writer) << writer.error();
    EXPECT_EQ((*writer)->size(), 3u);
    (*writer)->start();
    ASSERT_TRUE(wait_for_size(3, 5s));
    add_users(*engine_, 4, 100);
    ASSERT_TRUE(wait_for_size(7, 5s));
    add_users(*engine_, 2, 200);
    (*writer)->stop();
    EXPECT_EQ(newest_size(), 9u);
    EXPECT_EQ((*writer)->size(), 9u);
}

TEST_F(WriterTest, WritesAsSoonAsEnoughEventsArrived) {
    CheckpointWriterOptions options;
    options.interval = std::chrono::hours(1);
    options.every_events = 5;
    options.poll = 10ms;
    auto writer = CheckpointWriter::open(engine_->store(), dir_.path(), options);
    ASSERT_TRUE(writer) << writer.error();
    (*writer)->start();
    add_users(*engine_, 2, 100);  // 5 events since none was written
    ASSERT_TRUE(wait_for_size(5, 5s));
    add_users(*engine_, 4, 200);  // 4 more: not enough yet
    (*writer)->notify();
    EXPECT_FALSE(wait_for_size(9, 200ms));
    add_users(*engine_, 1, 300);
    (*writer)->notify();
    EXPECT_TRUE(wait_for_size(10, 5s));
    (*writer)->stop();
}

TEST_F(WriterTest, WriteNowWritesOnlyWhenTheLogGrew) {
    auto writer = CheckpointWriter::open(engine_->store(), dir_.path(), {});
    ASSERT_TRUE(writer) << writer.error();
    auto first = (*writer)->write_now();
    ASSERT_TRUE(first && *first);
    auto again = (*writer)->write_now();
    ASSERT_TRUE(again);
    EXPECT_FALSE(*again);
    add_users(*engine_, 1, 100);
    auto grown = (*writer)->write_now();
    ASSERT_TRUE(grown && *grown);
    EXPECT_EQ(list_checkpoints(checkpoint_dir(dir_.path())).size(), 2u);
    // A new writer (a restart) resumes from the stored checkpoints and agrees with them.
    auto restarted = CheckpointWriter::open(engine_->store(), dir_.path(), {});
    ASSERT_TRUE(restarted) << restarted.error();
    EXPECT_TRUE((*restarted)->trusted());
}

}  // namespace
}  // namespace keyledger::transparency::testing
