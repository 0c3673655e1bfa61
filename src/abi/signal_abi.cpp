// Signal words (seq-runtime 5.4.0 signal.rs): flag-based, polled by the
// program. Dispositions and their coordination with the runtime's own
// handlers are in core/signals.
#include "abi/abi.hpp"
#include "core/sys/signals.hpp"
#include "seq/runtime_system.h"

using namespace seq;

namespace {

// Pops a signal number the flag words accept, or aborts naming `word`.
int pop_signal(Stack& sp, const char* word) {
    int64_t n = pop_int(sp, word);
    if (n < 0 || n >= kMaxSignal)
        fatal(word, "invalid signal number %lld", static_cast<long long>(n));
    return static_cast<int>(n);
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_signal_trap(seq_stack_t sp) {
    signal_trap(pop_signal(sp, "signal.trap"), "signal.trap");
    return sp;
}

SEQ_API seq_stack_t patch_seq_signal_received(seq_stack_t sp) {
    int sig = pop_signal(sp, "signal.received?");
    return push(sp, make_bool(signal_take(sig)));
}

SEQ_API seq_stack_t patch_seq_signal_pending(seq_stack_t sp) {
    int sig = pop_signal(sp, "signal.pending?");
    return push(sp, make_bool(signal_peek(sig)));
}

SEQ_API seq_stack_t patch_seq_signal_default(seq_stack_t sp) {
    signal_default(pop_signal(sp, "signal.default"), "signal.default");
    return sp;
}

SEQ_API seq_stack_t patch_seq_signal_ignore(seq_stack_t sp) {
    signal_ignore(pop_signal(sp, "signal.ignore"), "signal.ignore");
    return sp;
}

SEQ_API seq_stack_t patch_seq_signal_clear(seq_stack_t sp) {
    signal_clear(pop_signal(sp, "signal.clear"));
    return sp;
}

SEQ_API seq_stack_t patch_seq_signal_sigint(seq_stack_t sp) {
    return push(sp, make_int(SIGINT));
}
SEQ_API seq_stack_t patch_seq_signal_sigterm(seq_stack_t sp) {
    return push(sp, make_int(SIGTERM));
}
SEQ_API seq_stack_t patch_seq_signal_sighup(seq_stack_t sp) {
    return push(sp, make_int(SIGHUP));
}
SEQ_API seq_stack_t patch_seq_signal_sigpipe(seq_stack_t sp) {
    return push(sp, make_int(SIGPIPE));
}
SEQ_API seq_stack_t patch_seq_signal_sigusr1(seq_stack_t sp) {
    return push(sp, make_int(SIGUSR1));
}
SEQ_API seq_stack_t patch_seq_signal_sigusr2(seq_stack_t sp) {
    return push(sp, make_int(SIGUSR2));
}
SEQ_API seq_stack_t patch_seq_signal_sigchld(seq_stack_t sp) {
    return push(sp, make_int(SIGCHLD));
}
SEQ_API seq_stack_t patch_seq_signal_sigalrm(seq_stack_t sp) {
    return push(sp, make_int(SIGALRM));
}
SEQ_API seq_stack_t patch_seq_signal_sigcont(seq_stack_t sp) {
    return push(sp, make_int(SIGCONT));
}

}  // extern "C"
