// The log against raw RocksDB, same data, same run:
//   append_per_s     EventStore::append, batches of --kl_batch events (64), sync on
//   raw_append_per_s RocksDB WriteBatch of the same number of values of the same size, sync on
//   raw_scan_per_s   forward scan of the store's own "events" column family with plain RocksDB
//   replay_per_s     folding the whole log into a fresh read model (engine::rebuild), the
//                    work of a start-up without a snapshot
//   read_lent_per_s  the store's part of that: every event lent by for_each_event, no fold
//   verify_per_s     EventStore::verify (every hash, link and stream index)
//   prove_per_s      the pass over the log every proof command makes: the Merkle tree of all
//                    event hashes (transparency::read_log_tree), in events per second
//   inclusion_proofs_per_s  RFC 9162 inclusion proofs of random events from that tree
//   prune_pass_ms    one pass of delivery pruning that finds nothing old (the steady state of a
//                    server pruning every minute), on a store opened writable with the server's
//                    options; the pass visits what OpenOptions::prune_webhooks_per_pass allows
// The read side runs on a store of --kl_events events (500,000) built once, page cache warm, or
// on an existing store given with --kl_store.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "audit/transparency/log_reader.h"
#include "bench/support/bench_main.h"
#include "bench/support/log_writer.h"
#include "bench/support/population_store.h"
#include "bench/support/raw_rocks.h"
#include "bench/support/scratch_dir.h"
#include "engine/engine.h"
#include "engine/rebuild.h"
#include "eventstore/detail/layout.h"

namespace keyledger::bench {
namespace {

constexpr std::uint64_t kTokensInAppend = 1000;

std::size_t batch_size() {
    return flag_u64("batch", 64);
}
std::uint64_t append_events() {
    return flag_u64("append_events", 64 * 1500);
}
bool sync_on() {
    return flag_u64("sync", 1) != 0;
}

// Accepted calls on kTokensInAppend tokens as the engine stages them, in batches.
std::vector<eventstore::AppendBatch> call_batches(std::uint64_t events, std::size_t batch) {
    PopulationShape shape{100, kTokensInAppend};
    std::vector<eventstore::AppendBatch> batches;
    for (std::uint64_t i = 0; i < events; ++i) {
        if (i % batch == 0) {
            batches.emplace_back();
            batches.back().events.reserve(batch);
        }
        const std::uint64_t token = i % kTokensInAppend;
        const domain::Event event = call_decided(shape, token, i);
        batches.back().events.push_back(
            to_new_event(event, account_id(owner_of_token(shape, token)),
                         kBenchEpochMs + static_cast<std::int64_t>(i), i / kTokensInAppend));
    }
    return batches;
}

// What raw RocksDB is given for the same event: about the bytes of the store's envelope (the
// event's fields, its position, instant, version and two hashes).
std::string raw_value_of(const eventstore::NewEvent& event) {
    std::string value;
    value.reserve(event.stream.size() + event.type.size() + event.actor.size() +
                  event.correlation_id.size() + event.payload.size() + 88);
    value += event.stream;
    value += event.type;
    value += event.actor;
    value += event.correlation_id;
    value += event.payload;
    value.append(88, '\x5a');
    return value;
}

void BM_append(benchmark::State& bm) {
    const auto batches = call_batches(append_events(), batch_size());
    ScratchDir dir("append");
    auto store =
        eventstore::open_rocksdb_store(dir.path() / "store", {.create = true, .sync = sync_on()});
    if (!store) {
        bm.SkipWithError(store.error().message.c_str());
        return;
    }
    std::size_t next = 0;
    std::uint64_t events = 0;
    for (auto _ : bm) {
        if (next == batches.size()) {
            bm.SkipWithError("ran out of prepared batches; raise --kl_append_events");
            break;
        }
        auto appended = (*store)->append(batches[next]);
        if (!appended) {
            bm.SkipWithError(appended.error().message.c_str());
            break;
        }
        events += batches[next++].events.size();
    }
    bm.counters["append_per_s"] =
        benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

void BM_raw_append(benchmark::State& bm) {
    std::vector<std::vector<std::string>> batches;
    for (const auto& batch : call_batches(append_events(), batch_size())) {
        auto& values = batches.emplace_back();
        for (const auto& event : batch.events) {
            values.push_back(raw_value_of(event));
        }
    }
    ScratchDir dir("raw-append");
    RawLog raw(dir.path() / "raw", sync_on());
    std::size_t next = 0;
    std::uint64_t events = 0;
    for (auto _ : bm) {
        if (next == batches.size()) {
            bm.SkipWithError("ran out of prepared batches; raise --kl_append_events");
            break;
        }
        raw.append(batches[next]);
        events += batches[next++].size();
    }
    bm.counters["raw_append_per_s"] =
        benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

// The read side's store, built once per process.
struct ReadStore {
    std::optional<ScratchDir> dir;
    std::filesystem::path path;
    std::uint64_t events = 0;

    ReadStore() {
        if (const std::string given = flag_string("store", ""); !given.empty()) {
            path = given;  // an existing store, e.g. the scale store
            return;
        }
        dir.emplace("read");
        path = dir->path() / "store";
        StoreRecipe recipe;
        recipe.total_events = flag_u64("events", 500'000);
        recipe.shape.accounts = std::max<std::uint64_t>(1, recipe.total_events / 100);
        recipe.shape.tokens = std::max<std::uint64_t>(1, recipe.total_events / 10);
        build_store_in(path, recipe);
        events = recipe.total_events;
    }
};

ReadStore& read_store() {
    static ReadStore instance;
    return instance;
}

std::unique_ptr<eventstore::EventStore> open_read_only(const std::filesystem::path& path) {
    auto store = eventstore::open_rocksdb_store(path, {.read_only = true});
    if (!store) {
        return nullptr;
    }
    return std::move(*store);
}

// The shared read store, opened read-only; a benchmark that cannot open it is marked skipped.
std::unique_ptr<eventstore::EventStore> open_read_store_or_skip(benchmark::State& bm) {
    auto store = open_read_only(read_store().path);
    if (!store) {
        bm.SkipWithError("cannot open the read store");
    }
    return store;
}

void BM_raw_scan(benchmark::State& bm) {
    ReadStore& rs = read_store();
    const std::string family(eventstore::detail::kFamilyNames[static_cast<std::size_t>(
        eventstore::detail::Family::events)]);
    std::uint64_t records = 0;
    for (auto _ : bm) {
        records += raw_scan(rs.path, family).records;
    }
    bm.counters["raw_scan_per_s"] =
        benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}

void BM_replay(benchmark::State& bm) {
    auto store = open_read_store_or_skip(bm);
    if (!store) {
        return;
    }
    std::uint64_t events = 0;
    for (auto _ : bm) {
        auto model = engine::rebuild(*store);
        if (!model) {
            bm.SkipWithError(model.error().c_str());
            break;
        }
        events += model->position();
        // Freeing the model is not part of the replay.
        bm.PauseTiming();
        model = projections::ReadModel();
        bm.ResumeTiming();
    }
    bm.counters["replay_per_s"] =
        benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

// The store's half of a replay: every event lent by for_each_event, decoded, not hashed, not
// folded. replay_per_s against this says how much of a replay is the fold.
void BM_read_lent(benchmark::State& bm) {
    auto store = open_read_store_or_skip(bm);
    if (!store) {
        return;
    }
    std::uint64_t events = 0;
    for (auto _ : bm) {
        std::uint64_t bytes = 0;
        auto read = store->for_each_event(0, UINT64_MAX, eventstore::Hashes::skip,
                                          [&](const eventstore::EventView& event) {
                                              bytes += event.payload.size();
                                              return true;
                                          });
        if (!read) {
            bm.SkipWithError(read.error().message.c_str());
            break;
        }
        benchmark::DoNotOptimize(bytes);
        events += *read;
    }
    bm.counters["read_lent_per_s"] =
        benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

void BM_verify(benchmark::State& bm) {
    auto store = open_read_store_or_skip(bm);
    if (!store) {
        return;
    }
    std::uint64_t events = 0;
    for (auto _ : bm) {
        auto report = store->verify();
        if (!report || !report->ok) {
            bm.SkipWithError("verify failed on the bench store");
            break;
        }
        events += report->events;
    }
    bm.counters["verify_per_s"] =
        benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

// The append benchmarks run exactly the prepared batches: a version can be appended only once.
void register_appends() {
    const auto batches =
        static_cast<benchmark::IterationCount>((append_events() + batch_size() - 1) / batch_size());
    benchmark::RegisterBenchmark("BM_append", BM_append)->Iterations(batches)->UseRealTime();
    benchmark::RegisterBenchmark("BM_raw_append", BM_raw_append)
        ->Iterations(batches)
        ->UseRealTime();
}

void BM_prove(benchmark::State& bm) {
    auto store = open_read_store_or_skip(bm);
    if (!store) {
        return;
    }
    std::uint64_t events = 0;
    for (auto _ : bm) {
        auto tree = transparency::read_log_tree(*store);
        if (!tree) {
            bm.SkipWithError(tree.error().message.c_str());
            break;
        }
        events += tree->size();
    }
    bm.counters["prove_per_s"] =
        benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

void BM_inclusion_proof(benchmark::State& bm) {
    ReadStore& rs = read_store();
    auto store = open_read_only(rs.path);
    auto tree = store ? transparency::read_log_tree(*store)
                      : std::unexpected(transparency::LogReadError{0, "cannot open"});
    if (!tree || tree->size() == 0) {
        bm.SkipWithError("cannot read the tree of the read store");
        return;
    }
    std::uint64_t x = 88172645463325252ULL;
    std::size_t hashes = 0;
    for (auto _ : bm) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const auto proof = tree->inclusion_proof(x % tree->size(), tree->size());
        hashes += proof.size();
        benchmark::DoNotOptimize(proof.data());
    }
    bm.counters["inclusion_proofs_per_s"] =
        benchmark::Counter(static_cast<double>(bm.iterations()), benchmark::Counter::kIsRate);
    bm.counters["proof_hashes"] = static_cast<double>(hashes) /
                                  static_cast<double>(std::max<std::int64_t>(1, bm.iterations()));
}

void BM_prune_pass(benchmark::State& bm) {
    auto store = eventstore::open_rocksdb_store(read_store().path, {});
    if (!store) {
        bm.SkipWithError(store.error().message.c_str());
        return;
    }
    for (auto _ : bm) {
        // Nothing is received before the first instant of time: the pass removes nothing.
        auto pruned = (*store)->prune_deliveries(std::numeric_limits<std::int64_t>::min());
        if (!pruned) {
            bm.SkipWithError(pruned.error().message.c_str());
            break;
        }
    }
    bm.counters["prune_pass_ms"] =
        benchmark::Counter(static_cast<double>(bm.iterations()) / 1000,
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_raw_scan)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_read_lent)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_replay)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_verify)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_prove)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_inclusion_proof)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_prune_pass)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace keyledger::bench

KEYLEDGER_BENCH_MAIN(keyledger::bench::register_appends)
