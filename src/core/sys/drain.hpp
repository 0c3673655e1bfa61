// Graceful drain on SIGTERM (SEQ_DRAIN_MS; docs/deployment.md).
//
// Kubernetes, systemd and load balancers stop a server with SIGTERM and give
// it a grace period. With SEQ_DRAIN_MS set, the first SIGTERM starts a drain
// instead of killing the process:
//   1. drain_started() turns true and the stop hook runs (the TCP module
//      closes every listener; parked accepts return their failure flag and
//      later ones fail after a pause, so a loop on accept cannot spin);
//   2. connections accepted before the drain may finish: the process exits
//      as soon as the last one has closed (drain_connection_closed brings
//      the count to zero), or when SEQ_DRAIN_MS have passed;
//   3. the exit prints the report hook's output (SEQ_REPORT) and the code is
//      0, or 1 when connections were still open at the deadline (a line on
//      stderr says how many were cut).
// A second SIGTERM during the drain exits at once (code 1); SIGINT keeps its
// own policy (exit 130). The SIGTERM handler is installed through the signals
// module, so a program that traps SIGTERM keeps its handler and no drain
// happens; signal.default brings the drain policy back.
//
// Like the SIGINT policy, the handler only writes to an eventfd; a watcher
// thread does the rest from an ordinary context.
//
// This module sits in core/sys and knows nothing of sockets: the rooms above
// register what a drain must do (set_drain_hooks) and count the connections.
#pragma once

#include <cstddef>
#include <cstdint>

namespace seq {

// SEQ_DRAIN_MS as parsed (0: unset, invalid or 0: no drain). Exposed for
// tests; an invalid value warns once.
uint64_t parse_drain_ms(const char* v);

// Reads SEQ_DRAIN_MS and, when set, installs the SIGTERM policy and starts
// the watcher (once per process; called from the process signal policy).
void install_drain_policy();

// The drain's length in ms when the policy is installed, else 0.
uint64_t drain_ms();

// True once a drain began (never false again in this process).
bool drain_started();

// What a drain does beyond counting. `stop_accepting` runs on the watcher
// thread when the drain starts; `report` right before the exit. Either may
// be null. Each setter replaces only its own hook.
void set_drain_stop_hook(void (*stop_accepting)());
void set_drain_report_hook(void (*report)());

// Connections the drain waits for (accepted streams still open). Called by
// the socket modules on every accept and close; one relaxed atomic each,
// plus a wake-up of the watcher when the last one closes during a drain.
void drain_connection_opened();
void drain_connection_closed();
size_t drain_connections();
// Forgets the count (a scheduler restart dropped every socket).
void drain_connections_reset();

}  // namespace seq
