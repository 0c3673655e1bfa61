#!/usr/bin/env bash
# The main job: a Seq-style network server (strand per connection, written
# against the C ABI as compiled Seq code calls it) under load from a loopback
# load generator, echo then HTTP, each beside the same load on a raw libuv
# callback server measured in the same run (the baseline bench_tcp uses),
# ending with both figures and a one-line verdict.
#
#   CONNECTIONS=200 DURATION=5 tools/main-job.sh
#
# CONNECTIONS: concurrent client connections (default 200, max 20000).
# DURATION:    measured seconds per server and mode (default 5, max 300),
#              after 0.5 s of warm-up; the load runs 4 times.
# SEQ_WORKERS: the Seq server's worker threads and the raw server's loops
#              (default: the number of cores).
# Exit status: 0 when every run completed requests without errors.
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${CONNECTIONS:-200}
secs=${DURATION:-5}
warmup=0.5
build=build/release
workers=${SEQ_WORKERS:-$(nproc)}

echo "== main job: ${conns} connections, ${secs} s per run, ${workers} workers; set-up first"
# Only what the job runs: the two Seq servers, the raw baseline and the load
# generator (not the library's 700 tests).
SEQ_SETUP_TARGETS="echo_server http_server raw_uv_server seq_load" tools/setup.sh release

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

work=$(mktemp -d)
server_pid=""
load_pid=""
cleanup() {
  for p in $load_pid $server_pid; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# wait_port FILE: the port a server printed as "listening on 127.0.0.1:PORT".
wait_port() {
  local port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1")
    [ -n "$port" ] && break
    sleep 0.05
  done
  echo "$port"
}

# progress LABEL PID TOTAL_S: one line, rewritten each second on a terminal
# (every 5 s otherwise, so logs stay short), while PID runs.
progress() {
  local label=$1 pid=$2 total=$3 start=$SECONDS t
  while kill -0 "$pid" 2>/dev/null; do
    t=$((SECONDS - start))
    if [ -t 1 ]; then
      printf '\r   %-34s %3d / %s s' "$label" "$t" "$total"
    elif ((t % 5 == 0)); then
      printf '   %-34s %3d / %s s\n' "$label" "$t" "$total"
    fi
    sleep 1
  done
  [ -t 1 ] && printf '\r%*s\r' 60 ""
  return 0
}

# run_one NAME MODE: loads one server; sets rps, p50, p99, errors.
run_one() {
  local name=$1 mode=$2 out=$work/$1-$2.server load=$work/$1-$2.load port status=0
  if [ "$name" = raw ]; then
    "$build/tools/bench/raw_uv_server" --mode "$mode" --loops "$workers" >"$out" 2>&1 &
  else
    # --serve: the server exits by itself once the load's connections ended.
    SEQ_WORKERS=$workers "$build/tools/examples/${mode}_server" --host 127.0.0.1 --port 0 \
      --serve "$conns" >"$out" 2>&1 &
  fi
  server_pid=$!
  port=$(wait_port "$out")
  [ -n "$port" ] || { echo "$name $mode server did not start:"; cat "$out"; exit 1; }
  "$build/tools/load/seq_load" --port "$port" --mode "$mode" --connections "$conns" \
    --seconds "$secs" --warmup "$warmup" >"$load" 2>&1 &
  load_pid=$!
  progress "$mode: $([ "$name" = raw ] && echo "raw libuv server" || echo "Seq server")" \
    "$load_pid" "$(awk -v a="$secs" -v b="$warmup" 'BEGIN { print a + b }')"
  wait "$load_pid" || status=$?
  load_pid=""
  if [ "$name" = raw ]; then
    kill -TERM "$server_pid"
  fi
  # The Seq server ends once every connection closed; bounded wait.
  for _ in $(seq 1 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "$name $mode server still running after the load ended"
    kill "$server_pid"
    status=1
  else
    wait "$server_pid" || status=1
  fi
  server_pid=""
  sed 's/^/   /' "$load"
  grep -v "listening on" "$out" | sed 's/^/   /' || true
  rps=$(sed -n 's/.*requests .*(\([0-9]*\) req\/s).*/\1/p' "$load")
  p50=$(sed -n 's/.*latency *p50 \([0-9]*\) us.*/\1/p' "$load")
  p99=$(sed -n 's/.*p99 \([0-9]*\) us.*/\1/p' "$load")
  errors=$(sed -n 's/.*errors *\([0-9]*\).*/\1/p' "$load")
  : "${rps:=0}" "${p50:=0}" "${p99:=0}" "${errors:=1}"
  ((status == 0)) || errors=$((errors > 0 ? errors : 1))
}

declare -A result
total_errors=0
for mode in echo http; do
  echo
  echo "== $mode: ${conns} connections, ${secs} s after ${warmup} s warm-up; raw libuv, then Seq"
  for name in raw seq; do
    run_one "$name" "$mode"
    result[$name-$mode]="$rps $p50 $p99 $errors"
    total_errors=$((total_errors + errors))
  done
done

echo
echo "== result: ${conns} connections, ${secs} s per run, ${workers} workers (Seq) / loops (raw)"
printf '%-6s %-22s %10s %8s %8s %7s %7s\n' mode server req/s "p50 us" "p99 us" errors ratio
verdict_ratios=""
product=1
for mode in echo http; do
  read -r raw_rps raw_p50 raw_p99 raw_err <<<"${result[raw-$mode]}"
  read -r seq_rps seq_p50 seq_p99 seq_err <<<"${result[seq-$mode]}"
  ratio=$(awk -v a="$seq_rps" -v b="$raw_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  printf '%-6s %-22s %10s %8s %8s %7s %7s\n' "$mode" "raw libuv callbacks" "$raw_rps" \
    "$raw_p50" "$raw_p99" "$raw_err" "1.00"
  printf '%-6s %-22s %10s %8s %8s %7s %7s\n' "$mode" "Seq strands (C ABI)" "$seq_rps" \
    "$seq_p50" "$seq_p99" "$seq_err" "$ratio"
  verdict_ratios+="${verdict_ratios:+, }${ratio}x ($mode)"
  product=$(awk -v r="$ratio" -v p="$product" 'BEGIN { print r * p }')
done

# The standing is the geometric mean of the two ratios: ahead above 1.1,
# on par within 10%, behind down to 0.7, far behind below. One run per server is noisy on a
# shared machine (runs differ by 10-30% here); bench_tcp gives medians of
# alternating runs.
if ((total_errors > 0)); then
  echo "verdict: FAILED: ${total_errors} errors under load (see above)"
  exit 1
fi
mean=$(awk -v p="$product" 'BEGIN { printf "%.2f", sqrt(p) }')
standing=$(awk -v m="$mean" 'BEGIN { print (m >= 1.1 ? "ahead of" : (m >= 0.9 ? "on par with" : (m >= 0.7 ? "behind" : "far behind"))) }')
echo "verdict: the Seq servers ran at ${verdict_ratios} the raw libuv server's throughput" \
  "(geometric mean ${mean}x), no errors: ${standing} raw libuv"
