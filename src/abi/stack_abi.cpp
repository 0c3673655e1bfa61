// Value stacks and stack-shuffling words.
#include "abi/abi.hpp"
#include "core/sched/strand.hpp"

using namespace seq;

namespace {
ValueStack* as_stack(seq_value_stack* st, const char* word) {
    if (!st) fatal(word, "null stack");
    return reinterpret_cast<ValueStack*>(st);
}
}  // namespace

static_assert(sizeof(seq_value_stack) == sizeof(ValueStack));

extern "C" {

SEQ_API seq_value_stack* seq_stack_new_default(void) {
    // In a strand (compiled seq_main): the guarded value stack of its slot.
    if (StackValue* slot = claim_slot_value_stack())
        return reinterpret_cast<seq_value_stack*>(
            value_stack_on(slot, kDefaultStackSlots, release_slot_value_stack));
    return reinterpret_cast<seq_value_stack*>(value_stack_new(kDefaultStackSlots));
}

SEQ_API seq_value_stack* seq_stack_new(size_t capacity) {
    return reinterpret_cast<seq_value_stack*>(value_stack_new(capacity ? capacity : 1));
}

SEQ_API void seq_stack_free(seq_value_stack* st) {
    value_stack_free(reinterpret_cast<ValueStack*>(st));
}

SEQ_API seq_value_t* seq_stack_base(seq_value_stack* st) {
    return as_stack(st, "seq_stack_base")->base;
}

SEQ_API size_t seq_stack_sp(seq_value_stack* st) {
    return as_stack(st, "seq_stack_sp")->sp;
}

SEQ_API void seq_stack_set_sp(seq_value_stack* st, size_t sp) {
    ValueStack* s = as_stack(st, "seq_stack_set_sp");
    if (sp > s->capacity) fatal("seq_stack_set_sp", "sp %zu exceeds capacity %zu", sp, s->capacity);
    s->sp = sp;
}

SEQ_API void seq_stack_grow(seq_value_stack* st, size_t min_capacity) {
    value_stack_grow(as_stack(st, "seq_stack_grow"), min_capacity);
}

SEQ_API size_t seq_stack_capacity(seq_value_stack* st) {
    return as_stack(st, "seq_stack_capacity")->capacity;
}

SEQ_API void patch_seq_set_stack_base(seq_stack_t base) {
    set_stack_base(base);
}

SEQ_API seq_stack_t patch_seq_stack_dump(seq_stack_t sp) {
    return stack_dump(sp);
}

SEQ_API void patch_seq_clone_value(const seq_value_t* src, seq_value_t* dst) {
    *dst = clone_value(*src);
}

SEQ_API seq_stack_t patch_seq_drop_op(seq_stack_t sp) {
    return op_drop(sp);
}
SEQ_API seq_stack_t patch_seq_pop_stack(seq_stack_t sp) {
    return op_drop(sp);
}
SEQ_API seq_stack_t patch_seq_dup(seq_stack_t sp) {
    return op_dup(sp);
}
SEQ_API seq_stack_t patch_seq_swap(seq_stack_t sp) {
    return op_swap(sp);
}
SEQ_API seq_stack_t patch_seq_over(seq_stack_t sp) {
    return op_over(sp);
}
SEQ_API seq_stack_t patch_seq_rot(seq_stack_t sp) {
    return op_rot(sp);
}
SEQ_API seq_stack_t patch_seq_nip(seq_stack_t sp) {
    return op_nip(sp);
}
SEQ_API seq_stack_t patch_seq_tuck(seq_stack_t sp) {
    return op_tuck(sp);
}
SEQ_API seq_stack_t patch_seq_2dup(seq_stack_t sp) {
    return op_2dup(sp);
}
SEQ_API seq_stack_t patch_seq_pick_op(seq_stack_t sp) {
    return op_pick(sp);
}
SEQ_API seq_stack_t patch_seq_roll(seq_stack_t sp) {
    return op_roll(sp);
}

}  // extern "C"
