// Standard input and output for the runtime's words (see docs/stdio-time.md).
//
// Both streams are served by one dedicated OS thread each, never by a worker:
//   stdout  words append to a process-wide buffer under a short mutex (one
//           call = one append, so calls never interleave and each strand's
//           writes stay in order); a writer thread does the blocking write()s.
//           A strand whose append leaves more than kStdoutHighWater bytes
//           unwritten parks until the writer caught up (backpressure).
//   stdin   a reader thread does blocking read()s on demand into a
//           process-wide buffer; a strand that needs more data parks until
//           the read returned. Consumers are served one whole call at a time,
//           in arrival order, so a line or a read_n block is never split.
// Blocking threads work for every kind of descriptor (tty, pipe, regular
// file, /dev/null, a socket), never flip O_NONBLOCK on a descriptor shared
// with other processes, and never stall a worker's loop.
//
// Callers outside strands (a C host's main thread, tests) block their own
// OS thread instead of parking.
//
// The stdout half implements core/output.hpp (stdout_write, stdout_flush...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace seq {

// Upstream's READ_N_MAX_BYTES: larger (or negative) counts fail with status 0.
inline constexpr int64_t kReadNMax = 10 * 1024 * 1024;
// Unwritten stdout bytes above which a writing strand waits for the writer.
inline constexpr size_t kStdoutHighWater = 1 << 20;

struct LineResult {
    std::string line;  // with its '\n' (CRLF normalised to LF); "" on failure
    bool ok = false;   // false: end of input, a read error, or invalid UTF-8
};
// One line from stdin, as upstream's read_line: the trailing newline is kept,
// a final "\r\n" becomes "\n", a last line without newline is returned as is,
// and at end of input the result is ( "" false ). A line that is not valid
// UTF-8 is consumed and reported as ( "" false ), as Rust's read_line does.
LineResult stdin_read_line();

struct ReadNResult {
    std::string data;  // up to n bytes, invalid UTF-8 replaced by U+FFFD
    bool complete = false;
};
// Exactly n bytes from stdin, or fewer at end of input (complete = false).
// The caller validated 0 <= n <= kReadNMax.
ReadNResult stdin_read_n(size_t n);

// Test hooks. stdin_reset_for_test makes stdin read from a duplicate of `fd`
// (the caller keeps and closes its own descriptor; -1 means the real fd 0) and
// discards buffered input. A read still blocked on the old descriptor is
// abandoned to its thread, which exits when that read returns.
// stdout_reset_for_test first writes out everything buffered, then sends
// later output to a duplicate of `fd` (-1: the real fd 1).
void stdin_reset_for_test(int fd);
void stdout_reset_for_test(int fd);

// Bytes appended to stdout so far and bytes the writer finished with.
struct StdoutCounters {
    uint64_t appended;
    uint64_t written;
};
StdoutCounters stdout_counters();

// Rust's String::from_utf8_lossy: every maximal ill-formed subsequence
// becomes U+FFFD.
std::string utf8_lossy(const char* p, size_t n);
bool utf8_valid(const char* p, size_t n);

}  // namespace seq
