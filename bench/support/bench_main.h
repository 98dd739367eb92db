#pragma once
// main() of every bench program: takes the --kl_* flags, registers what depends on them, then
// runs Google Benchmark.

#include <benchmark/benchmark.h>

#include "bench/support/flags.h"

#define KEYLEDGER_BENCH_MAIN(register_flagged)                    \
    int main(int argc, char** argv) {                             \
        keyledger::bench::take_flags(argc, argv);                 \
        register_flagged();                                       \
        benchmark::Initialize(&argc, argv);                       \
        if (benchmark::ReportUnrecognizedArguments(argc, argv)) { \
            return 1;                                             \
        }                                                         \
        benchmark::RunSpecifiedBenchmarks();                      \
        benchmark::Shutdown();                                    \
        return 0;                                                 \
    }
