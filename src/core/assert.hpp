// SEQ_ASSERT(expr) / SEQ_ASSERT(expr, "message"): internal invariants.
//
// Live when SEQ_ASSERTIONS is defined (CMake defines it in Debug and
// sanitizer builds). A failure prints
//     seq: assertion failed: <expr> (<file>:<line>): <message>
// to stderr and aborts. Otherwise the check compiles to nothing but its
// expression is still type-checked (inside sizeof, never evaluated), so an
// assertion cannot rot in release builds, and a variable used only by an
// assertion does not trigger an unused-variable warning.
//
// Includable from every room: it depends on nothing.
#pragma once

namespace seq {

[[noreturn]] void assertion_failed(const char* expr, const char* file, int line,
                                   const char* message);

}  // namespace seq

#if defined(SEQ_ASSERTIONS)
#define SEQ_ASSERT(expr, ...)                     \
    (__builtin_expect(static_cast<bool>(expr), 1) \
         ? static_cast<void>(0)                   \
         : ::seq::assertion_failed(#expr, __FILE__, __LINE__, "" __VA_ARGS__))
#else
#define SEQ_ASSERT(expr, ...) static_cast<void>(sizeof(static_cast<bool>(expr)))
#endif
