#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine (only what is
# missing; quiet when everything is present), then configures and builds the
# given CMake presets (default: release).
#
#   tools/setup.sh [preset...]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config git
          libuv1-dev libboost-context-dev libgtest-dev libgmock-dev libbenchmark-dev
          libssl-dev ca-certificates libre2-dev zlib1g-dev libzstd-dev libcurl4-openssl-dev
          clang-format golang-go)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

presets=("$@")
((${#presets[@]})) || presets=(release)
for preset in "${presets[@]}"; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
done
