// son.dump / son.dump-pretty (seq-runtime 5.4.0 son.rs): a value's SON text.
#include "abi/abi.hpp"
#include "core/value/son.hpp"
#include "seq/runtime_strings.h"

using namespace seq;

namespace {

Stack son_dump(Stack sp, bool pretty) {
    StackValue v = *--sp;
    std::string text = son_string(v, pretty);
    drop_value(v);
    return push(sp, make_string(text));
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_son_dump(seq_stack_t sp) {
    return son_dump(sp, false);
}

SEQ_API seq_stack_t patch_seq_son_dump_pretty(seq_stack_t sp) {
    return son_dump(sp, true);
}

}  // extern "C"
