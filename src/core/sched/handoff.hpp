// Worker threads, and the handoff of a worker whose thread is stuck in
// foreign code (Go's handoffp).
//
// A worker (loop, ready queues, stack cache: Go's P) is run by one OS thread
// at a time (Go's M). Compiled Seq code calls foreign C functions directly
// (seqc 7.7.3's FFI wrappers), and preemption (core/sched/preempt) cannot
// stop a strand there: the code may hold locks of its own. Without handoff,
// a strand computing or blocked in such a call stalls every timer, socket
// and ready strand of its worker.
//
// The handoff: when the time-slice monitor finds a worker W stuck even
// after its preemption signals, it makes sure a spare thread waits and asks
// for a handoff of W (Worker::handoff_requested); at the next signal, the
// handler on W's thread T, seeing the interrupted instruction in foreign
// code (the text of a library the executable links and the runtime never
// calls), releases W: T becomes "detached" (it runs only the strand X that
// is in the foreign call, and no worker), W is published as released, and a
// spare is woken (sem_post: async-signal-safe), adopts W and runs its loop.
// Releasing is safe exactly there: foreign code never calls back into Seq
// (FFI callbacks are shelved upstream), so T cannot touch W until X comes
// back into the runtime, and no runtime frame keeps a Worker* across a call
// into compiled code (strands already move between workers at any switch).
//
// X goes on running on T, disturbing nobody. The first time it enters the
// scheduler (current_worker(), a switch, its end, a preemption), it
// reattaches: it switches to T's own loop frame, which posts X to W's inbox
// (thread-safe) and leaves the loop without touching W; T becomes a spare.
// X resumes wherever W runs now. The check on the switch paths is one byte
// of the strand record (Strand::detached, set by the handler) and a
// predicted branch.
//
// Spare threads wait on a semaphore; the monitor, never the handler,
// creates them. All threads are joined at scheduler shutdown (a strand
// still inside a foreign call that never returns holds the shutdown, as it
// held its worker's thread before). Active when preemption is (x86-64
// Linux, not under TSan) and SEQ_HANDOFF is not 0.
#pragma once

#include <cstdint>

namespace seq {

struct Strand;
struct Worker;

// scheduler_init: an OS thread for `w` (it runs w's loop, and after losing
// w becomes a spare). scheduler_shutdown, once every worker is told to stop:
// joins every thread, spares included.
void worker_thread_start(Worker* w);
void worker_threads_join();

// preempt_start: turn handoff on (whether the handler may release).
void handoff_enable(bool on);
bool handoff_enabled();

// The monitor, for a worker stuck past its eager signals: makes sure a spare
// thread waits (starting one if none does) and asks for W's handoff.
void handoff_request(Worker& w);

// The preemption handler on W's thread, the interrupted instruction being in
// foreign code while strand `x` runs: releases W to a spare when a handoff
// was asked for and a spare is free. Async-signal-safe. Returns whether it
// released.
bool handoff_release_from_signal(Worker* w, Strand* x);

// current_worker()'s slow path, on a thread without a worker: a detached
// strand reattaches (when called on its own stack, not from a signal
// handler's alternate stack) and gets its worker; otherwise null.
Worker* handoff_reattach_current();
// reattach(): the calling thread is no longer detached.
void handoff_note_reattach(Strand* s);

// Blocking sections (seq/host.h's seq_blocking_begin/end, Go's
// entersyscall/exitsyscall): host code on a strand declares that it is
// about to block or compute for long outside the runtime, calling no seq_*
// function until the section ends. Nothing is signalled: the monitor, when
// it finds the worker's strand still in its section at a look (it has not
// switched for one period), hands the worker to a spare thread itself, as
// the preemption handler does for foreign code; the section's end then
// reattaches the strand. begin: false outside a strand. end: false when no
// section is open. Sections nest; only the outermost one counts.
bool blocking_section_begin();
bool blocking_section_end();
// The monitor, for a worker whose strand stays in a blocking section:
// releases it to a spare (starting one if none waits). `section` is the
// value the monitor read from w.section.
bool handoff_release_section(Worker& w, uintptr_t section);
// reattach()'s first step for a strand inside a published blocking section
// (its thread gave up its worker's claim at the section's begin): takes
// the worker back and returns it if the monitor did not hand it off;
// null otherwise (then the strand goes back the ordinary way).
Worker* handoff_section_resume(Strand* s);
// Whether blocking sections may hand their worker off (SEQ_HANDOFF).
void handoff_sections_enable(bool on);

// Counters for diagnostics and tests.
uint64_t handoff_releases();    // workers handed to a spare
uint64_t handoff_reattaches();  // strands back from foreign code
uint64_t handoff_detached();    // strands running detached right now
unsigned handoff_threads();     // OS threads started by this scheduler

}  // namespace seq
