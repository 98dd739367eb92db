// Start-up and as-of answers on a large store:
//   startup_s     opening the store and the engine as `keyledger serve` does (replay, or a
//                 snapshot once the engine has them), on --kl_store (an existing store, e.g. the
//                 scale store) or on a store of --kl_events events (1,000,000) built here
//   as_of_p99_ms  one token's state as of a random past instant: the position of the instant
//                 and the token's positions, read from the store's indexes, then folded (the path
//                 of GET /v1/tokens/{id}?as_of=)

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <random>

#include "bench/support/bench_main.h"
#include "bench/support/population_store.h"
#include "bench/support/scratch_dir.h"
#include "engine/engine.h"

namespace keyledger::bench {
namespace {

struct HistoryStore {
    std::optional<ScratchDir> scratch;
    std::filesystem::path path;

    HistoryStore() {
        const std::string given = flag_string("store", "");
        if (!given.empty()) {
            path = given;
            return;
        }
        scratch.emplace("history");
        path = scratch->path() / "store";
        StoreRecipe recipe;
        recipe.total_events = flag_u64("events", 1'000'000);
        recipe.shape.accounts = std::max<std::uint64_t>(1, recipe.total_events / 100);
        recipe.shape.tokens = std::max<std::uint64_t>(1, recipe.total_events / 20);
        build_store_in(path, recipe);
    }
};

HistoryStore& history_store() {
    static HistoryStore instance;
    return instance;
}

std::expected<std::unique_ptr<engine::Engine>, std::string> open_engine(
    const std::filesystem::path& path, const engine::Clock& clock, bool read_only) {
    auto store = eventstore::open_rocksdb_store(path, {.read_only = read_only});
    if (!store) {
        return std::unexpected(store.error().message);
    }
    return engine::Engine::open(std::move(*store), clock, {});
}

void BM_startup(benchmark::State& bm) {
    HistoryStore& hs = history_store();
    const engine::ManualClock clock(kBenchEpochMs);
    {
        // An untimed first open: warms the page cache, and leaves whatever the engine writes
        // when it stops (a snapshot, once it has them) for the timed opens.
        auto warm = open_engine(hs.path, clock, false);
        if (!warm) {
            bm.SkipWithError(warm.error().c_str());
            return;
        }
    }
    std::uint64_t events = 0;
    for (auto _ : bm) {
        auto opened = open_engine(hs.path, clock, false);
        if (!opened) {
            bm.SkipWithError(opened.error().c_str());
            break;
        }
        events = (*opened)->model().position();
        bm.PauseTiming();
        opened->reset();
        bm.ResumeTiming();
    }
    bm.counters["startup_events"] = static_cast<double>(events);
    bm.counters["startup_s"] =
        benchmark::Counter(static_cast<double>(bm.iterations()),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(rank, values.size() - 1)];
}

void BM_as_of(benchmark::State& bm) {
    HistoryStore& hs = history_store();
    const engine::ManualClock clock(kBenchEpochMs);
    auto opened = open_engine(hs.path, clock, true);
    if (!opened) {
        bm.SkipWithError(opened.error().c_str());
        return;
    }
    const engine::Engine& engine = **opened;
    const domain::State& state = engine.model().state();
    const projections::ReadModel& model = engine.model();
    const eventstore::EventStore& store = engine.store();
    std::vector<std::string> tokens;
    tokens.reserve(state.tokens.size());
    for (const domain::Token& token : state.tokens) {
        tokens.emplace_back(state.token_id(token));
    }
    if (tokens.empty() || model.position() == 0) {
        bm.SkipWithError("the store holds no tokens");
        return;
    }
    auto first_event = store.read_at(1);
    auto last_event = store.read_at(model.position());
    if (!first_event || !last_event) {
        bm.SkipWithError("the store's first or last event cannot be read");
        return;
    }
    const domain::Instant first = first_event->at_ms;
    const domain::Instant last = last_event->at_ms;
    std::mt19937_64 random(11);
    std::vector<double> latencies_ms;
    std::uint64_t folded = 0;
    for (auto _ : bm) {
        const auto started = std::chrono::steady_clock::now();
        const std::string& id = tokens[random() % tokens.size()];
        const domain::Instant t =
            first +
            static_cast<domain::Instant>(random() % static_cast<std::uint64_t>(last - first + 1));
        auto point = projections::point_as_of(store, t, model.position());
        auto positions = point ? projections::read_positions(
                                     store, model.history().sources_for_token(model.state(), id),
                                     point->position)
                               : std::unexpected(point.error());
        if (!positions) {
            bm.SkipWithError(positions.error().message.c_str());
            break;
        }
        auto past = engine::fold_positions(store, engine.window_ms(), *positions);
        if (!past) {
            bm.SkipWithError(past.error().c_str());
            break;
        }
        benchmark::DoNotOptimize(past->token(id));
        folded += positions->size();
        latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count());
    }
    bm.counters["as_of_p50_ms"] = percentile(latencies_ms, 0.50);
    bm.counters["as_of_p99_ms"] = percentile(latencies_ms, 0.99);
    bm.counters["as_of_events_per_answer"] =
        static_cast<double>(folded) /
        static_cast<double>(std::max<std::size_t>(1, latencies_ms.size()));
}

BENCHMARK(BM_startup)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_as_of)->Unit(benchmark::kMicrosecond)->Iterations(2000)->UseRealTime();

}  // namespace
}  // namespace keyledger::bench

KEYLEDGER_BENCH_MAIN([] {})
