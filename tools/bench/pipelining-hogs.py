#!/usr/bin/env python3
# Issue 11's hostile-client experiment: N clients (default 50) that pipeline
# ~9 MB of HTTP GETs each and never read a byte of the answers.
#   tools/bench/pipelining-hogs.py PORT [N] [SECONDS]   (default 10 s)
# Run tools/load/seq_load --mode http against the same server meanwhile and
# compare its p99 with a run without them.
import socket, select, sys, time
port = int(sys.argv[1]); n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
total = 9 * 1024 * 1024
req = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
chunk = req * 1000
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port)); s.setblocking(False); socks.append([s, 0])
end = time.time() + float(sys.argv[3]) if len(sys.argv) > 3 else time.time() + 10
while time.time() < end:
    live = [x for x in socks if x[1] < total]
    if not live: time.sleep(0.1); continue
    _, w, _ = select.select([], [x[0] for x in live], [], 0.2)
    for x in live:
        if x[0] in w:
            try: x[1] += x[0].send(chunk)
            except BlockingIOError: pass
            except OSError: x[1] = total
print("hogs sent MB:", sum(x[1] for x in socks) / 1e6, file=sys.stderr)
time.sleep(1)
