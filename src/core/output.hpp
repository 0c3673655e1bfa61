// The process's standard output as the runtime's words see it.
//
// Every word that prints (write_line, stack.dump, the test framework...) goes
// through here, so output from different words stays in call order and is
// flushed before the process exits.
#pragma once

#include <string_view>

namespace seq {

// Writes `bytes` as one unit: concurrent calls never interleave.
void stdout_write(std::string_view bytes);
// Writes everything buffered so far to the file descriptor.
void stdout_flush();
// Same for standard error (unbuffered).
void stderr_write(std::string_view bytes);

}  // namespace seq
