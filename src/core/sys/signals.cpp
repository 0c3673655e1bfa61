#include "core/sys/signals.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/fatal.hpp"

namespace seq {

namespace {

static_assert(std::atomic<bool>::is_always_lock_free, "signal handlers need lock-free flags");
static_assert(std::atomic<void (*)()>::is_always_lock_free);

// Set by the handler, cleared by the program (the only state a handler
// touches besides the termination hook pointer).
std::atomic<bool> g_flags[kMaxSignal];
std::atomic<void (*)()> g_hook{nullptr};

// Everything below is guarded by g_mu (never touched by a handler).
std::mutex g_mu;
bool g_claimed[kMaxSignal];      // the program's trap/ignore governs
bool g_has_runtime[kMaxSignal];  // the runtime registered a policy
struct sigaction g_runtime_action[kMaxSignal];
bool g_guarded[kMaxSignal];  // on_terminate installed by the terminal guard

// Signals whose default action kills the process and that raw mode guards.
constexpr int kGuardable[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGABRT};

bool guardable(int sig) {
    for (int s : kGuardable)
        if (s == sig) return true;
    return false;
}

bool is_fault_signal(int sig) {
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE;
}

void on_flag(int sig) {
    if (sig > 0 && sig < kMaxSignal) g_flags[sig].store(true, std::memory_order_release);
}

void on_terminate(int sig) {
    int saved = errno;
    if (void (*hook)() = g_hook.load(std::memory_order_acquire)) hook();
    // Die as the default action would: the signal is blocked while this
    // handler runs, so the raised one is delivered when it returns.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, nullptr);
    raise(sig);
    errno = saved;
}

struct sigaction simple_action(void (*handler)(int), int flags) {
    struct sigaction sa {};
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    return sa;
}

void check_signal(int sig, const char* word) {
    if (sig < 0 || sig >= kMaxSignal) fatal(word, "invalid signal number %d", sig);
    if (is_fault_signal(sig))
        fatal(word, "signal %d (SIG%s) is a fault signal the runtime handles itself", sig,
              sigabbrev_np(sig));
}

void install_or_die(int sig, const struct sigaction& sa, const char* word, const char* what) {
    if (sigaction(sig, &sa, nullptr) != 0) {
        int err = errno;
        fatal(word, "failed to %s signal %d: %s", what, sig, strerror(err));
    }
}

}  // namespace

void signal_trap(int sig, const char* word) {
    check_signal(sig, word);
    std::lock_guard<std::mutex> lock(g_mu);
    install_or_die(sig, simple_action(on_flag, SA_RESTART), word, "install handler for");
    g_claimed[sig] = true;
    g_guarded[sig] = false;
}

void signal_ignore(int sig, const char* word) {
    check_signal(sig, word);
    std::lock_guard<std::mutex> lock(g_mu);
    install_or_die(sig, simple_action(SIG_IGN, 0), word, "ignore");
    g_claimed[sig] = true;
    g_guarded[sig] = false;
}

void signal_default(int sig, const char* word) {
    check_signal(sig, word);
    std::lock_guard<std::mutex> lock(g_mu);
    // Every branch asks sigaction, which refuses 0, SIGKILL and SIGSTOP.
    bool guard = false;
    if (g_has_runtime[sig]) {
        install_or_die(sig, g_runtime_action[sig], word, "restore default handler for");
    } else if (g_hook.load(std::memory_order_relaxed) && guardable(sig)) {
        install_or_die(sig, simple_action(on_terminate, 0), word, "restore default handler for");
        guard = true;
    } else {
        install_or_die(sig, simple_action(SIG_DFL, 0), word, "restore default handler for");
    }
    // The signal is the runtime's again: a later scheduler_init may install
    // the runtime's policy.
    g_claimed[sig] = false;
    g_guarded[sig] = guard;
}

bool signal_take(int sig) {
    return g_flags[sig].exchange(false, std::memory_order_acquire);
}

bool signal_peek(int sig) {
    return g_flags[sig].load(std::memory_order_acquire);
}

void signal_clear(int sig) {
    g_flags[sig].store(false, std::memory_order_release);
}

void signal_raise_flag(int sig) {
    if (sig > 0 && sig < kMaxSignal) g_flags[sig].store(true, std::memory_order_release);
}

bool signal_claimed_by_program(int sig) {
    if (sig < 0 || sig >= kMaxSignal) return false;
    std::lock_guard<std::mutex> lock(g_mu);
    return g_claimed[sig];
}

void install_runtime_signal(int sig, const struct sigaction& action) {
    if (sig <= 0 || sig >= kMaxSignal) {
        sigaction(sig, &action, nullptr);
        return;
    }
    std::lock_guard<std::mutex> lock(g_mu);
    g_has_runtime[sig] = true;
    g_runtime_action[sig] = action;
    if (g_claimed[sig]) return;  // the program's choice wins
    sigaction(sig, &action, nullptr);
    g_guarded[sig] = false;
}

void set_termination_hook(void (*hook)()) {
    std::lock_guard<std::mutex> lock(g_mu);
    g_hook.store(hook, std::memory_order_release);
    for (int sig : kGuardable) {
        struct sigaction cur;
        if (sigaction(sig, nullptr, &cur) != 0) continue;
        bool is_dfl = !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_DFL;
        bool is_ours = !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == on_terminate;
        if (hook && is_dfl && !g_claimed[sig]) {
            struct sigaction sa = simple_action(on_terminate, 0);
            sigaction(sig, &sa, nullptr);
            g_guarded[sig] = true;
        } else if (!hook && g_guarded[sig]) {
            if (is_ours) {
                struct sigaction sa = simple_action(SIG_DFL, 0);
                sigaction(sig, &sa, nullptr);
            }
            g_guarded[sig] = false;
        }
    }
}

}  // namespace seq
