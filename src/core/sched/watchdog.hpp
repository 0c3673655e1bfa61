// The watchdog thread: one thread per running scheduler that samples the
// workers, warns about stalls, enforces SEQ_WATCHDOG_SECS and prints the
// SIGQUIT dump.
//
// What it samples: each worker's (strands_run, running_id) pair, which the
// worker keeps anyway (nothing is added to the switch path). A pair that has
// not changed since the sampler first saw it means that one strand has run
// on that worker, without switching out, for at least that long: the dump's
// "running for X ms", the stall warning and the watchdog all come from that
// single figure, with the sampling period as its resolution.
//
//   SEQ_STALL_WARN_MS=T    a worker whose strand has not switched out for T ms
//                          gets one stderr line naming the worker, the strand
//                          and how long (once per stall; at most one line a
//                          second in all).
//   SEQ_WATCHDOG_SECS=S    every SEQ_WATCHDOG_INTERVAL seconds, the strand
//                          that has run longest without switching out, if
//                          longer than S: SEQ_WATCHDOG_ACTION=warn prints a
//                          line and the dump (the dump once per stuck
//                          strand), exit prints the line, the dump and ends
//                          the process with exit code 1.
//
// Upstream's watchdog compares a strand's spawn time instead, so a server's
// accept loop, alive for days and parked nearly all of that time, counts as
// "stuck" after S seconds; here only a strand that holds its worker counts
// (docs/configuration.md).
#pragma once

#include <cstdint>

namespace seq {

struct Scheduler;

// scheduler_init, once the workers run; scheduler_shutdown, before they stop.
void watchdog_start(Scheduler& sched);
void watchdog_stop();

// The sampler's view of worker `index`: when its current run (the pair
// `runs`, `strand_id`) is the one the sampler has been seeing, stores how
// long ago it first saw it in *ms and returns true; false when the sampler
// has not seen this run yet (or no watchdog thread runs).
bool worker_run_age_ms(unsigned index, uint64_t runs, uint64_t strand_id, uint64_t* ms);

// Async-signal-safe (SIGQUIT): asks the watchdog thread to print the dump.
// False when no watchdog thread runs (the caller prints it itself).
bool request_dump_from_signal();

}  // namespace seq
