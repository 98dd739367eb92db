#!/usr/bin/env bash
# The main job: install what is missing, build, create ./data on first run (printing the first
# admin token once), and serve the API on 127.0.0.1:8080 with the system clock.
# Extra arguments go to `keyledger serve`, e.g. --listen 127.0.0.1:9090.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh keyledger  # only the server: the first run builds in minutes, not the whole tree
if [ ! -d data/store ]; then
  echo "keyledger: creating ./data; the first admin token follows, shown only this once:" >&2
  build/app/keyledger init --data-dir data
fi
# The default address only when the caller gives none.
listen=(--listen 127.0.0.1:8080)
for arg in "$@"; do
  case "$arg" in
    --listen|--listen=*) listen=() ;;
  esac
done
exec build/app/keyledger serve --data-dir data "${listen[@]}" "$@"
