// Weave words: thin wrappers over core/weave.
#include "abi/abi.hpp"
#include "core/sync/weave.hpp"
#include "seq/runtime_channels.h"

using namespace seq;

extern "C" {

SEQ_API seq_stack_t patch_seq_weave(seq_stack_t sp) {
    StackValue callable = *--sp;
    return push(sp, weave_new(callable, sp, "strand.weave"));
}

SEQ_API seq_stack_t patch_seq_resume(seq_stack_t sp) {
    StackValue in = *--sp;
    StackValue handle = *--sp;
    if (!is_weave_handle(handle)) {
        // The effect has a status flag: report failure, keep the stack shape.
        drop_value(in);
        sp = push(sp, handle);
        return push_with_flag(sp, make_int(0), false);
    }
    WeaveResult r = weave_resume(weave_obj_of(handle)->core, in);
    sp = push(sp, handle);
    return push_with_flag(sp, r.value, r.ok);
}

SEQ_API seq_stack_t patch_seq_yield(seq_stack_t sp) {
    StackValue out = *--sp;
    StackValue ctx = *--sp;
    if (!is_weave_context(ctx)) type_error("yield", "WeaveCtx (the weave's own context)", ctx);
    StackValue in = weave_yield(weave_obj_of(ctx)->core, ctx, out, sp);
    sp = push(sp, ctx);
    return push(sp, in);
}

SEQ_API seq_stack_t patch_seq_weave_cancel(seq_stack_t sp) {
    StackValue handle = *--sp;
    if (!is_weave_handle(handle)) type_error("strand.weave-cancel", "WeaveHandle", handle);
    weave_cancel(weave_obj_of(handle)->core);
    drop_value(handle);
    return sp;
}

}  // extern "C"
