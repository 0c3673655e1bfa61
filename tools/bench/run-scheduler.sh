#!/usr/bin/env bash
# Scheduler benchmarks beside Go 1.19's goroutines, in one invocation.
#   tools/bench/run-scheduler.sh [N]     (default N = 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}
[ -x build/release/tools/bench/bench_scheduler ] || tools/setup.sh release >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd tools/bench/go && GOCACHE="$out/gocache" GOFLAGS=-mod=mod go build -o "$out/spawn_go" spawn.go)
ours=$(build/release/tools/bench/bench_scheduler "$n")
go=$("$out/spawn_go" "$n")
echo "$ours"
echo "$go"
ms() { echo "$1" | grep "$2" | cut -d: -f5; }
awk -v a="$(ms "$ours" spawn_complete_from_strand)" -v b="$(ms "$go" spawn_complete)" \
  'BEGIN { printf "ratio: spawn+complete of '"$n"' strands = %.2fx Go goroutines'"'"' time (target < 1)\n", a / b }'
