// String literals: one immortal String object per literal in the program's
// read-only data, so pushing a literal allocates nothing.
//
// seqc 7.x compiles every string literal to push_string_bytes(sp, ptr, len)
// with `ptr` into a private constant of the program, inside loops too; a copy
// per push would cost a malloc and a free each time (upstream copies). A
// pointer is only trusted when it lies in a read-only segment of the main
// executable: those bytes can neither change nor go away, so the object can
// point at them. Any other pointer (a C host's buffer, a shared object that
// may be unloaded) gets an ordinary counted copy, exactly as upstream.
#pragma once

#include <cstddef>

#include "core/value/value.hpp"

namespace seq {

// An owned String with the `len` bytes at `ptr` (any bytes, NULs included).
// Immortal and shared when the bytes are static data, a fresh copy otherwise.
StackValue literal_string(const char* ptr, size_t len);

// True when [ptr, ptr + len] (the byte after the literal included, where the
// compiler puts its NUL) lies in one read-only segment of the main program.
bool is_static_rodata(const char* ptr, size_t len);

}  // namespace seq
