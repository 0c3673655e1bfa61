/* Calls the ABI from C exactly as compiled Seq code does: allocate a value
 * stack, register its base, push and shuffle, free. Exits non-zero on the
 * first failed check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seq/runtime.h"

static int failures = 0;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

int main(void) {
    seq_value_stack* st = seq_stack_new_default();
    seq_value_t* base = seq_stack_base(st);
    patch_seq_set_stack_base(base);

    seq_stack_t sp = base;
    sp = patch_seq_push_int(sp, 20);
    sp = patch_seq_push_int(sp, 22);
    CHECK(SEQ_IS_INT(sp[-1]) && SEQ_INT_VALUE(sp[-1]) == 22);
    /* Compiled code inlines integer arithmetic on the tagged words. */
    int64_t sum = SEQ_INT_VALUE(sp[-2]) + SEQ_INT_VALUE(sp[-1]);
    sp -= 2;
    *sp++ = SEQ_INT(sum);
    CHECK(patch_seq_peek_int_value(sp) == 42);

    sp = patch_seq_int_to_string(sp);
    sp = patch_seq_dup(sp);
    sp = patch_seq_push_bool(sp, true);
    CHECK(sp[-1] == SEQ_TRUE);
    CHECK(patch_seq_peek_bool_value(sp));
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_swap(sp);
    sp = patch_seq_nip(sp);
    CHECK(sp - base == 1);

    static const seq_interned_symbol tag = {"Ok", 2, 0, 1};
    sp = patch_seq_push_interned_symbol(sp, &tag);
    sp = patch_seq_push_quotation(sp, (uintptr_t)&main, (uintptr_t)&main);
    sp = patch_seq_push_float(sp, 1.5);

    seq_value_t copy;
    patch_seq_clone_value(sp - 1, &copy);
    sp = patch_seq_push_value(sp, copy);
    CHECK(sp - base == 5);

    /* stack.dump prints everything and returns the base. */
    sp = patch_seq_stack_dump(sp);
    CHECK(sp == base);

    seq_stack_free(st);
    if (failures) return 1;
    printf("c_abi: all checks passed\n");
    return 0;
}
