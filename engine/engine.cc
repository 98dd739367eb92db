#include "engine/engine.h"

#include "domain/codec/codec.h"
#include "domain/evolve.h"

namespace keyledger::engine {
namespace {

constexpr std::size_t kReplayChunk = 10'000;
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
    std::unique_ptr<Engine> engine(new Engine(std::move(store), clock, options));
    if (auto replayed = engine->replay(); !replayed) {
        return std::unexpected(replayed.error());
    }
    return engine;
}

std::expected<void, std::string> Engine::replay() {
    std::uint64_t after = 0;
    for (;;) {
        auto chunk = store_->read_all(after, kReplayChunk);
        if (!chunk) {
            return std::unexpected("cannot read the log: " + chunk.error().message);
        }
        for (const auto& stored : *chunk) {
            auto fact = decode_fact(stored);
            if (!fact) {
                return std::unexpected(fact.error());
            }
            model_.apply(stored.position, *fact);
            stream_versions_[stored.stream] = stored.version;
            after = stored.position;
        }
        if (chunk->size() < kReplayChunk) {
            break;
        }
    }
    stats_.head_position = model_.position();
    window_ms_ = model_.state().window_ms;
    return {};
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
    Transaction tx(*this);
    if (failed_) {
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
            stats_.batches++;
            stats_.events += tx.batch_.events.size();
            stats_.head_position = model_.position();
        } else {
            // The live model already holds what the disk refused: stop deciding for good.
            stats_.write_failures++;
            failed_ = true;
        }
    }
    for (auto& completion : tx.completions_) {
        completion(durable);
    }
}

void Engine::prune_deliveries(Instant now) {
    if (now - last_prune_ < kPruneEveryMs) {
        return;
    }
    last_prune_ = now;
    (void)store_->prune_deliveries(now - options_.delivery_retention_ms);
}

void Transaction::record(const domain::Event& event, std::string_view actor,
                         std::string_view correlation_id) {
    const Instant at = now();
    std::string stream = domain::stream_of(event, actor);
    std::uint64_t& version = engine_.stream_versions_[stream];
    batch_.events.push_back(eventstore::NewEvent{
        stream, version, std::string(domain::event_type(event)), at, std::string(actor),
        std::string(correlation_id), domain::codec::encode(event)});
    ++version;
    if (const auto* created = std::get_if<domain::StoreCreated>(&event)) {
        engine_.window_ms_ = created->window_ms;
    }
    engine_.model_.apply(engine_.model_.position() + 1,
                         domain::Fact{at, std::string(actor), std::string(correlation_id), event});
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
