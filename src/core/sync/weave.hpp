// Weaves (generators): a strand that runs only while a resumer waits for
// it, handing one value back per yield.
//
// Shape (docs/channels.md has the whole story):
//   - A WeaveCore holds the state shared by the resumer's handle and the
//     weave's own context value: both are Kind::WeaveCtx objects (aux tells
//     them apart) pointing at the core.
//   - The strand is created lazily, by the first resume. A weave that is
//     never resumed is only a core plus the copied stack and callable, all
//     freed when the handle's last reference goes: no fiber, no strand.
//   - resume is a direct handoff: the resumer hands its value to the weave's
//     parked ChannelWaiter (waking the weave into the resumer's runnext, so it runs
//     next on the same worker) and parks on its own request ChannelWaiter until the
//     weave yields or finishes. No channel, no queue, no allocation.
//   - Weave strands are uncounted (counted = false): a suspended weave does
//     not keep the program alive, as upstream's "dormant" weaves.
//   - cancel (or dropping the last handle of a suspended weave) resumes the
//     weave with a cancel flag; its yield then does not return to the
//     Seq code but jumps back to the weave's entry frame (setjmp/longjmp on
//     the weave's own stack), which returns normally, so the scheduler's
//     ordinary strand end reclaims the fiber, the value stack (values from
//     its base up to the yield's stack pointer are dropped), the arena and
//     the callable.
#pragma once

#include <csetjmp>
#include <cstdint>

#include "core/sync/channel.hpp"
#include "core/value/value.hpp"

namespace seq {

struct WeaveCore;

enum : uint16_t { kWeaveHandle = 1, kWeaveContext = 2 };

// A Kind::WeaveCtx heap object: the resumer's handle or the weave's context.
struct WeaveObj : ManagedObject {
    WeaveCore* core;
};

inline WeaveObj* weave_obj_of(StackValue v) {
    return static_cast<WeaveObj*>(heap_of(v));
}
inline bool is_weave_handle(StackValue v) {
    return is_kind(v, Kind::WeaveCtx) && heap_of(v)->aux == kWeaveHandle;
}
inline bool is_weave_context(StackValue v) {
    return is_kind(v, Kind::WeaveCtx) && heap_of(v)->aux == kWeaveContext;
}

// A new weave running `callable` (a Quotation or Closure; ownership moves).
// A quotation's weave starts on a copy of the stack [base, sp) (as spawn
// does); a closure's on a fresh stack. Returns the handle (rc = 1).
StackValue weave_new(StackValue callable, Stack sp, const char* word);

struct WeaveResult {
    StackValue value;  // the yielded value (owned), or Int 0
    bool ok;           // false: the weave has finished (or was cancelled)
};

// Resumes the weave with `in` (ownership moves) and waits for its next yield.
WeaveResult weave_resume(WeaveCore* core, StackValue in);

// Called by the weave on its own strand: hands `out` (ownership moves) to
// the resumer and waits for the next resume value, which it returns. `ctx`
// is the popped context value and `sp` the stack below it: when the weave is
// cancelled instead, ctx is dropped, the stack up to sp is reclaimed and
// this never returns.
StackValue weave_yield(WeaveCore* core, StackValue ctx, StackValue out, Stack sp);

// Finishes the weave: a dormant one is released at once, a suspended one is
// unwound (and waited for), a finished one is left alone. From inside the
// weave itself it takes effect at the weave's next yield.
void weave_cancel(WeaveCore* core);

}  // namespace seq
