#!/usr/bin/env bash
# ctest bench_smoke: every bench program runs once on tiny data and reports no error, and both
# HTTP baselines answer 202 to the right token and 401 to another. Not a measurement.
# Usage: bench/smoke.sh BUILD_BENCH_DIR
set -euo pipefail
bin="$1"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export KEYLEDGER_BENCH_DIR="$work"

run() {  # name binary flags...
  local name="$1" program="$2"; shift 2
  "$bin/$program" --benchmark_min_time=0.01 --benchmark_out="$work/$name.json" \
    --benchmark_out_format=json "$@" >/dev/null 2>"$work/$name.err"
  if grep -q '"error_occurred": true' "$work/$name.json"; then
    echo "smoke: $name reported an error:" >&2
    grep '"error_message"' "$work/$name.json" >&2
    exit 1
  fi
  grep -q '"run_type": "iteration"' "$work/$name.json" || { echo "smoke: $name ran nothing" >&2; exit 1; }
}

run decide bench_decide --kl_accounts=100 --kl_tokens=1000
run store bench_store --kl_events=2000 --kl_append_events=256 --kl_sync=0
run memory bench_memory --kl_accounts=100 --kl_tokens=1000 --benchmark_filter=BM_bytes_per_token
run history bench_history --kl_events=5000 --benchmark_filter=BM_startup
run sim bench_sim --kl_preset=small --kl_days=2
"$bin/bench_scale_generate" --dir "$work/scale" --accounts 10 --tokens 50 --events 3000 \
  --batch 100 >"$work/scale.json"
grep -q '"events":3000,' "$work/scale.json" || { echo "smoke: scale store incomplete" >&2; exit 1; }

for mode in bare durable; do
  args=(--token klg_app_smoke)
  [ "$mode" = durable ] && args+=(--durable "$work/ceiling")
  : >"$work/server.out"  # exists before the background shell opens it: sed below reads it at once
  "$bin/bench_bare_server" "${args[@]}" >"$work/server.out" &
  pid=$!
  # A whole line with its port: a loaded machine may take seconds to open the durable store.
  port=""
  for _ in $(seq 1 600); do
    port="$(sed -n 's/^listening on 127.0.0.1:\([0-9][0-9]*\)$/\1/p' "$work/server.out")"
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    echo "smoke: the $mode server did not say where it listens within 30 s:" >&2
    cat "$work/server.out" >&2
    exit 1
  fi
  # curl's own failure (a refused connection) shows as 000 in the message below.
  good="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer klg_app_smoke' \
    --data '{}' "http://127.0.0.1:$port/v1/hooks/whk_smoke" || true)"
  bad="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer klg_app_smokf' \
    --data '{}' "http://127.0.0.1:$port/v1/hooks/whk_smoke" || true)"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  [ "$good" = 202 ] && [ "$bad" = 401 ] ||
    { echo "smoke: $mode server answered $good and $bad, not 202 and 401" >&2; exit 1; }
done
echo "smoke: every bench program ran"
