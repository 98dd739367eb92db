// bytes_per_token: resident memory of the live projections (the rules' state and the history
// index, as the engine keeps them) per token, for --kl_tokens tokens (1,000,000) held by
// --kl_accounts accounts (100,000), each with one webhook. Measured as the growth of this
// process's resident set while the read model is folded, so allocator overhead counts.

#include <benchmark/benchmark.h>

#include <memory>

#include "bench/support/bench_main.h"
#include "bench/support/population.h"
#include "bench/support/population_store.h"
#include "bench/support/scratch_dir.h"
#include "domain/evolve.h"
#include "projections/read_model.h"

namespace keyledger::bench {
namespace {

void BM_bytes_per_token(benchmark::State& bm) {
    const PopulationShape shape{flag_u64("accounts", 100'000), flag_u64("tokens", 1'000'000)};
    const auto hasher = bench_hasher();
    double per_token = 0;
    double total = 0;
    for (auto _ : bm) {
        const std::size_t before = resident_bytes();
        auto model = std::make_unique<projections::ReadModel>();
        std::uint64_t position = 0;
        for_each_population_event(
            shape, hasher, [&](const domain::Event& event, const std::string& actor) {
                model->apply(++position, domain::Fact{kBenchEpochMs, actor, "req_bench", event});
            });
        const std::size_t after = resident_bytes();
        total = static_cast<double>(after - before);
        per_token = total / static_cast<double>(shape.tokens);
        benchmark::DoNotOptimize(model);
        bm.PauseTiming();
        model.reset();
        bm.ResumeTiming();
    }
    bm.counters["bytes_per_token"] = per_token;
    bm.counters["projection_bytes"] = total;
}

// The rules' state alone (no history index), to split the figure. Run it in its own process
// (--benchmark_filter): memory freed by another benchmark would hide its growth.
void BM_state_bytes_per_token(benchmark::State& bm) {
    const PopulationShape shape{flag_u64("accounts", 100'000), flag_u64("tokens", 1'000'000)};
    const auto hasher = bench_hasher();
    double per_token = 0;
    for (auto _ : bm) {
        const std::size_t before = resident_bytes();
        auto state = std::make_unique<domain::State>();
        for_each_population_event(
            shape, hasher, [&](const domain::Event& event, const std::string& actor) {
                domain::evolve(*state, domain::Fact{kBenchEpochMs, actor, "req_bench", event});
            });
        per_token =
            static_cast<double>(resident_bytes() - before) / static_cast<double>(shape.tokens);
        benchmark::DoNotOptimize(state);
        bm.PauseTiming();
        state.reset();
        bm.ResumeTiming();
    }
    bm.counters["state_bytes_per_token"] = per_token;
}

BENCHMARK(BM_bytes_per_token)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_state_bytes_per_token)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keyledger::bench

KEYLEDGER_BENCH_MAIN([] {})
