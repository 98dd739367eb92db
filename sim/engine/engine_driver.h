#pragma once
// Drives the real engine: a RocksDB store, engine::Engine with a manual clock, and the same
// domain commands the HTTP layer builds (api/service.cc, api/routes.cc, api/login.cc). Each step
// is one engine job decided at the step's instant; the jobs of one call to run() are queued
// together, so the engine commits them in few group commits.

#include <condition_variable>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "security/keyed_hash.h"
#include "sim/scenario/step.h"

namespace keyledger::sim {

struct DriverOptions {
    bool create = true;
    bool sync = true;            // fsync the write-ahead log on every commit
    std::uint64_t key_seed = 0;  // the token key is derived from it, so hashes repeat
};

class EngineDriver {
  public:
    // Opens (or creates) the store in `dir`/store and replays it into the engine.
    [[nodiscard]] static std::expected<std::unique_ptr<EngineDriver>, std::string> open(
        const std::filesystem::path& dir, const DriverOptions& options);
    ~EngineDriver();

    // Decides the steps in order, one job each; `first_index` numbers them (correlation ids
    // "sim-<index>"). Returns once every job's batch is durable; an error if the store failed.
    // With `die_at_last`, the process is killed with SIGKILL while the last job is being decided:
    // what was decided but not yet written is lost, as in a real crash.
    [[nodiscard]] std::expected<std::vector<Outcome>, std::string> run(
        const std::vector<Step>& steps, std::uint64_t first_index, bool die_at_last = false);

    // The same in two halves, so the caller can prepare the next batch while the engine decides
    // this one: start() queues the jobs, wait() returns their outcomes. One batch at a time.
    struct InFlight {
        std::vector<Step> steps;
        std::vector<Outcome> outcomes;
        std::mutex mutex;
        std::condition_variable done;
        std::size_t remaining = 0;
        bool failed = false;
        void finish(bool ok) {
            std::lock_guard lock(mutex);
            failed = failed || !ok;
            if (--remaining == 0) {
                done.notify_all();
            }
        }
    };
    [[nodiscard]] std::shared_ptr<InFlight> start(std::vector<Step> steps,
                                                  std::uint64_t first_index,
                                                  bool die_at_last = false);
    [[nodiscard]] std::expected<std::vector<Outcome>, std::string> wait(
        const std::shared_ptr<InFlight>& batch);

    std::uint64_t head_position() const;
    // The correlation id of the last event in the log ("sim-<step index>"); empty when none.
    std::string last_correlation_id() const;
    std::string head_hash_hex() const;
    // The stored hash of the event at `position`, in hex; empty if there is none.
    std::string hash_at(std::uint64_t position) const;
    // Folds the whole log into a fresh read model and compares it with the live one (the model
    // the engine replayed at open). Only before the first run: the decider owns it afterwards.
    [[nodiscard]] std::expected<void, std::string> check_rebuild() const;
    // After a crash: the outcomes of steps whose events are in the log after `after_position`,
    // by step index (steps that recorded nothing cannot be told from the log).
    [[nodiscard]] std::expected<std::vector<std::pair<std::uint64_t, Outcome>>, std::string>
    outcomes_in_log(std::uint64_t after_position) const;
    const engine::Engine& engine() const { return *engine_; }

  private:
    EngineDriver(std::unique_ptr<engine::Engine> engine, std::unique_ptr<engine::ManualClock> clock,
                 security::SecretHasher hasher);
    Outcome execute(engine::Transaction& tx, const Step& step, std::uint64_t index) const;
    // A webhook call, with its delivery key honoured as the API honours an Idempotency-Key.
    Outcome call(engine::Transaction& tx, const Step& step, std::uint64_t index) const;

    std::unique_ptr<engine::ManualClock> clock_;
    std::unique_ptr<engine::Engine> engine_;
    security::SecretHasher hasher_;
};

// The token key of a simulation run.
security::SecretHasher sim_hasher(std::uint64_t key_seed);

}  // namespace keyledger::sim
