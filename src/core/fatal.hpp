// Reporting of errors that have no status flag to carry them (docs/architecture.md,
// "Failure policy"): a clear message naming the word, then abort. Never
// undefined behaviour. Includable from every room: it depends on nothing.
#pragma once

#include <cstdint>

namespace seq {

// Prints "seq: <word>: <message>" to stderr, flushes stdout, and aborts.
[[noreturn]] void fatal(const char* word, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));

// Prints a one-line configuration warning to stderr.
void warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace seq
