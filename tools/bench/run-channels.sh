#!/usr/bin/env bash
# Channel benchmarks against Go in one invocation: builds tools/bench/bench_channels.cpp
# (linked with the self-contained libseq_runtime.a, as compiled Seq programs are) and
# the Go versions under tools/bench/go/, runs each case RUNS times per side,
# alternating, each run a fresh process (as upstream's harness does), and prints
# the medians as BENCH lines plus the ratio seq/go (below 1.0: faster than Go).
#
# Usage: tools/bench/run-channels.sh [build-dir (default build/release)] [runs (default 7)]
# Environment: SEQ_* settings apply to the Seq side; GOMAXPROCS to the Go side
# (both default to the number of cores).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build/release}" && pwd)
runs=${2:-7}
out=$build/bench-channels
mkdir -p "$out"

bin=$build/tools/bench/bench_channels
if [ ! -x "$bin" ]; then
  [ -f "$build/libseq_runtime.a" ] || cmake --build "$build" --target seq_runtime >/dev/null
  bin=$out/bench_channels
  c++ -O2 -std=c++20 -I"$root/src/abi/include" "$root/tools/bench/bench_channels.cpp" \
    "$build/libseq_runtime.a" -o "$bin"
fi
export GOCACHE=${GOCACHE:-$out/go-cache} GO111MODULE=off
for c in pingpong fanout skynet; do
  go build -o "$out/go_$c" "$root/tools/bench/go/$c/main.go"
done

# BENCH:<name>:<case>:<result>:<ms> -> ms
ms_of() { awk -F: '/^BENCH:/ {print $5}'; }
result_of() { awk -F: '/^BENCH:/ {print $4}'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "cores: $(nproc)  runs per side: $runs  seq workers: ${SEQ_WORKERS:-cores}  go: $(go version | awk '{print $3}')"
# seq case:go program. fanout is upstream's shape (Seq: unbounded channel; Go: a
# 100-slot buffer); fanout-bounded gives the Seq side the same 100-slot bound.
# weave (100,000 resume/yield round trips) has no Go twin: Go's generator idiom is
# a goroutine answering over a channel pair, which is the pingpong program.
for pair in pingpong:pingpong fanout:fanout fanout-bounded:fanout skynet:skynet weave:pingpong; do
  c=${pair%%:*} gc=${pair##*:}
  seq_ms=() go_ms=() seq_res="" go_res="" label=""
  for ((i = 0; i < runs; i++)); do
    line=$("$bin" "$c" 2>/dev/null | grep '^BENCH:')
    seq_ms+=("$(ms_of <<<"$line")")
    seq_res=$(result_of <<<"$line")
    label=$(cut -d: -f2,3 <<<"$line")
    line=$("$out/go_$gc" | grep '^BENCH:')
    go_ms+=("$(ms_of <<<"$line")")
    go_res=$(result_of <<<"$line")
  done
  s=$(printf '%s\n' "${seq_ms[@]}" | median)
  g=$(printf '%s\n' "${go_ms[@]}" | median)
  echo "BENCH:$label:$seq_res:$s"
  echo "BENCH-GO:$label:$go_res:$g"
  awk -v c="$c" -v s="$s" -v g="$g" -v sr="$seq_res" -v gr="$go_res" 'BEGIN {
    printf "%-15s seq %9.3f ms  go %9.3f ms  seq/go %6.2f%s\n", c, s, g, s / g,
      (sr == gr || c == "weave") ? "" : "  RESULT MISMATCH " sr " vs " gr }'
  echo "  seq runs: ${seq_ms[*]}"
  echo "  go runs:  ${go_ms[*]}"
done
