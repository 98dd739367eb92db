#!/usr/bin/env bash
# Configures (once) and builds into ./build with Ninja: the targets given, or everything.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
ninja -C build -j"$(nproc)" "$@"
