// Standard input/output words (upstream io.rs). Logic lives in io/stdio.cpp.
#include "abi/abi.hpp"
#include "core/output.hpp"
#include "io/stdio.hpp"
#include "seq/runtime_io.h"

using namespace seq;

namespace {
seq_stack_t push_line(seq_stack_t sp, LineResult r, bool int_status) {
    sp = push(sp, make_string(r.line));
    if (int_status) return push(sp, make_int(r.ok ? 1 : 0));
    return push(sp, r.ok ? kTrue : kFalse);
}
}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_write_line(seq_stack_t sp) {
    StackValue s = pop_kind(sp, Kind::String, "write_line");
    stdout_write_line(string_of(s)->view());
    drop_value(s);
    return sp;
}

SEQ_API seq_stack_t patch_seq_write(seq_stack_t sp) {
    StackValue s = pop_kind(sp, Kind::String, "write");
    stdout_write(string_of(s)->view());
    drop_value(s);
    return sp;
}

SEQ_API seq_stack_t patch_seq_read_line(seq_stack_t sp) {
    return push_line(sp, stdin_read_line(), false);
}

#ifdef SEQ_ABI_54
// Removed by seqc 7.x: only the 5.4 archive exports it (seq/runtime.h).
SEQ_API seq_stack_t patch_seq_read_line_plus(seq_stack_t sp) {
    return push_line(sp, stdin_read_line(), true);
}
#endif

SEQ_API seq_stack_t patch_seq_read_n(seq_stack_t sp) {
    StackValue v = *--sp;
    // As upstream, a bad count (negative, over 10 MiB, not an Int) is a
    // status, not a crash.
    if (!is_int(v) || int_of(v) < 0 || int_of(v) > kReadNMax) {
        drop_value(v);
        sp = push(sp, make_string(""));
        return push(sp, make_int(0));
    }
    ReadNResult r = stdin_read_n(static_cast<size_t>(int_of(v)));
    sp = push(sp, make_string(r.data));
    return push(sp, make_int(r.complete ? 1 : 0));
}

}  // extern "C"
