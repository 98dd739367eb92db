#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, property, store, end-to-end over
# real HTTP, the example story) once, in the checked build (docs/RELIABILITY.md): clang 16, every
# target under AddressSanitizer + UndefinedBehaviorSanitizer. The normal build compiles what ships
# and what bench/run measures (the `product` target) and runs bench_smoke; then the five fuzz
# targets for 60 seconds each. KEYLEDGER_CHECKED=0 instead builds everything in the normal build
# and runs the suite there (quicker on a machine without clang 16's compile cache).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi

if [ "${KEYLEDGER_CHECKED:-1}" = "0" ]; then
  ninja -C build -j"$(nproc)"
  ctest --test-dir build --output-on-failure -j"$(nproc)"
  exit 0
fi

ninja -C build -j"$(nproc)" product
ctest --test-dir build --output-on-failure -R '^bench_smoke$'

# The checked build: the targets under tests/ (and the programs they run) and the fuzzers, from
# the same sanitized objects. Not bench/: its programs are measurements, smoke-run above in the
# normal build. Any sanitizer finding aborts the test that hit it.
if [ ! -f build-checked/build.ninja ]; then
  CC=clang-16 CXX=clang++-16 cmake -S . -B build-checked -G Ninja -DKEYLEDGER_CHECKED=ON
fi
ninja -C build-checked -j"$(nproc)" checked
# clang 16's runtime looks for a symbolizer of its own version, which Debian puts elsewhere.
symbolizer="$(command -v llvm-symbolizer-16 || command -v llvm-symbolizer || true)"
symbolize="${symbolizer:+:external_symbolizer_path=$symbolizer}"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1$symbolize"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1$symbolize"
# The rebuild property runs 500 random stories here instead of its default 2,000 (7.7 min under
# ASan on the development machine); `KEYLEDGER_CHECKED=0 scripts/test.sh` runs all 2,000.
KEYLEDGER_PROPERTY_SEEDS=500 \
  ctest --test-dir build-checked --output-on-failure -j"$(nproc)" -E '^bench_smoke$'

# Fuzzing: each target for 60 s (KEYLEDGER_FUZZ_SECONDS) from its seed corpus, two at a time. New
# inputs go to a scratch directory; a crash leaves its input in build-checked/artifacts/.
fuzz_seconds="${KEYLEDGER_FUZZ_SECONDS:-60}"
fuzz_targets=(fuzz_credentials fuzz_bodies fuzz_request_parser fuzz_event_decoder fuzz_handler)
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p build-checked/artifacts
run_fuzzer() {
  local target="$1"
  mkdir -p "$scratch/$target"
  if ! build-checked/fuzz/"$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
      -artifact_prefix="build-checked/artifacts/$target-" "$scratch/$target" "fuzz/corpus/$target" \
      >"$scratch/$target.log" 2>&1; then
    tail -n 60 "$scratch/$target.log" >&2
    echo "fuzz: $target FAILED; the input is in build-checked/artifacts/" >&2
    return 1
  fi
  echo "fuzz: $target: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/$target.log" |
    grep -o '[0-9]*$') executions in ${fuzz_seconds} s, no crash"
}
failed=0
for ((i = 0; i < ${#fuzz_targets[@]}; i += 2)); do
  pids=()
  for target in "${fuzz_targets[@]:i:2}"; do
    run_fuzzer "$target" & pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
  done
done
if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "fuzz: every target ran ${fuzz_seconds} s without a finding"
