#!/usr/bin/env bash
# User-space instructions per request of a server under seq_load, counted by
# callgrind: unlike CPU time or throughput this does not move with the load
# other jobs put on the machine, so small CPU-path changes can be measured.
# Kernel work (system calls) is not counted; see server-syscalls.sh for that.
#
#   tools/bench/callgrind-per-request.sh MODE NAME [SECONDS] [OUT]
#     MODE  echo | http;  NAME  seq (tools/examples/MODE_server) | raw (raw_uv_server)
#   env: BUILD (default build/release), CONNS (50), SRV_BIN (another server binary),
#        SEQ_WORKERS (raw server loops, default 2)
# Instrumentation starts after 0.5 s of unmeasured load (start-up and the
# first connections are not counted). Prints: MODE NAME req N Ir N Ir/req N.
set -euo pipefail
mode=$1 name=$2 secs=${3:-3} cg=${4:-$(mktemp -u /tmp/callgrind.XXXXXX)}
b=${BUILD:-build/release} conns=${CONNS:-50}
out=$(mktemp)
rm -f "$cg"*
if [ "$name" = raw ]; then
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$cg" \
    "$b/tools/bench/raw_uv_server" --mode "$mode" --loops "${SEQ_WORKERS:-2}" >"$out" 2>&1 &
else
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$cg" \
    "${SRV_BIN:-$b/tools/examples/${mode}_server}" --host 127.0.0.1 --port 0 >"$out" 2>&1 &
fi
pid=$!
port=""
for _ in $(seq 200); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start:"; cat "$out"; kill "$pid"; exit 1; }
"$b/tools/load/seq_load" --port "$port" --mode "$mode" --connections "$conns" --seconds 0.5 \
  --warmup 0 >/dev/null 2>&1
callgrind_control -i on "$pid" >/dev/null 2>&1
lo=$("$b/tools/load/seq_load" --port "$port" --mode "$mode" --connections "$conns" \
  --seconds "$secs" --warmup 0 2>&1)
req=$(sed -n 's/.*requests *\([0-9]*\).*/\1/p' <<<"$lo" | head -1)
sleep 0.5
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
ir=$(grep -h '^summary' "$cg"* | awk '{s += $2} END {print s}')
echo "$mode $name req $req Ir $ir Ir/req $(awk -v a="$ir" -v r="$req" 'BEGIN {printf "%.0f", a / r}')"
echo "(profile: $cg*; callgrind_annotate it for the breakdown)" >&2
rm -f "$out"
