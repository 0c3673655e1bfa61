// Value stacks: contiguous arrays of StackValue with `Stack` pointing at the
// next free slot (push stores at *sp and returns sp + 1).
//
// Two kinds of storage exist:
//   ValueStack    the handle compiled `seq_main` allocates with
//                 seq_stack_new_default() (layout shared with seq-runtime 5.4.0:
//                 base, sp index, capacity);
//   owned buffers what clone_stack() returns for a spawned child, with its
//                 capacity in a header word, so the strand that runs on one can
//                 free it (and drop what is left on it) when it ends.
#pragma once

#include <cstddef>

#include "core/value/value.hpp"

namespace seq {

inline constexpr size_t kDefaultStackSlots = 4096;

struct ValueStack {
    StackValue* base;
    size_t sp;  // index of the next free slot
    size_t capacity;
};

ValueStack* value_stack_new(size_t capacity);
// A handle on storage it does not own (a strand's slot value stack): freeing
// the handle drops its values and calls release(base) instead of free();
// growing it moves the values to a buffer of its own.
ValueStack* value_stack_on(StackValue* base, size_t capacity, void (*release)(StackValue*));
void value_stack_free(ValueStack* s);  // drops values below sp
void value_stack_grow(ValueStack* s, size_t min_capacity);

// Owned buffers (see above).
StackValue* owned_stack_alloc(size_t capacity);
size_t owned_stack_capacity(const StackValue* base);
// Drops the values in [base, sp) when sp lies inside the buffer, then frees it.
void owned_stack_free(StackValue* base, Stack sp);

// The current context's value-stack base (patch_seq_set_stack_base).
void set_stack_base(Stack base);
Stack stack_base();
// Depth of `sp` above the current base; aborts naming `word` if no base is set.
size_t stack_depth(const char* word, Stack sp);

// Deep-copies the current strand's stack [base, sp) into a new owned buffer
// (arena strings become global). Returns the new sp; *new_base gets the base.
Stack clone_stack_with_base(Stack sp, Stack* new_base);
// The same copy into `dst` (capacity slots): returns the new sp, or null
// (nothing copied) when the stack is deeper than that.
Stack clone_stack_into(Stack sp, StackValue* dst, size_t capacity);

// ---- primitive operations ------------------------------------------------------

inline Stack push(Stack sp, StackValue v) {
    *sp = v;
    return sp + 1;
}
inline StackValue peek(Stack sp) {
    return sp[-1];
}

// Pops a value of the given kind or aborts naming `word`.
StackValue pop_kind(Stack& sp, Kind kind, const char* word);
int64_t pop_int(Stack& sp, const char* word);
bool pop_bool(Stack& sp, const char* word);

// Stack-shuffling words (the ABI's dup, swap, ...).
Stack op_dup(Stack sp);
Stack op_drop(Stack sp);
Stack op_swap(Stack sp);
Stack op_over(Stack sp);
Stack op_rot(Stack sp);
Stack op_nip(Stack sp);
Stack op_tuck(Stack sp);
Stack op_2dup(Stack sp);
Stack op_pick(Stack sp);
Stack op_roll(Stack sp);

// Prints the stack from the base as `» v1 v2 ...` in SON and drops every value;
// returns the base (as seq-runtime 5.4.0's stack.dump).
Stack stack_dump(Stack sp);

}  // namespace seq
