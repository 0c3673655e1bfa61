// Reporting of errors that have no status flag to carry them (DESIGN §6):
// a clear message naming the word, then abort. Never undefined behaviour.
#pragma once

#include <cstdint>

namespace seq {

// Prints "seq: <word>: <message>" to stderr, flushes stdout, and aborts.
[[noreturn]] void fatal(const char* word, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));

// Aborts with "<word>: expected <what>, got <kind of v>".
[[noreturn]] void type_error(const char* word, const char* expected, uint64_t got);

// Prints a one-line configuration warning to stderr (DESIGN §6).
void warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace seq
