// The process's standard output as the runtime's words see it.
//
// Every word that prints (write_line, stack.dump, the test framework...) goes
// through here, so output from different words stays in call order and is
// flushed before the process exits. Implemented in io/stdio.cpp: a
// process-wide buffer drained by a dedicated writer thread, so a slow
// consumer of stdout (a full pipe, a paused terminal) parks only the strands
// that write, never a worker thread (see docs/stdio-time.md).
#pragma once

#include <string_view>

namespace seq {

// Appends `bytes` as one unit: concurrent calls never interleave, and one
// thread's (or strand's) calls appear in call order. May wait (a strand
// parks) while more than 1 MiB is still unwritten.
void stdout_write(std::string_view bytes);
// `line` followed by '\n', as one unit.
void stdout_write_line(std::string_view line);
// Waits until everything appended so far has been written to the descriptor:
// a strand parks, any other thread blocks.
void stdout_flush();
// Same, but always blocks the calling OS thread, never parks: for paths where
// a switch is not allowed (fatal errors, signal handlers, process exit).
void stdout_flush_sync();
// Standard error, unbuffered. Flushes stdout first, so when both streams
// share a descriptor (2>&1) the order of calls is kept.
void stderr_write(std::string_view bytes);

}  // namespace seq
