#include "core/sched/fiber.hpp"

#include <pthread.h>

#include <cstdlib>

#if defined(SEQ_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(SEQ_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace seq {

namespace bc = boost::context::detail;

fcontext_t fiber_make(void* bottom, size_t size, void (*fn)(transfer_t)) {
    return bc::make_fcontext(static_cast<char*>(bottom) + size, size, fn);
}

#if defined(SEQ_ASAN) || defined(SEQ_TSAN)
transfer_t fiber_jump(fcontext_t to, void* data, FiberSan& from, const FiberSan& target) {
#if defined(SEQ_ASAN)
    __sanitizer_start_switch_fiber(&from.fake_stack, target.stack_bottom, target.stack_size);
#endif
#if defined(SEQ_TSAN)
    __tsan_switch_to_fiber(target.tsan_fiber, 0);
#endif
    (void)from;
    (void)target;
    transfer_t t = bc::jump_fcontext(to, data);
#if defined(SEQ_ASAN)
    __sanitizer_finish_switch_fiber(from.fake_stack, nullptr, nullptr);
#endif
    return t;
}
#endif

void fiber_started(FiberSan& self) {
#if defined(SEQ_ASAN)
    __sanitizer_finish_switch_fiber(self.fake_stack, nullptr, nullptr);
#endif
    (void)self;
}

void fiber_exit(fcontext_t to, void* data, FiberSan& self, const FiberSan& target) {
#if defined(SEQ_ASAN)
    // nullptr: this fiber's fake stack is gone for good.
    __sanitizer_start_switch_fiber(nullptr, target.stack_bottom, target.stack_size);
#endif
#if defined(SEQ_TSAN)
    __tsan_switch_to_fiber(target.tsan_fiber, 0);
#endif
    (void)self;
    (void)target;
    bc::jump_fcontext(to, data);
    std::abort();  // a finished fiber is never resumed
}

void fiber_san_create(FiberSan& f, const void* bottom, size_t size, void** tsan_cache) {
    f.stack_bottom = bottom;
    f.stack_size = size;
    f.fake_stack = nullptr;
#if defined(SEQ_TSAN)
    if (!*tsan_cache) *tsan_cache = __tsan_create_fiber(0);
    f.tsan_fiber = *tsan_cache;
#endif
    (void)tsan_cache;
}

void fiber_san_release(void** tsan_cache) {
#if defined(SEQ_TSAN)
    if (*tsan_cache) __tsan_destroy_fiber(*tsan_cache);
#endif
    *tsan_cache = nullptr;
}

void fiber_san_thread(FiberSan& f) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void* addr = nullptr;
        size_t size = 0;
        pthread_attr_getstack(&attr, &addr, &size);
        f.stack_bottom = addr;
        f.stack_size = size;
        pthread_attr_destroy(&attr);
    }
#if defined(SEQ_TSAN)
    f.tsan_fiber = __tsan_get_current_fiber();
#endif
}

}  // namespace seq
