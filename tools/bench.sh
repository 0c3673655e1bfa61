#!/usr/bin/env bash
# Every benchmark we have, each beside its baseline, in one command: one
# progress line per benchmark on stderr, one table on stdout (ours,
# baseline, ratio, median and min-max of N runs, the machine), optionally
# JSON, and an SVG bar chart of the ratios.
#
#   tools/bench.sh [--runs N] [--quick] [--only REGEX] [--json FILE] [--svg FILE]
#                  [--build DIR] [--no-go] [--rebuild]
#
#   --runs N      runs of each benchmark, each a fresh process (default 5)
#   --quick       1 run and smaller sizes (the whole set in under 2 minutes)
#   --only REGEX  run only the benchmarks whose names match (grep -E), e.g.
#                 'yield|skynet'; names: scheduler (yield, spawn), pingpong,
#                 fanout, skynet, weave, million (parked-strand memory), tcp
#                 (echo, http), stall
#   --json FILE   also write the table's data as JSON
#   --svg FILE    the chart (default build/bench/ratios.svg)
#   --build DIR   the CMake build tree (default build/release, configured
#                 with the release preset if absent)
#   --no-go       skip the Go 1.19 baselines even when `go` is installed
#   --rebuild     bring the needed targets up to date even when they exist
#
# Baselines: raw Boost.Context jumps and raw thread spawn+join (bench_scheduler),
# Go 1.19 (tools/bench/go/, when `go` is installed: tools/setup.sh installs
# golang-go), the raw libuv callback server (bench_tcp), preemption off
# (bench_stall). Raw outputs are kept in build/bench/logs/ ($BENCH_WORK/logs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=5 quick=0 only="" json="" svg="$root/build/bench/ratios.svg" build="$root/build/release"
use_go=1 rebuild=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed -n 's/^# \{0,1\}//p' | sed '/^set -euo/d' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?}; shift ;;
    --quick) quick=1 ;;
    --only) only=${2:?}; shift ;;
    --json) json=${2:?}; shift ;;
    --svg) svg=${2:?}; shift ;;
    --build) build=${2:?}; shift ;;
    --no-go) use_go=0 ;;
    --rebuild) rebuild=1 ;;
    -h | --help) usage ;;
    *) echo "bench.sh: unknown argument $1" >&2; usage ;;
  esac
  shift
done
[ "$quick" = 1 ] && [ "$runs" = 5 ] && runs=1
case $runs in '' | *[!0-9]* | 0) echo "bench.sh: --runs wants a positive integer" >&2; exit 2 ;; esac

work=${BENCH_WORK:-$root/build/bench}  # logs, Go binaries and cache
mkdir -p "$work/logs" "$(dirname "$svg")"
[ -n "$json" ] && mkdir -p "$(dirname "$json")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=$tmp/rows samples=$tmp/samples notes=()
: >"$rows"
: >"$samples"
failed=""
say() { printf '%s' "$*" >&2; }

# ---- sizes -------------------------------------------------------------------------
if [ "$quick" = 1 ]; then
  spawn_n=20000 million_n=100000 tcp_seconds=0.3 tcp_warmup=0.1 stall_ms=300
else
  spawn_n=100000 million_n=1000000 tcp_seconds=1 tcp_warmup=0.2 stall_ms=1000
fi

commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }

# ---- which benchmarks --------------------------------------------------------------
# name:target:keys (the keys are what --only matches)
all_benches="scheduler:bench_scheduler:scheduler yield spawn
pingpong:bench_channels:pingpong ping-pong channels
fanout:bench_channels:fanout fan-out channels
skynet:bench_channels:skynet channels
weave:bench_channels:weave channels
million:million:million parked memory
tcp:bench_tcp:tcp echo http
stall:bench_stall:stall preempt"
selected=() targets=()
while IFS=: read -r name target keys; do
  if [ -z "$only" ] || grep -Eq -- "$only" <<<"$keys"; then
    selected+=("$name")
    [[ " ${targets[*]-} " == *" $target "* ]] || targets+=("$target")
  fi
done <<<"$all_benches"
if [ ${#selected[@]} -eq 0 ]; then
  echo "bench.sh: --only '$only' matches none of: $(cut -d: -f1 <<<"$all_benches" | tr '\n' ' ')" >&2
  exit 2
fi

# ---- the machine -------------------------------------------------------------------
cores=$(nproc)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
[ -n "$cpu" ] || cpu=$(uname -m)
read -r l1 l5 l15 _ </proc/loadavg
load_high=$(awk -v l="$l1" -v c="$cores" 'BEGIN {print (l > 0.5 * c) ? 1 : 0}')
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit+dirty"
date=$(date -u '+%Y-%m-%d %H:%M UTC')
say "bench.sh: $cores cores, $cpu; load average $l1 $l5 $l15"$'\n'
if [ "$load_high" = 1 ]; then
  say "bench.sh: WARNING: load average $l1 on $cores cores: other work is running, the figures will be noisy"$'\n'
  notes+=("the machine was busy at the start (load average $l1 on $cores cores): figures are noisy")
fi

# ---- build what is missing ---------------------------------------------------------
bin=$build/tools/bench
missing=()
for t in "${targets[@]}"; do
  if [ "$rebuild" = 1 ] || [ ! -x "$bin/$t" ]; then missing+=("$t"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
    if [ "$build" = "$root/build/release" ]; then
      say "bench.sh: configuring build/release (cmake --preset release)"$'\n'
      (cd "$root" && cmake --preset release >"$work/logs/configure.txt" 2>&1) ||
        { echo "bench.sh: configure failed, see $work/logs/configure.txt" >&2; exit 1; }
    else
      echo "bench.sh: $build is not a configured build tree" >&2; exit 1
    fi
  fi
  say "bench.sh: building ${missing[*]} (log: $work/logs/build.txt)"$'\n'
  nice cmake --build "$build" --target "${missing[@]}" -j "${BENCH_JOBS:-2}" >"$work/logs/build.txt" 2>&1 ||
    { tail -20 "$work/logs/build.txt" >&2; echo "bench.sh: build failed" >&2; exit 1; }
fi

# ---- Go ----------------------------------------------------------------------------
go_version=""
if [ "$use_go" = 1 ] && command -v go >/dev/null 2>&1; then
  go_version=$(go version | awk '{print $3}')
  [[ $go_version == go1.19* ]] || notes+=("Go baselines ran on $go_version, not Go 1.19")
elif [ "$use_go" = 1 ]; then
  notes+=("go is not installed: no Go baselines (tools/setup.sh installs golang-go)")
else
  notes+=("--no-go: the Go baselines were skipped")
fi
# go_bin NAME SOURCE: builds (once, and again when the source changes) and prints the path.
go_bin() {
  local out=$work/go/$1
  mkdir -p "$work/go"
  if [ ! -x "$out" ] || [ "$2" -nt "$out" ]; then
    GOCACHE=${GOCACHE:-$work/go-cache} GO111MODULE=off nice go build -o "$out" "$2" >&2 || return 1
  fi
  echo "$out"
}

# ---- recording ---------------------------------------------------------------------
# row KEY LABEL UNIT BETTER BASELINE-LABEL (once per key, in table order)
row() {
  awk -F'\t' -v k="$1" '$1 == k {f = 1} END {exit !f}' "$rows" || printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"
}
# sample KEY ours|base VALUE
sample() { if [ -n "$3" ]; then printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$samples"; fi; }
# field CASE N < output: field N (colon-separated) of the BENCH line whose
# name:case is CASE.
field() { awk -F: -v c="$1" -v f="$2" '$1 ~ /^BENCH/ && ($2 ":" $3) == c {print $f; exit}'; }
# run LOG CMD...: runs CMD with its output in LOG, prints the output; fails as CMD fails.
run() {
  local log=$1; shift
  if "$@" >"$log" 2>&1; then cat "$log"; else cat "$log"; return 1; fi
}
fail() { [[ " $failed " == *" $1 "* ]] || failed="$failed $1"; }

# ---- the benchmarks: bench_NAME RUN ------------------------------------------------
bench_scheduler() {
  local o g n=$spawn_n
  row yield "one yield, strand to strand" ns lower "two raw Boost.Context jumps"
  [ -n "$go_version" ] && row yield-go "one yield, strand to strand" ns lower "Go runtime.Gosched"
  row spawn "spawn+complete $(commas "$n") strands from a strand" ms lower "thread spawn+join (scaled)"
  [ -n "$go_version" ] && row spawn-go "spawn+complete $(commas "$n") strands from a strand" ms lower "Go goroutines"
  if o=$(run "$work/logs/scheduler-$1.txt" "$bin/bench_scheduler" "$n"); then
    sample yield ours "$(field scheduler:yield_ns 4 <<<"$o")"
    sample yield base "$(field scheduler:raw_two_jumps_ns 4 <<<"$o")"
    sample spawn ours "$(field scheduler:spawn_complete_from_strand 5 <<<"$o")"
    sample spawn base "$(field baseline:thread_spawn_join 5 <<<"$o")"
    if [ -n "$go_version" ]; then
      sample yield-go ours "$(field scheduler:yield_ns 4 <<<"$o")"
      sample spawn-go ours "$(field scheduler:spawn_complete_from_strand 5 <<<"$o")"
    fi
  else
    fail yield; fail spawn; fail yield-go; fail spawn-go
  fi
  if [ -n "$go_version" ]; then
    if g=$(go_bin spawn "$root/tools/bench/go/spawn.go") &&
      o=$(run "$work/logs/scheduler-go-$1.txt" "$g" "$n"); then
      # spawn.go's yield figure is a round trip of two Gosched calls: halve it.
      sample yield-go base "$(field go:yield_roundtrip_ns 4 <<<"$o" | awk '{print $1 / 2}')"
      sample spawn-go base "$(field go:spawn_complete 5 <<<"$o")"
    fi
  fi
}

# bench_channel CASE GO-PROGRAM LABEL BASELINE-LABEL RUN
bench_channel() {
  local o g
  row "$1" "$3" ms lower "$4"
  if o=$(run "$work/logs/$1-$5.txt" "$bin/bench_channels" "$1"); then
    sample "$1" ours "$(awk -F: '/^BENCH:/ {print $5; exit}' <<<"$o")"
  else
    fail "$1"
  fi
  if [ -n "$go_version" ] && g=$(go_bin "$2" "$root/tools/bench/go/$2/main.go") &&
    o=$(run "$work/logs/$1-go-$5.txt" "$g"); then
    sample "$1" base "$(awk -F: '/^BENCH:/ {print $5; exit}' <<<"$o")"
  fi
}
bench_pingpong() { bench_channel pingpong pingpong "channel ping-pong, 100,000 round trips" "Go 1.19" "$1"; }
bench_fanout() { bench_channel fanout fanout "channel fan-out, 100,000 messages" "Go 1.19" "$1"; }
bench_skynet() { bench_channel skynet skynet "skynet, 111,111 strands" "Go 1.19" "$1"; }
bench_weave() { bench_channel weave pingpong "weave generator, 100,000 values" "Go ping-pong (generator idiom)" "$1"; }

million_modes=""
bench_million() {
  local o g m base_label="-"
  [ -n "$go_version" ] && base_label="Go parked goroutine"
  row million-plain "$(commas "$million_n") parked strands, RSS each (plain spawn)" KiB lower "$base_label"
  # A binary that takes a mode prints BENCH:million-<mode>:..., an older one
  # BENCH:million:... and has only the plain spawn.
  if o=$(run "$work/logs/million-plain-$1.txt" "$bin/million" "$million_n" plain); then
    if grep -q '^BENCH:million-plain:' <<<"$o"; then
      sample million-plain ours "$(field million-plain:rss_per_strand_kib 4 <<<"$o")"
      million_modes="plain compiled"
    else
      sample million-plain ours "$(field million:rss_per_strand_kib 4 <<<"$o")"
      million_modes="plain"
    fi
  else
    fail million-plain
  fi
  if [[ $million_modes == *compiled* ]]; then
    row million-compiled "$(commas "$million_n") parked strands, RSS each (as strand.spawn)" KiB lower "$base_label"
    if o=$(run "$work/logs/million-compiled-$1.txt" "$bin/million" "$million_n" compiled); then
      sample million-compiled ours "$(field million-compiled:rss_per_strand_kib 4 <<<"$o")"
    else
      fail million-compiled
    fi
  fi
  if [ -n "$go_version" ] && g=$(go_bin parked "$root/tools/bench/go/parked/main.go") &&
    o=$(run "$work/logs/million-go-$1.txt" "$g" "$million_n"); then
    m=$(field go:parked_rss_per_goroutine_kib 4 <<<"$o")
    sample million-plain base "$m"
    [[ $million_modes == *compiled* ]] && sample million-compiled base "$m"
  fi
  return 0
}

bench_tcp() {
  local o
  row tcp-echo-rps "TCP echo 64 B, 64 connections, throughput" req/s higher "raw libuv callback server"
  row tcp-echo-cpu "TCP echo, server CPU per round trip" us lower "raw libuv callback server"
  row tcp-http-rps "HTTP hello, 64 connections, throughput" req/s higher "raw libuv callback server"
  row tcp-http-cpu "HTTP hello, server CPU per request" us lower "raw libuv callback server"
  if ! o=$(run "$work/logs/tcp-$1.txt" "$bin/bench_tcp" --runs 1 --seconds "$tcp_seconds" --warmup "$tcp_warmup"); then
    grep -q 'Seq strands' <<<"$o" || { fail tcp-echo-rps; fail tcp-echo-cpu; fail tcp-http-rps; fail tcp-http-cpu; return 0; }
    notes+=("bench_tcp reported errors in run $1 (see $work/logs/tcp-$1.txt)")
  fi
  # Columns after the server name: req/s p50 p99 CPU-us/req errors ...
  local line
  while IFS= read -r line; do
    local m=${line%% *} side rest
    case $line in
      *"raw libuv callbacks"*) side=base rest=${line#*raw libuv callbacks} ;;
      *"Seq strands (ABI)"*) side=ours rest=${line#*Seq strands (ABI)} ;;
      *) continue ;;
    esac
    read -r rps _ _ cpu_us _ <<<"$rest"
    sample "tcp-$m-rps" "$side" "$rps"
    sample "tcp-$m-cpu" "$side" "$cpu_us"
  done <<<"$o"
}

bench_stall() {
  local o
  if ! o=$(run "$work/logs/stall-$1.txt" "$bin/bench_stall" "$stall_ms" 1); then
    fail stall; row stall "stall benchmark" ms lower "preemption off"; return 0
  fi
  # BENCH:stall:<W>w_<K>_computing_<preempt|baseline_no_preempt>_<figure>:<value>:...
  while IFS=$'\t' read -r key label unit side value; do
    row "$key" "$label" "$unit" lower "preemption off (SEQ_PREEMPT_MS=0)"
    sample "$key" "$side" "$value"
  done < <(awk -F: -v ms="$stall_ms" '
    $1 == "BENCH" && $2 == "stall" && $3 ~ /w_[0-9]+_computing_/ {
      name = $3
      side = (name ~ /_baseline_no_preempt_/) ? "base" : "ours"
      sub(/_baseline_no_preempt_|_preempt_/, "|", name)
      split(name, p, "|"); c = p[1]; fig = p[2]
      split(c, q, "_"); w = q[1]; sub(/w$/, "", w); k = q[2]
      what = sprintf("%s worker%s, %s computing", w, w == 1 ? "" : "s", k)
      if (fig == "tick_late_p99_ms") { key = "stall-" c "-p99"; label = "10 ms tick lateness p99, " what; unit = "ms" }
      else if (fig == "compute_slowdown") { key = "stall-" c "-slowdown"; label = "computing strand slowdown, " what; unit = "x alone" }
      else next
      if (seen[key, side]++) next
      printf "%s\t%s\t%s\t%s\t%s\n", key, label, unit, side, $4
    }' <<<"$o")
}

# ---- run ---------------------------------------------------------------------------
total=${#selected[@]} i=0 t_all=$SECONDS
for name in "${selected[@]}"; do
  i=$((i + 1))
  t0=$SECONDS
  say "bench.sh: [$i/$total] $name: $runs run$([ "$runs" = 1 ] || echo s) "
  for ((r = 1; r <= runs; r++)); do
    "bench_$name" "$r" || fail "$name"
    say "."
  done
  say " $((SECONDS - t0)) s"$'\n'
done
say "bench.sh: all done in $((SECONDS - t_all)) s"$'\n'

# ---- report ------------------------------------------------------------------------
report() {
  local IFS='|'
  awk -f "$root/tools/bench/report.awk" -v out="$1" -v cores="$cores" -v cpu="$cpu" \
    -v load="$l1 $l5 $l15" -v load_json="$l1, $l5, $l15" -v load_high="$load_high" \
    -v date="$date" -v commit="$commit" -v runs="$runs" -v quick="$quick" -v go="$go_version" \
    -v failed="$failed" -v notes="${notes[*]-}" "$rows" "$samples"
}
report table
if [ -n "$json" ]; then
  report json >"$json"
  say "bench.sh: wrote $json"$'\n'
fi
report chart >"$tmp/chart"
awk -f "$root/tools/bench/ratios-svg.awk" \
  -v title="seq-runtime benchmarks: ours / baseline" \
  -v subtitle="$cores cores, $cpu; load average $l1 at start$([ "$load_high" = 1 ] && echo ' (busy)'); $runs run$([ "$runs" = 1 ] || echo s) each; $date; $commit" \
  "$tmp/chart" >"$svg"
say "bench.sh: wrote $svg"$'\n'
[ -z "$failed" ] || { echo "bench.sh: failed:$failed (logs in $work/logs)" >&2; exit 1; }
