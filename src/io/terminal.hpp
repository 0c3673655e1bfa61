// The controlling terminal for the terminal.* words: raw mode, single-byte
// reads from standard input, the window size, flushing.
//
// Raw mode is process-wide (the terminal is), so it lives in one place
// guarded by a mutex. While it is on, the terminal is restored on every way
// out: a normal exit and os.exit (an atexit handler), the runtime's SIGINT
// exit (it calls exit), and signals that kill by default (the signals
// module's termination hook runs an async-signal-safe tcsetattr first).
//
// Reading: a strand waiting for a key parks on a uv_poll of its worker's
// loop (a private dup of the descriptor, so two waiting strands on one loop
// never share a watcher), then reads one byte; other strands keep running.
// Descriptors epoll cannot watch (regular files, /dev/null) never block, so
// they are read directly. Threads that are not strands block.
//
// TODO(stdio): these reads go straight to fd 0. Once the buffered stdin of
// io/stdio lands, bytes it has already buffered must be served first, or a
// program mixing io.read-line and terminal.read-char loses input; the
// calls to swap in are stdin_read_byte() / stdin_try_read_byte() (see
// docs/abi-system.md, "Coordination with stdio").
#pragma once

#include <cstdint>

namespace seq {

// terminal.raw-mode: no line buffering, no echo, no signals from keys
// (Ctrl-C reads as byte 3), no output post-processing. A no-op when the
// input is not a terminal, or already in the requested mode.
void terminal_set_raw(bool on);
bool terminal_is_raw();

// One byte from the input (0..255), or -1 at end of input or on error.
int terminal_read_byte();
// One byte if it can be read without waiting, else -1 (also at end of input).
int terminal_read_byte_nonblock();

// The output's window size, or 80 x 24 when it is not a terminal or the
// size is unknown.
int64_t terminal_width();
int64_t terminal_height();

// Writes out everything printed so far.
void terminal_flush();

// Test hook: the descriptors used as input and output (-1 restores 0 / 1).
// Leaves raw mode first.
void terminal_set_fds_for_test(int in_fd, int out_fd);

}  // namespace seq
