// Terminal words (seq-runtime 5.4.0 terminal.rs). The terminal state and
// how reads avoid stalling a worker are in io/terminal.
#include "abi/abi.hpp"
#include "io/terminal.hpp"
#include "seq/runtime_system.h"

using namespace seq;

extern "C" {

SEQ_API seq_stack_t patch_seq_terminal_raw_mode(seq_stack_t sp) {
    terminal_set_raw(pop_bool(sp, "terminal_raw_mode"));
    return sp;
}

SEQ_API seq_stack_t patch_seq_terminal_read_char(seq_stack_t sp) {
    return push(sp, make_int(terminal_read_byte()));
}

SEQ_API seq_stack_t patch_seq_terminal_read_char_nonblock(seq_stack_t sp) {
    return push(sp, make_int(terminal_read_byte_nonblock()));
}

SEQ_API seq_stack_t patch_seq_terminal_width(seq_stack_t sp) {
    return push(sp, make_int(terminal_width()));
}

SEQ_API seq_stack_t patch_seq_terminal_height(seq_stack_t sp) {
    return push(sp, make_int(terminal_height()));
}

SEQ_API seq_stack_t patch_seq_terminal_flush(seq_stack_t sp) {
    terminal_flush();
    return sp;
}

}  // extern "C"
