#!/usr/bin/env bash
# Per request of a server under seq_load: its CPU time (utime+stime of the
# server process only), read and write system calls (/proc/PID/io) and
# context switches (all its threads).
#
#   tools/bench/server-syscalls.sh MODE NAME [SECONDS]
#     MODE  echo | http;  NAME  seq | raw;  env: BUILD, CONNS (50), SEQ_WORKERS (2)
set -euo pipefail
mode=$1 name=$2 secs=${3:-3}
b=${BUILD:-build/release} conns=${CONNS:-50}
out=$(mktemp)
if [ "$name" = raw ]; then
  "$b/tools/bench/raw_uv_server" --mode "$mode" --loops "${SEQ_WORKERS:-2}" >"$out" 2>&1 &
else
  "$b/tools/examples/${mode}_server" --host 127.0.0.1 --port 0 >"$out" 2>&1 &
fi
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
  [ -n "$port" ] && break
  sleep 0.05
done
"$b/tools/load/seq_load" --port "$port" --mode "$mode" --connections "$conns" --seconds 0.5 \
  --warmup 0.1 >/dev/null 2>&1
snap() {
  echo "$(awk '{print $14 + $15}' "/proc/$pid/stat")" \
    "$(awk '/syscr|syscw/ {printf "%s ", $2}' "/proc/$pid/io")" \
    "$(cat /proc/"$pid"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}')"
}
s0=$(snap)
lo=$("$b/tools/load/seq_load" --port "$port" --mode "$mode" --connections "$conns" \
  --seconds "$secs" --warmup 0 2>&1)
s1=$(snap)
req=$(sed -n 's/.*requests *\([0-9]*\).*/\1/p' <<<"$lo" | head -1)
rps=$(sed -n 's/.*(\([0-9]*\) req\/s).*/\1/p' <<<"$lo" | head -1)
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "$s0 $s1" | awk -v r="$req" -v t="$(getconf CLK_TCK)" -v n="$name" -v m="$mode" -v rps="$rps" \
  '{printf "%s %-4s cpu_us/req %.2f  reads/req %.3f  writes/req %.3f  ctxsw/req %.3f  req/s %s  (load %s)\n",
    m, n, ($5 - $1) / t * 1e6 / r, ($6 - $2) / r, ($7 - $3) / r, ($8 - $4) / r, rps, "'"$(cut -d' ' -f1 /proc/loadavg)"'"}'
rm -f "$out"
