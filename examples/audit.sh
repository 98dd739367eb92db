#!/usr/bin/env bash
# An auditor's session, against a server that keeps running: a webhook breaks after 60 days of
# silence, and the auditor replays the history, explains the refusal from the recorded facts,
# lists the calls, verifies the log, exports it, and proves an event's inclusion and the log's
# consistency with a checkpoint kept elsewhere, checked by the standalone verifier.
#
# It starts its own server on a temporary data directory with a manual clock on a free port of
# 127.0.0.1, and stops it at the end.
# Usage: examples/audit.sh [path/to/keyledger [path/to/keyledger-verify]]
set -euo pipefail

bin="${1:-$(dirname "$0")/../build/app/keyledger}"
verifier="${2:-$(dirname "$0")/../build/tools/verify/keyledger-verify}"
dir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -n1; }
step() { printf '\n== %s\n' "$*"; }
fail() { echo "audit.sh: $*" >&2; exit 1; }
# call METHOD PATH [JSON]: as the admin; keeps the status in $status and the body in $body.
call() {
  local args=(-s -o "$dir/body" -w '%{http_code}' -X "$1" "$base$2" -H "Authorization: Bearer $admin")
  [ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data "$3")
  status="$(curl "${args[@]}")"
  body="$(cat "$dir/body")"
}
hook() {
  status="$(curl -s -o "$dir/body" -w '%{http_code}' -X POST "$base/v1/hooks/$webhook" \
    -H "Authorization: Bearer $app_secret" -H 'Content-Type: application/json' --data '{"n":1}')"
  printf 'POST /v1/hooks/%s -> %s %s\n' "$webhook" "$status" "$(cat "$dir/body")"
}
# Runs an audit command, prints it (without the temporary paths) and its output.
audit() {
  printf '$ keyledger audit %s\n' "$(echo "$*" | sed "s|$dir/||g")"
  "$bin" audit "$@" --data-dir "$dir/data" 2>"$dir/audit.err" | sed "s|$dir/||g"
}

step "a store and a server with a manual clock"
"$bin" init --data-dir "$dir/data" --at 2026-01-01T00:00:00.000Z >"$dir/init.json"
admin="$(field secret <"$dir/init.json")"
"$bin" --log-level warn serve --data-dir "$dir/data" --listen 127.0.0.1:0 --clock manual \
  --start 2026-01-01T00:00:00.000Z --password-cost minimal >"$dir/server.out" 2>"$dir/server.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$dir/server.out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's/listening on 127.0.0.1:\([0-9]*\)/\1/p' "$dir/server.out")"
[ -n "$port" ] || { cat "$dir/server.err" >&2; exit 1; }
base="http://127.0.0.1:$port"

step "alice installs the billing webhook with an app token on her own account"
call POST /v1/users '{"username":"alice","kind":"person","roles":["webhook_admin"],"password":"correct horse battery"}'
alice="$(echo "$body" | field id)"
call POST /v1/users/"$alice"/tokens '{"name":"alice laptop"}'
alice_token="$(echo "$body" | field secret)"
status="$(curl -s -o "$dir/body" -w '%{http_code}' -X POST "$base/v1/webhooks" \
  -H "Authorization: Bearer $alice_token" -H 'Content-Type: application/json' \
  --data '{"name":"billing","auth":"bearer"}')"
[ "$status" = 201 ] || fail "webhook: $status $(cat "$dir/body")"
webhook="$(field id <"$dir/body")"
app_secret="$(sed -n 's/.*"secret":"\([^"]*\)".*/\1/p' "$dir/body")"
app_token="$(sed -n 's/.*"app_token":{[^}]*"id":"\([^"]*\)".*/\1/p' "$dir/body")"
[ -n "$app_token" ] || app_token="$(sed -n 's/.*"token_id":"\([^"]*\)".*/\1/p' "$dir/body")"
echo "webhook $webhook, app token $app_token owned by alice"
hook; [ "$status" = 202 ] || fail "first call: $status"

step "the auditor keeps today's checkpoint somewhere else"
# The signed checkpoint as printed by `audit checkpoint`, kept as a file away from the store.
"$bin" audit checkpoint --data-dir "$dir/data" | tee "$dir/kept.checkpoint"

step "ten days later a call; then 61 days of silence on the webhook (the admin stays active)"
call POST /v1/clock '{"advance_ms": 864000000}'
hook
call POST /v1/clock '{"advance_ms": 2592000000}'
call GET /v1/users/"$alice"
call POST /v1/clock '{"advance_ms": 2678400000}'
hook; [ "$status" = 401 ] || fail "expected the call to be refused, got $status"

step "replay: alice as of day 5, and now"
audit replay --as-of 2026-01-06T00:00:00.000Z --username alice
audit replay --as-of 2026-03-13T00:00:00.000Z --username alice --format json >"$dir/replay.json"
head -c 400 "$dir/replay.json"; echo

step "explain: why the call was refused, from the recorded facts"
audit explain --token "$app_token" --webhook "$webhook" --at 2026-03-13T00:00:00.000Z

step "calls on the webhook"
audit calls --webhook "$webhook"

step "the same over HTTP, while serving"
call GET "/v1/audit/explain?token_id=$app_token&webhook_id=$webhook&at=2026-03-13T00:00:00.000Z"
echo "GET /v1/audit/explain -> $status $(echo "$body" | head -c 300)..."
[ "$status" = 200 ] || fail "explain over HTTP: $status"

step "verify: the chain, the projections against the snapshot, and the kept checkpoint"
audit verify --checkpoint "$dir/kept.checkpoint"

step "export, without secrets"
echo '$ keyledger audit export --format ndjson'
"$bin" audit export --data-dir "$dir/data" --format ndjson >"$dir/export.ndjson"
head -n 2 "$dir/export.ndjson" | cut -c1-200
echo "... $(wc -l <"$dir/export.ndjson") events in all"
for secret in "$admin" "$alice_token" "$app_secret" "correct horse battery"; do
  if grep -qF "$secret" "$dir/export.ndjson"; then fail "the export holds a secret"; fi
done

step "an inclusion proof of event 3, checked with nothing but the proof and the public key"
"$bin" audit prove --data-dir "$dir/data" --position 3 --output "$dir/proof3.json" >/dev/null
cp "$dir/data/keys/checkpoint.pub" "$dir/auditor-copy.pub"
"$verifier" inclusion --public-key "$dir/auditor-copy.pub" --proof "$dir/proof3.json"

step "consistency: the kept checkpoint's history is a prefix of today's"
"$bin" audit consistency --data-dir "$dir/data" --from "$dir/kept.checkpoint" \
  --output "$dir/consistency.json" >/dev/null
"$verifier" consistency --public-key "$dir/auditor-copy.pub" --proof "$dir/consistency.json" \
  --old "$dir/kept.checkpoint"
