#pragma once
// The command pipeline. One decider thread owns the live read model and runs every job in
// sequence, so the order of the log is the order of the decisions and the rules need no locks.
// Jobs that arrive while a batch is being written are decided together and committed in one
// RocksDB write (group commit); a job's completion runs only once its batch is durable and
// applied to the live model, so a reply never announces what a crash could take back.
//
// If a write fails, the live model is ahead of the disk. A full disk is survivable: the model is
// rebuilt from what the store holds, jobs are refused (aborted) while a probe write still fails,
// and deciding resumes once space returns. Any other write failure (a failed fsync: what reached
// the disk is unknown) stops deciding for good: failed() is true, completions get
// durable = false, and the process must be restarted.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/decide.h"
#include "engine/clock.h"
#include "eventstore/event_store.h"
#include "projections/read_model.h"
#include "projections/snapshot.h"

namespace keyledger::engine {

struct EngineOptions {
    std::size_t max_batch_jobs = 4096;
    // Deliveries older than this on the decision clock are pruned.
    Instant delivery_retention_ms = 7 * domain::kDayMs;
    // A projection snapshot is written once this many events were committed since the last one
    // (0: never) and at least snapshot_min_interval has passed (encoding a large model pauses the
    // decider, so a busy server must not do it every few seconds), and at stop() unless
    // snapshot_at_stop is false.
    std::uint64_t snapshot_every_events = 100'000;
    std::chrono::milliseconds snapshot_min_interval{60'000};
    bool snapshot_at_stop = true;
    // Stream versions remembered between batches; past it they are forgotten and read from the
    // store's index again (bounds memory: about 100 bytes a stream).
    std::size_t remembered_streams = 262'144;
    // Told, in plain words, about trouble the engine goes on past: a snapshot that could not be
    // used or written (`snapshot_problem`: a snapshot is only ever a shortcut), a model it could
    // not reload after a full disk (`model_reload_failed`), a pruning pass that failed
    // (`delivery_prune_failed`) or kept deliveries it could not decode (`undecodable_deliveries`).
    // `event` is that name, for the log line.
    std::function<void(std::string_view event, const std::string& message)> warn;
};

struct EngineStats {
    std::atomic<std::uint64_t> batches{0};
    std::atomic<std::uint64_t> events{0};
    std::atomic<std::uint64_t> jobs{0};
    std::atomic<std::uint64_t> write_failures{0};
    std::atomic<std::uint64_t> disk_full_refusals{0};
    // Delivery pruning: passes that failed, and the entries the last pass could not decode (kept,
    // never deleted unread; `keyledger audit verify` names them).
    std::atomic<std::uint64_t> prune_failures{0};
    std::atomic<std::uint64_t> undecodable_deliveries{0};
    std::atomic<std::uint64_t> head_position{0};
    // Where start-up began folding (0: from the first event) and the last snapshot written.
    std::atomic<std::uint64_t> started_from_snapshot{0};
    std::atomic<std::uint64_t> snapshot_position{0};
    std::atomic<std::uint64_t> snapshots_written{0};
    // The background history check (engine/history_check.h): events checked so far, and the
    // first damaged position it found (0: none).
    std::atomic<std::uint64_t> history_checked{0};
    std::atomic<std::uint64_t> history_damaged_at{0};
};

class Transaction;

class Engine {
  public:
    // A job decides on the decider thread; if the engine failed before the job's turn, it is
    // aborted instead (answer 503) and never decided.
    struct Job {
        std::function<void(Transaction&)> decide;
        std::function<void()> abort;
    };

    // Builds the live model: from the store's projection snapshot when it can be trusted
    // (engine/rebuild.h says when), otherwise from the first event, then folds the rest of the
    // log. Fails, naming the position, on a record that cannot be decoded.
    [[nodiscard]] static std::expected<std::unique_ptr<Engine>, std::string> open(
        std::unique_ptr<eventstore::EventStore> store, const Clock& clock, EngineOptions options);

    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Starts the decider thread; until then jobs queue up.
    void start();
    // Decides what is queued, commits it, joins the decider thread and writes a snapshot.
    void stop();

    // Writes a projection snapshot of the live model now, when no decider thread runs (tools,
    // tests) or from the decider thread itself. False when it could not be written.
    bool write_snapshot();

    // Queues a job for the decider thread. False (and the job is dropped) once the engine has
    // stopped or failed.
    bool submit(Job job);

    // Runs one job to completion on the caller's thread, when no decider thread runs (local
    // operator commands, tests). Returns false when the batch could not be made durable. Prunes
    // no deliveries: only the decider thread does, with the server's retention.
    [[nodiscard]] bool run_now(const std::function<void(Transaction&)>& decide);

    // Leaves the store exactly as it is at stop (no snapshot at stop): for a start that is
    // refused after the engine opened, so the evidence an operator needs stays untouched.
    void keep_store_as_is() { snapshot_written_at_stop_ = true; }
    bool failed() const { return failed_.load(); }
    // True from a write refused for a full disk until a probe write succeeds again.
    bool disk_full() const { return disk_full_.load(); }
    // Why jobs are refused now, in plain words for a 503; empty while writes are accepted.
    std::string unavailable_reason() const;
    // The inactivity window, fixed for the life of the store. Any thread.
    Instant window_ms() const { return window_ms_.load(); }
    bool running() const { return running_.load(); }
    const Clock& clock() const { return clock_; }
    // The live model. Only while no decider thread runs (tools, tests): it is the decider's.
    const projections::ReadModel& model() const { return model_; }
    const EngineStats& stats() const { return stats_; }
    // Reads on the store are thread-safe.
    const eventstore::EventStore& store() const { return *store_; }
    // The event start-up began folding after (its snapshot's; 0 and zeros when it folded from
    // the first event) and its hash: where the history check ends (engine/history_check.h).
    // Read before start().
    std::uint64_t start_position() const { return stats_.started_from_snapshot.load(); }
    const eventstore::Hash& start_anchor() const { return start_anchor_; }
    // Damage found in the log before start_position() (by the history check): the engine keeps
    // deciding, from a state start-up verified, but the server says it is not ready. Any thread.
    void report_history_damage(std::uint64_t position, std::string reason);
    std::string history_damage() const;
    // The history check found the events before start_position() intact.
    void report_history_intact(std::uint64_t events) { stats_.history_checked = events; }

  private:
    Engine(std::unique_ptr<eventstore::EventStore> store, const Clock& clock,
           EngineOptions options);
    [[nodiscard]] std::expected<void, std::string> replay();
    void decider_loop();
    // Decides the jobs and commits them in one write; runs their completions.
    void decide_and_commit(std::vector<Job>& jobs);
    void prune_deliveries(Instant now);
    void snapshot_if_due();
    // After a write the disk refused: the model goes back to what the store holds.
    [[nodiscard]] std::expected<void, std::string> reload_model();
    // While the disk is full: whether a small synced write goes through again (at most one try
    // a second, so a flood of jobs does not become a flood of failing writes).
    bool disk_has_space_again();
    void warn(std::string_view event, const std::string& message) const;
    // The stream's version, from the batch being decided or else from the store's index.
    std::uint64_t& stream_version(const std::string& stream);

    friend class Transaction;

    std::unique_ptr<eventstore::EventStore> store_;
    const Clock& clock_;
    EngineOptions options_;
    projections::ReadModel model_;
    // Versions of streams written since start, up to options_.remembered_streams between
    // batches: the store's index answers the others.
    std::unordered_map<std::string, std::uint64_t> stream_versions_;
    eventstore::Hash head_hash_{};
    eventstore::Hash start_anchor_{};
    mutable std::mutex damage_mutex_;
    std::string history_damage_;
    EngineStats stats_;
    Instant last_prune_ = 0;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    bool snapshot_written_at_stop_ = false;
    std::atomic<bool> running_{false};
    std::atomic<bool> failed_{false};
    std::atomic<bool> disk_full_{false};
    std::chrono::steady_clock::time_point last_probe_{};
    std::chrono::steady_clock::time_point last_snapshot_at_ = std::chrono::steady_clock::now();
    std::atomic<Instant> window_ms_{domain::kDefaultWindowMs};
    std::thread thread_;
};

// A stored event back as a domain fact; an error names the position that cannot be decoded.
[[nodiscard]] std::expected<domain::Fact, std::string> decode_fact(
    const eventstore::StoredEvent& stored);

// A partial state folded from exactly these committed positions, for as-of questions. Reads the
// store only, so it may run on any thread.
[[nodiscard]] std::expected<domain::State, std::string> fold_positions(
    const eventstore::EventStore& store, Instant window_ms,
    const std::vector<std::uint64_t>& positions);

// What a job sees and does on the decider thread.
class Transaction {
  public:
    const domain::State& state() const { return engine_.model_.state(); }
    const projections::ReadModel& model() const { return engine_.model_; }
    const eventstore::EventStore& store() const { return *engine_.store_; }
    // The job's decision instant: the clock read once when the job started, never behind the
    // last recorded event. Every event the job records carries it.
    Instant now() const { return now_; }
    // The decision instant the clock gives now (after a job moved a manual clock).
    Instant clock_now() const { return domain::decision_instant(state(), engine_.clock_.now()); }

    // Applies the event to the live model at once (later decisions in the batch see it) and
    // stages it for the batch's single write.
    void record(const domain::Event& event, std::string_view actor,
                std::string_view correlation_id);
    void record_all(const std::vector<domain::Event>& events, std::string_view actor,
                    std::string_view correlation_id);
    void record_delivery(eventstore::NewDelivery delivery);

    // Runs once the batch is durable (true) or could not be written (false).
    void then(std::function<void(bool durable)> completion);

  private:
    friend class Engine;
    explicit Transaction(Engine& engine) : engine_(engine) {}
    void start_job() { now_ = clock_now(); }

    Engine& engine_;
    Instant now_ = 0;
    eventstore::AppendBatch batch_;
    std::vector<std::function<void(bool)>> completions_;
};

}  // namespace keyledger::engine
