#!/usr/bin/env bash
# Soaks the example HTTP server: the hostile loopback mix of tools/soak/soak.cpp
# (keep-alive, short, reset, never-reading and slow-loris clients) for
# SECONDS, one sample line per second; exits non-zero when RSS grows under the
# steady load, when it is not given back afterwards, or when fds, threads or
# strands are left behind (docs/deployment.md, "Soak testing").
#
#   tools/soak.sh [SECONDS] [seq_soak options...]     (default 60; release build)
#   tools/soak.sh 600                                 (the 10-minute soak)
#   tools/soak.sh 1 --idle 10000                      (idle connection memory)
#
# SEQ_SOAK_PRESET picks the build (default release); SEQ_SOAK_SERVER another
# server binary (it must print "listening on HOST:PORT").
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${SEQ_SOAK_PRESET:-release}
seconds=${1:-60}
(($#)) && shift
soak=build/$preset/tools/soak/seq_soak
server=${SEQ_SOAK_SERVER:-build/$preset/tools/examples/http_server}
for f in "$soak" "$server"; do
  [ -x "$f" ] || { echo "soak: $f is not built (tools/setup.sh $preset)"; exit 2; }
done
exec "$soak" --seconds "$seconds" "$@" -- "$server"
