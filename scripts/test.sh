#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, property, store, end-to-end over
# real HTTP, and the example story). Then the checked builds (docs/RELIABILITY.md): the input
# and storage tests again under AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzz
# targets for 60 seconds each. KEYLEDGER_CHECKED=0 skips the checked builds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"

if [ "${KEYLEDGER_CHECKED:-1}" = "0" ]; then
  exit 0
fi

# Sanitized (g++ ASan + UBSan): the tests of the code that parses what comes from outside
# (credentials, token secrets, base64, UTF-8, key files). The rest runs in the normal build only:
# CI has 2 cores and 30 minutes (docs/RELIABILITY.md says what else can run sanitized and how).
# TODO(reliability): add eventstore_test, reliability_store_faults_test, keyledger_codec_test and
# keyledger_http_test once their sanitized runs are verified within the budget.
sanitized_tests=(security_test)
if [ ! -f build-sanitize/build.ninja ]; then
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYLEDGER_SANITIZE=ON
fi
ninja -C build-sanitize -j"$(nproc)" "${sanitized_tests[@]}"
pattern="^($(IFS='|'; echo "${sanitized_tests[*]}"))$"
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-sanitize --output-on-failure -j"$(nproc)" -R "$pattern"

# Fuzzing (clang 16): each target for 60 s (KEYLEDGER_FUZZ_SECONDS) from its seed corpus, two at a
# time. fuzz_handler needs the whole server built a third time, which CI's budget has no room
# for: it runs by hand (docs/RELIABILITY.md). New inputs go to a scratch directory; a crash
# leaves its input in build-fuzz/artifacts/.
fuzz_seconds="${KEYLEDGER_FUZZ_SECONDS:-60}"
fuzz_targets=(fuzz_credentials fuzz_bodies fuzz_request_parser fuzz_event_decoder)
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKEYLEDGER_FUZZ=ON
fi
ninja -C build-fuzz -j"$(nproc)" "${fuzz_targets[@]}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p build-fuzz/artifacts
run_fuzzer() {
  local target="$1"
  mkdir -p "$scratch/$target"
  if ! build-fuzz/fuzz/"$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
      -artifact_prefix="build-fuzz/artifacts/$target-" "$scratch/$target" "fuzz/corpus/$target" \
      >"$scratch/$target.log" 2>&1; then
    tail -n 60 "$scratch/$target.log" >&2
    echo "fuzz: $target FAILED; the input is in build-fuzz/artifacts/" >&2
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
