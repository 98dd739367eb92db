#!/usr/bin/env bash
# The story of keyledger with real HTTP requests: a person installs a webhook, traffic keeps her
# active, 60 days of silence break it, reactivation fixes it, her departure is blocked by her
# tokens, a password change locks her out while the webhook keeps working, a service account
# takes over, a rotation with grace, and a restart that keeps everything.
#
# It starts its own server on a temporary data directory with a manual clock on a free port of
# 127.0.0.1, and stops it at the end. Usage: examples/story.sh [path/to/keyledger]
set -euo pipefail

bin="${1:-$(dirname "$0")/../build/app/keyledger}"
dir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

# The value of a top-level string member of a one-line JSON object.
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -n1; }

start_server() {
  "$bin" --log-level warn serve --data-dir "$dir/data" --listen 127.0.0.1:0 \
    --clock manual --start "$1" --password-cost minimal >"$dir/server.out" 2>"$dir/server.err" &
  server_pid=$!
  # Up to 60 s: a loaded machine may take seconds to open the store again.
  for _ in $(seq 1 600); do
    if grep -q "listening on" "$dir/server.out" 2>/dev/null; then break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  port="$(sed -n 's/listening on 127.0.0.1:\([0-9]*\)/\1/p' "$dir/server.out")"
  [ -n "$port" ] || { cat "$dir/server.err" >&2; exit 1; }
  base="http://127.0.0.1:$port"
}
stop_server() { kill "$server_pid"; wait "$server_pid" || true; server_pid=""; }

step() { printf '\n== %s\n' "$*"; }
# call METHOD PATH TOKEN [JSON]: prints the status line and the body, keeps the body in $body.
call() {
  local method="$1" path="$2" token="$3" data="${4:-}"
  local args=(-s -o "$dir/body" -w '%{http_code}' -X "$method" "$base$path")
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data "$data")
  status="$(curl "${args[@]}")"
  body="$(cat "$dir/body")"
  printf '%s %s -> %s %s\n' "$method" "$path" "$status" "$body"
}
hook() {  # hook WEBHOOK_ID AUTHORIZATION
  status="$(curl -s -o "$dir/body" -w '%{http_code}' -X POST "$base/v1/hooks/$1" \
    -H "Authorization: $2" -H 'Content-Type: application/json' --data '{"order":42}' \
    -D "$dir/headers")"
  body="$(cat "$dir/body")"
  printf 'POST /v1/hooks/%s -> %s %s\n' "$1" "$status" "$body"
  grep -i '^www-authenticate' "$dir/headers" || true
}
# Stops the story when an answer is not the one the rules give.
expect() { [ "$status" = "$1" ] || { echo "story.sh: expected $1, got $status" >&2; exit 1; }; }
advance_days() { call POST /v1/clock "$admin" "{\"advance_ms\": $(( $1 * 86400000 ))}"; }

step "keyledger init (the first admin token is printed once)"
first="$("$bin" --log-level warn init --data-dir "$dir/data" --at 2026-01-01T00:00:00.000Z)"
echo "$first" | sed 's/"secret":"[^"]*"/"secret":"<hidden>"/'
admin="$(echo "$first" | field secret)"
start_server 2026-01-01T00:00:00.000Z

step "alice, a person who may install webhooks, with an API token for management"
call POST /v1/users "$admin" '{"username":"alice","kind":"person","roles":["webhook_admin"],"password":"correct horse battery"}'
alice="$(echo "$body" | field id)"
call POST "/v1/users/$alice/tokens" "$admin" '{"name":"alice laptop"}'
alice_token="$(echo "$body" | field secret)"
alice_token_id="$(echo "$body" | field id)"

step "alice installs the shop's webhook; its first app token is hers"
call POST /v1/webhooks "$alice_token" '{"name":"shop orders","auth":"bearer"}'
expect 201
hook_id="$(echo "$body" | field id)"
app_secret="$(echo "$body" | sed -n 's/.*"app_token":{.*"secret":"\([^"]*\)".*/\1/p')"
app_id="$(echo "$body" | sed -n 's/.*"app_token":{"created_at":"[^"]*","id":"\([^"]*\)".*/\1/p')"

step "the shop calls every 20 days: each call keeps alice active"
for _ in 1 2 3 4 5; do hook "$hook_id" "Bearer $app_secret"; advance_days 20; done
call GET "/v1/users/$alice" "$admin"

step "then silence; a week before the break the at-risk report sees it coming"
advance_days 33
call GET "/v1/reports/at-risk?within_days=7" "$admin"
advance_days 7

step "60 days without activity: the webhook answers 401 with the reason"
hook "$hook_id" "Bearer $app_secret"
expect 401
call GET "/v1/users/$alice" "$admin"

step "reactivation fixes it"
call POST "/v1/users/$alice/reactivate" "$admin"
hook "$hook_id" "Bearer $app_secret"
expect 202

step "alice leaves: deleting her is blocked by her tokens, named with the webhooks they serve"
call DELETE "/v1/users/$alice" "$admin"
expect 409

step "an administrator changes her password: she is locked out, the webhook keeps working"
call PUT "/v1/users/$alice/password" "$admin" '{"password":"locked out for good"}'
call POST /v1/login "" '{"username":"alice","password":"correct horse battery"}'
expect 401
hook "$hook_id" "Bearer $app_secret"

step "the repair: a service account gets its own app token; alice's tokens go"
call POST /v1/users "$admin" '{"username":"shop-integration","kind":"service","roles":[]}'
svc="$(echo "$body" | field id)"
call POST "/v1/webhooks/$hook_id/tokens" "$admin" "{\"owner_id\":\"$svc\"}"
svc_secret="$(echo "$body" | field secret)"
svc_token_id="$(echo "$body" | field id)"
hook "$hook_id" "Basic $(printf ':%s' "$svc_secret" | base64 -w0)"
call POST "/v1/tokens/$alice_token_id/transfer" "$admin" "{\"owner_id\":\"$svc\"}"
call DELETE "/v1/tokens/$app_id" "$admin"
call DELETE "/v1/users/$alice" "$admin"
expect 204

step "rotation with an hour of grace: old and new secrets both work, then only the new one"
call POST "/v1/tokens/$svc_token_id/rotate" "$admin" '{"grace_ms":3600000}'
new_secret="$(echo "$body" | field secret)"
hook "$hook_id" "Bearer $svc_secret"
call POST /v1/clock "$admin" '{"advance_ms":3600000}'
hook "$hook_id" "Bearer $svc_secret"
hook "$hook_id" "Bearer $new_secret"
expect 202

step "a restart keeps everything"
call POST /v1/clock "$admin" '{"advance_ms":0}'
now="$(echo "$body" | field now)"
stop_server
start_server "$now"
hook "$hook_id" "Basic $(printf '%s:%s' "$svc_token_id" "$new_secret" | base64 -w0)"
expect 202
call GET "/v1/users/$alice" "$admin"
call GET /v1/audit/verify "$admin"
expect 200
call GET "/v1/events?limit=3" "$admin"

printf '\nstory.sh: every step answered as the rules say\n'
