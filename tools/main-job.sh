#!/usr/bin/env bash
# The main job: builds the release preset and runs the example workload,
# printing what it achieved.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh release >/dev/null
echo "== machine: $(nproc) cores, $(uname -sr)"
echo "== C ABI example (compiled-code calling sequence)"
./build/release/test/test_c_abi
echo "== value-model micro-benchmarks (median of 5 runs)"
./build/release/tools/bench_values --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.05 2>&1 | grep -E "median|Run on|CPU"
