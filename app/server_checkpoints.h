#pragma once
// Signed checkpoints of a serving store (docs/PROOFS.md), written beside it by a background
// thread. The writer is opened off the start-up path: opening reads the whole log once, to build
// the Merkle tree's frontier and to check the log against the newest checkpoint already kept, and
// start-up must not wait for that.

#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "audit/transparency/checkpoint_writer.h"

namespace keyledger::app {

// Refuses a log shorter than the newest checkpoint this store's key signed: events were
// acknowledged and are gone (a cut-off write-ahead log looks like a torn write to RocksDB, and a
// restore from an older copy looks like nothing at all). Compares sizes only, so start-up stays
// fast; the writer compares the roots in the background. A checkpoint file whose signature does
// not verify is ignored here (anyone who can write the directory could plant one).
[[nodiscard]] std::expected<void, std::string> check_log_reaches_latest_checkpoint(
    const eventstore::EventStore& store, const std::filesystem::path& data_dir);

class ServerCheckpoints {
  public:
    // `store` must outlive this object. Problems (no checkpoint key in an older store, a log
    // that no longer matches the last checkpoint, a failed write) go to options.warn.
    ServerCheckpoints(const eventstore::EventStore& store, std::filesystem::path data_dir,
                      transparency::CheckpointWriterOptions options);
    ~ServerCheckpoints();
    ServerCheckpoints(const ServerCheckpoints&) = delete;
    ServerCheckpoints& operator=(const ServerCheckpoints&) = delete;

    // Waits for the opening to end, then writes a last checkpoint and stops the writer.
    void stop();

  private:
    std::mutex mutex_;
    std::unique_ptr<transparency::CheckpointWriter> writer_;
    std::thread opener_;
};

}  // namespace keyledger::app
