#include "engine/engine.h"

#include <fmt/format.h>

#include "domain/codec/codec.h"
#include "domain/evolve.h"
#include "engine/rebuild.h"
#include "engine/related_backfill.h"

namespace keyledger::engine {
namespace {

// Pruning deliveries is a range scan; once a decision-clock minute is plenty.
constexpr Instant kPruneEveryMs = 60'000;

}  // namespace

std::expected<domain::Fact, std::string> decode_fact(const eventstore::StoredEvent& stored) {
    auto event = domain::codec::decode(stored.type, stored.payload);
    if (!event) {
        return std::unexpected("event " + std::to_string(stored.position) + " (" + stored.type +
                               ") cannot be decoded: " + event.error());
    }
    return domain::Fact{stored.at_ms, stored.actor, stored.correlation_id, std::move(*event)};
}

Engine::Engine(std::unique_ptr<eventstore::EventStore> store, const Clock& clock,
               EngineOptions options)
    : store_(std::move(store)), clock_(clock), options_(options) {}

Engine::~Engine() {
    stop();
}

std::expected<std::unique_ptr<Engine>, std::string> Engine::open(
    std::unique_ptr<eventstore::EventStore> store, const Clock& clock, EngineOptions options) {
    if (auto indexed = ensure_related_index(*store); !indexed) {
        return std::unexpected(indexed.error());
    }
    std::unique_ptr<Engine> engine(new Engine(std::move(store), clock, options));
    if (auto replayed = engine->replay(); !replayed) {
        engine->keep_store_as_is();  // a part-folded model must not become a snapshot
        return std::unexpected(replayed.error());
    }
    return engine;
}

std::expected<void, std::string> Engine::replay() {
    if (auto loaded = reload_model(); !loaded) {
        return loaded;
    }
    stats_.started_from_snapshot = stats_.snapshot_position.load();
    window_ms_ = model_.state().window_ms;
    return {};
}

std::expected<void, std::string> Engine::reload_model() {
    model_ = projections::ReadModel();
    stream_versions_.clear();
    stats_.snapshot_position = 0;
    // The snapshot is anchored to its event's hash; what is folded after it must chain on from
    // there, so no event altered since it was written enters the state.
    eventstore::Hash anchor{};
    if (auto snapshot = load_snapshot(*store_); !snapshot) {
        warn("snapshot_problem",
             "projection snapshot ignored, rebuilding from the log: " + snapshot.error());
    } else if (*snapshot) {
        model_ = std::move((*snapshot)->model);
        anchor = (*snapshot)->event_hash;
        stats_.snapshot_position = model_.position();
    }
    start_anchor_ = anchor;
    if (auto folded = fold_log_linked(*store_, model_, anchor); !folded) {
        return std::unexpected(folded.error());
    }
    if (model_.position() != store_->head_position()) {
        return std::unexpected("the log's head is position " +
                               std::to_string(store_->head_position()) +
                               " but reading it ends at " + std::to_string(model_.position()));
    }
    head_hash_ = store_->head_hash();
    stats_.head_position = model_.position();
    return {};
}

void Engine::report_history_damage(std::uint64_t position, std::string reason) {
    std::lock_guard lock(damage_mutex_);
    if (history_damage_.empty()) {  // the first finding stands
        history_damage_ = std::move(reason);
        stats_.history_damaged_at = position;
    }
}

std::string Engine::history_damage() const {
    std::lock_guard lock(damage_mutex_);
    return history_damage_;
}

std::string Engine::unavailable_reason() const {
    if (failed_) {
        return "the store failed to write and refuses writes until the server is restarted";
    }
    if (disk_full_) {
        return "the disk is full: nothing is recorded until space is freed";
    }
    return {};
}

bool Engine::disk_has_space_again() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_probe_ < std::chrono::seconds(1)) {
        return false;
    }
    last_probe_ = now;
    if (!store_->put_meta("write_probe", "").has_value()) {
        return false;
    }
    disk_full_ = false;
    return true;
}

void Engine::start() {
    std::lock_guard lock(mutex_);
    if (running_ || stopping_) {
        return;
    }
    running_ = true;
    thread_ = std::thread([this] { decider_loop(); });
}

void Engine::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    running_ = false;
    if (options_.snapshot_at_stop && !snapshot_written_at_stop_) {
        snapshot_written_at_stop_ = true;
        if (model_.position() > stats_.snapshot_position) {
            write_snapshot();
        }
    }
}

bool Engine::submit(Job job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || failed_) {
            return false;
        }
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

bool Engine::run_now(const std::function<void(Transaction&)>& decide) {
    bool durable = false;
    std::vector<Job> jobs{Job{[&](Transaction& tx) {
                                  decide(tx);
                                  tx.then([&durable](bool ok) { durable = ok; });
                              },
                              [] {}}};
    decide_and_commit(jobs);
    return durable;
}

void Engine::decider_loop() {
    std::vector<Job> jobs;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) {
                return;
            }
            // Everything that queued while the last batch was syncing forms the next batch.
            while (!queue_.empty() && jobs.size() < options_.max_batch_jobs) {
                jobs.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        decide_and_commit(jobs);
        jobs.clear();
        // Pruning belongs to the serving engine: run_now() serves local operator commands, which
        // do not know the retention the server is configured with.
        if (!failed_) {
            prune_deliveries(domain::decision_instant(model_.state(), clock_.now()));
        }
    }
}

void Engine::decide_and_commit(std::vector<Job>& jobs) {
    // Between batches every remembered version is committed, so forgetting them is safe: the
    // store's index answers again. Unbounded, the map would grow with every stream ever written
    // (about 100 bytes a token), which is resident memory no figure of the read model shows.
    if (stream_versions_.size() > options_.remembered_streams) {
        stream_versions_.clear();
    }
    Transaction tx(*this);
    if (failed_ || (disk_full_ && !disk_has_space_again())) {
        for (auto& job : jobs) {
            job.abort();
        }
        return;
    }
    for (auto& job : jobs) {
        tx.start_job();
        job.decide(tx);
    }
    stats_.jobs += jobs.size();

    bool durable = true;
    if (!tx.batch_.events.empty() || !tx.batch_.deliveries.empty()) {
        auto appended = store_->append(tx.batch_);
        durable = appended.has_value();
        if (durable) {
            head_hash_ = appended->head;
            stats_.batches++;
            stats_.events += tx.batch_.events.size();
            stats_.head_position = model_.position();
        } else if (appended.error().code == eventstore::ErrorCode::no_space) {
            // Nothing of the batch was written: forget it and refuse jobs until space returns.
            stats_.disk_full_refusals++;
            disk_full_ = true;
            last_probe_ = std::chrono::steady_clock::now();
            if (auto reloaded = reload_model(); !reloaded) {
                warn("model_reload_failed",
                     "cannot reload the model after a full disk: " + reloaded.error());
                failed_ = true;
            }
        } else {
            // The live model already holds what the disk refused: stop deciding for good.
            stats_.write_failures++;
            failed_ = true;
        }
    }
    for (auto& completion : tx.completions_) {
        completion(durable);
    }
    if (durable) {
        snapshot_if_due();
    }
}

void Engine::prune_deliveries(Instant now) {
    if (now - last_prune_ < kPruneEveryMs) {
        return;
    }
    last_prune_ = now;
    // Once per pass, so that a damaged entry met every minute does not flood the log.
    std::size_t undecodable = 0;
    auto pruned = store_->prune_deliveries(now - options_.delivery_retention_ms, &undecodable);
    if (!pruned) {
        stats_.prune_failures++;
        warn("delivery_prune_failed", "pruning old deliveries failed: " + pruned.error().message);
    }
    stats_.undecodable_deliveries = undecodable;
    if (undecodable > 0) {
        warn("undecodable_deliveries",
             fmt::format("pruning kept {} entr{} of the deliveries family that cannot be decoded "
                         "(never deleted unread); run keyledger audit verify to name them",
                         undecodable, undecodable == 1 ? "y" : "ies"));
    }
}

void Transaction::record(const domain::Event& event, std::string_view actor,
                         std::string_view correlation_id) {
    const Instant at = now();
    std::string stream = domain::stream_of(event, actor);
    std::uint64_t& version = engine_.stream_version(stream);
    batch_.events.push_back(eventstore::NewEvent{
        stream, version, std::string(domain::event_type(event)), at, std::string(actor),
        std::string(correlation_id), domain::codec::encode(event), domain::related_ids(event)});
    ++version;
    if (const auto* created = std::get_if<domain::StoreCreated>(&event)) {
        engine_.window_ms_ = created->window_ms;
    }
    engine_.model_.apply(engine_.model_.position() + 1, at, event);
}

void Transaction::record_all(const std::vector<domain::Event>& events, std::string_view actor,
                             std::string_view correlation_id) {
    for (const auto& event : events) {
        record(event, actor, correlation_id);
    }
}

void Transaction::record_delivery(eventstore::NewDelivery delivery) {
    batch_.deliveries.push_back(std::move(delivery));
}

void Transaction::then(std::function<void(bool durable)> completion) {
    completions_.push_back(std::move(completion));
}

std::expected<domain::State, std::string> fold_positions(
    const eventstore::EventStore& store, Instant window_ms,
    const std::vector<std::uint64_t>& positions) {
    domain::State partial;
    partial.initialized = true;
    partial.window_ms = window_ms;
    for (std::uint64_t position : positions) {
        auto stored = store.read_at(position);
        if (!stored) {
            return std::unexpected(stored.error().message);
        }
        auto fact = decode_fact(*stored);
        if (!fact) {
            return std::unexpected(fact.error());
        }
        domain::evolve(partial, *fact);
    }
    return partial;
}

}  // namespace keyledger::engine
