#!/usr/bin/env bash
# Accepted webhook calls per second against the real server (fsync on, the default), with wrk on
# 127.0.0.1. Sets up its own store, server, webhook and token; stops everything at the end.
# Usage: bench/load/webhook-load.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-10}"
connections="${2:-64}"
bin=build/app/keyledger
dir="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

first="$("$bin" --log-level warn init --data-dir "$dir/data")"
admin="$(echo "$first" | sed -n 's/.*"secret":"\([^"]*\)".*/\1/p')"
"$bin" --log-level warn serve --data-dir "$dir/data" --listen 127.0.0.1:0 >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 1 100); do grep -q listening "$dir/out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's/listening on 127.0.0.1:\([0-9]*\)/\1/p' "$dir/out")"
hook="$(curl -s -X POST "http://127.0.0.1:$port/v1/webhooks" -H "Authorization: Bearer $admin" \
  -H 'Content-Type: application/json' --data '{"name":"load","auth":"bearer"}')"
export KEYLEDGER_WEBHOOK="$(echo "$hook" | sed -n 's/^{.*"id":"\(whk_[^"]*\)".*/\1/p')"
export KEYLEDGER_SECRET="$(echo "$hook" | sed -n 's/.*"secret":"\([^"]*\)".*/\1/p')"

cpu_before="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
wrk -t1 -c"$connections" -d"${seconds}s" --latency -s bench/load/webhook.lua "http://127.0.0.1:$port"
cpu_after="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
echo "server CPU: $(( (cpu_after - cpu_before) * 1000 / $(getconf CLK_TCK) )) ms over ${seconds}s"
metrics='^keyledger_(events_total|commit_batches_total|webhook_calls_total\{outcome="accepted"\})'
curl -s "http://127.0.0.1:$port/metrics" | grep -E "$metrics"
