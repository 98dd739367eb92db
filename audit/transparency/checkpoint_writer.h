#pragma once
// Writes signed checkpoints of a live store into DATA_DIR/checkpoints/: periodically, as soon as
// enough events arrived, and at stop.
//
// It keeps only the tree's frontier (CompactRange), extended with each new event as it is
// committed: the log is read once from position 1 when the writer opens, then only the new
// events. On that first pass it compares the log with the newest checkpoint already in the
// directory; if the log no longer matches it (rewritten or truncated), it reports that through
// `warn` and writes no checkpoint at all, so a rewritten history never gets a fresh signature
// from this process.
//
// Usage in the server (engine.store() is safe to read from another thread):
//   auto writer = CheckpointWriter::open(engine.store(), data_dir, options);
//   (*writer)->start();   ... serve ...   (*writer)->stop();
// Tests call write_now() instead of start()/stop().

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "audit/transparency/checkpoint.h"
#include "audit/transparency/compact_range.h"
#include "eventstore/event_store.h"

namespace keyledger::transparency {

struct CheckpointWriterOptions {
    // Write once the log grew and this long has passed since the last checkpoint.
    std::chrono::milliseconds interval{60'000};
    // Write as soon as this many events arrived since the last checkpoint, interval or not.
    std::uint64_t every_events = 10'000;
    // How often the background thread looks at the log's head.
    std::chrono::milliseconds poll{250};
    // Problems (a write that failed, a log that no longer matches): one sentence each.
    std::function<void(const std::string&)> warn;
    // Called as well when the log no longer matches (rewritten or truncated under) the newest
    // checkpoint this key signed: evidence of an altered history, not a passing problem.
    std::function<void(const std::string&)> history_altered;
    // Where checkpoints go; DATA_DIR/checkpoints when empty.
    std::filesystem::path directory;
};

class CheckpointWriter {
  public:
    // Loads the store's checkpoint key (the error says plainly if the store has none) and reads
    // the whole log once to build the frontier.
    [[nodiscard]] static std::expected<std::unique_ptr<CheckpointWriter>, std::string> open(
        const eventstore::EventStore& store, const std::filesystem::path& data_dir,
        CheckpointWriterOptions options);

    ~CheckpointWriter();
    CheckpointWriter(const CheckpointWriter&) = delete;
    CheckpointWriter& operator=(const CheckpointWriter&) = delete;

    // Reads the events committed since the last call and, if the log grew since the last
    // checkpoint (or none was written yet by this writer), writes one. Returns its path, or
    // nullopt when there was nothing new. Not to be called while the background thread runs.
    [[nodiscard]] std::expected<std::optional<std::filesystem::path>, std::string> write_now();

    // Starts the background thread; stop() joins it and writes a last checkpoint.
    void start();
    void stop();
    // Wakes the background thread early (for example after a commit batch); optional.
    void notify();

    // Events covered by the frontier so far.
    [[nodiscard]] std::uint64_t size() const;
    // False once the log was found not to match the newest stored checkpoint.
    [[nodiscard]] bool trusted() const;

  private:
    CheckpointWriter(const eventstore::EventStore& store, CheckpointSigner signer,
                     CheckpointWriterOptions options);
    // Reads new events into the frontier; checks the old checkpoint when its size is passed.
    [[nodiscard]] std::expected<void, std::string> catch_up();
    [[nodiscard]] std::expected<std::optional<std::filesystem::path>, std::string> write_locked();
    void loop();
    void warn(const std::string& message) const;

    const eventstore::EventStore& store_;
    CheckpointSigner signer_;
    CheckpointWriterOptions options_;

    mutable std::mutex mutex_;  // guards everything below
    CompactRange range_;
    std::uint64_t written_size_ = 0;
    bool wrote_any_ = false;
    bool trusted_ = true;
    std::optional<Checkpoint> previous_;  // the newest checkpoint found at open, until checked
    std::chrono::steady_clock::time_point last_write_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool poked_ = false;
    std::thread thread_;
};

}  // namespace keyledger::transparency
