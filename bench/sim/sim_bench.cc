// sim_calls_per_s and sim_peak_rss_mb: the simulation harness on a short fixed run (the
// --kl_preset preset, medium by default, for --kl_days simulated days, 20 by default, seed 1,
// fsync on), end to end: the world, the independent model, the real engine over RocksDB and the
// comparison of every answer. Calls per second counts simulated webhook calls over the wall
// time of the run; the peak is this process's largest resident set (getrusage), so it includes
// the benchmark itself. A year of the large preset is measured apart (docs/SIMULATION.md).

#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include "bench/support/bench_main.h"
#include "bench/support/scratch_dir.h"
#include "sim/run/runner.h"

namespace keyledger::bench {
namespace {

void BM_sim(benchmark::State& bm) {
    sim::RunOptions options;
    options.seed = 1;
    options.days = static_cast<int>(flag_u64("days", 20));
    const std::string preset = flag_string("preset", "medium");
    if (auto named = sim::preset_named(preset)) {
        options.preset = *named;
    } else {
        bm.SkipWithError("--kl_preset is small, medium or large");
        return;
    }
    options.shrink = false;
    std::uint64_t calls = 0;
    for (auto _ : bm) {
        bm.PauseTiming();
        auto dir = std::make_unique<ScratchDir>("sim");
        options.out = dir->path();
        bm.ResumeTiming();
        const sim::RunResult result = sim::run_world(options);
        if (!result.error.empty() || result.disagreement) {
            bm.SkipWithError(result.error.empty() ? "engine and model disagree"
                                                  : result.error.c_str());
            return;
        }
        calls += result.calls;
        bm.PauseTiming();
        dir.reset();
        bm.ResumeTiming();
    }
    bm.counters["sim_calls_per_s"] =
        benchmark::Counter(static_cast<double>(calls), benchmark::Counter::kIsRate);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    bm.counters["sim_peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void register_all() {
    benchmark::RegisterBenchmark("BM_sim", BM_sim)
        ->Unit(benchmark::kSecond)
        ->Iterations(1)
        ->UseRealTime();
}

}  // namespace
}  // namespace keyledger::bench

KEYLEDGER_BENCH_MAIN(keyledger::bench::register_all)
