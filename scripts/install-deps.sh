#!/usr/bin/env bash
# Installs, from Debian 12's own packages, whatever keyledger needs to build, test and run that
# is not installed yet. Safe to run again: it installs nothing when everything is there.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config
  librocksdb-dev capnproto libcapnp-dev
  libboost-dev librange-v3-dev
  libsodium-dev libssl-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  curl wrk
  # The checked build of scripts/test.sh: clang 16 (Debian's default clang 14 cannot compile
  # libstdc++ 12's <expected>) and its sanitizer and libFuzzer runtimes.
  clang-16 libclang-rt-16-dev
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed" >&2
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
