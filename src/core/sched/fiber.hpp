// The context-switch layer: Boost.Context's fcontext primitives plus the
// annotations AddressSanitizer and ThreadSanitizer need to follow a stack
// switch (without them ASan reports false stack-buffer errors and TSan loses
// track of happens-before across strands).
//
// Only two kinds of switch exist: a worker resumes a strand, and a strand
// suspends back to its worker. Each side keeps a FiberSan record describing
// its own stack for the sanitizers.
#pragma once

#include <boost/context/detail/fcontext.hpp>
#include <cstddef>

namespace seq {

using boost::context::detail::fcontext_t;
using boost::context::detail::transfer_t;

struct FiberSan {
    const void* stack_bottom = nullptr;  // lowest address of the stack
    size_t stack_size = 0;
    void* fake_stack = nullptr;  // ASan's per-fiber fake-stack handle
    void* tsan_fiber = nullptr;  // TSan's fiber context
};

// Creates a context at the top of [bottom, bottom + size) that starts in `fn`.
fcontext_t fiber_make(void* bottom, size_t size, void (*fn)(transfer_t));

// Switches from the fiber described by `from` to `to`, passing `data`.
// Returns what the other side passes back when it switches here again.
#if defined(SEQ_ASAN) || defined(SEQ_TSAN)
transfer_t fiber_jump(fcontext_t to, void* data, FiberSan& from, const FiberSan& target);
#else
// Without sanitizers this is the bare jump, inlined into the switch paths.
inline transfer_t fiber_jump(fcontext_t to, void* data, FiberSan&, const FiberSan&) {
    return boost::context::detail::jump_fcontext(to, data);
}
#endif

// Called first thing on a new fiber (completes the switch for ASan).
void fiber_started(FiberSan& self);
// Final switch away from a fiber that will never run again.
[[noreturn]] void fiber_exit(fcontext_t to, void* data, FiberSan& self, const FiberSan& target);

// Sanitizer bookkeeping for fibers and threads. TSan's fiber contexts count
// against its thread limit (8128 in this toolchain), so one is kept per
// stack in `*tsan_cache` and reused by every strand that runs on that stack;
// fiber_san_release frees it when the stack itself goes away.
void fiber_san_create(FiberSan& f, const void* bottom, size_t size, void** tsan_cache);
void fiber_san_release(void** tsan_cache);
void fiber_san_thread(FiberSan& f);  // describe the calling thread's own stack

}  // namespace seq
