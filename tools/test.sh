#!/usr/bin/env bash
# Builds and runs the whole test suite: the release build, then the same suite
# under ASan+UBSan and under ThreadSanitizer. Exits non-zero on any failure.
#
#   tools/test.sh [preset...]      (default: release asan tsan)
set -euo pipefail
cd "$(dirname "$0")/.."

presets=("$@")
((${#presets[@]})) || presets=(release asan tsan)
tools/setup.sh "${presets[@]}"
for preset in "${presets[@]}"; do
  echo "== ctest --preset $preset"
  ctest --preset "$preset" -j "$(nproc)"
done
