#!/usr/bin/env bash
# A Seq-style server under load, in one command: starts the example server
# (strand per connection) on a free loopback port, drives it with seq_load
# and prints both sides' summaries.
#
#   tools/examples/run-load.sh [BUILD_DIR]        (default build/release)
#   MODE=http CONNECTIONS=500 DURATION=10 tools/examples/run-load.sh
#
# Exit status: 0 when the load completed requests without errors and the
# server ended cleanly.
set -euo pipefail
build=${1:-build/release}
mode=${MODE:-echo}
conns=${CONNECTIONS:-200}
secs=${DURATION:-5}
size=${SIZE:-64}
threads=${THREADS:-1}
server="$build/tools/examples/${mode}_server"
load="$build/tools/load/seq_load"
for exe in "$server" "$load"; do
  [ -x "$exe" ] || { echo "missing $exe (build the release preset with tools)"; exit 2; }
done

out=$(mktemp)
trap 'rm -f "$out"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true' EXIT
# --serve: the server exits by itself once the load's connections ended.
"$server" --host 127.0.0.1 --port 0 --serve "$conns" >"$out" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "server did not start:"; cat "$out"; exit 1; }

echo "== machine: $(nproc) cores; server: $(basename "$server") (SEQ_WORKERS=${SEQ_WORKERS:-cores}), pid $pid, port $port"
status=0
"$load" --port "$port" --mode "$mode" --connections "$conns" --seconds "$secs" \
  --size "$size" --threads "$threads" || status=$?

# The server ends once every connection closed; give it a bounded time.
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
  echo "server still running after the load ended"; kill "$pid"; status=1
else
  wait "$pid" || status=1
fi
pid=""
grep -v "listening on" "$out" || true
exit $status
