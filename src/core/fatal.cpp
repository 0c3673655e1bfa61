#include "core/fatal.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "core/output.hpp"

namespace seq {

void fatal(const char* word, const char* fmt, ...) {
    stdout_flush_sync();  // what the program printed before the error comes first
    std::fprintf(stderr, "seq: %s: ", word);
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    std::fputc('\n', stderr);
    std::fflush(stderr);
    std::abort();
}

void warn(const char* fmt, ...) {
    std::fputs("Warning: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(stderr, fmt, ap);
    va_end(ap);
    std::fputc('\n', stderr);
}

}  // namespace seq
