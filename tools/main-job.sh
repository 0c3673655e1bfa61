#!/usr/bin/env bash
# The main job: a Seq-style network server (strand per connection, written
# against the C ABI as compiled Seq code calls it) under load from a loopback
# load generator, echo then HTTP, printing what it achieved.
#   CONNECTIONS=500 DURATION=10 tools/main-job.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh release >/dev/null
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== echo server, ${CONNECTIONS:-200} connections, ${DURATION:-5} s"
MODE=echo tools/examples/run-load.sh build/release
echo
echo "== HTTP hello server, ${CONNECTIONS:-200} connections, ${DURATION:-5} s"
MODE=http tools/examples/run-load.sh build/release
