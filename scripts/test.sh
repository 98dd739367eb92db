#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, property, store, end-to-end over
# real HTTP, and the example story).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
