#include "core/sched/handoff.hpp"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/assert.hpp"
#include "core/fatal.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "core/sched/yield_valve.hpp"

namespace seq {

namespace {

// The strand this thread runs while it has no worker (null: attached, or
// not a worker thread at all).
constinit thread_local Strand* t_detached = nullptr;

// More threads than this and the monitor stops making spares: a handoff
// then waits for a thread to come back.
constexpr size_t kMaxThreads = 256;

struct Threads {
    std::mutex mu;
    std::vector<std::thread> all;  // every thread started, joined at shutdown
};
// Never destroyed: an at-exit shutdown may run after static destructors.
Threads& threads() {
    static auto* t = new Threads;
    return *t;
}

std::atomic<bool> g_enabled{false};
std::atomic<bool> g_sections{false};
std::atomic<bool> g_stopping{false};
// Spare threads waiting that no release has claimed yet. A release claims
// one (a CAS, async-signal-safe) before it publishes its worker, so every
// released worker has a thread on its way; the monitor counts a spare it
// starts at once, before the thread runs.
std::atomic<int> g_available{0};
// Released workers not yet adopted: pushed by signal handlers (lock-free),
// popped by spares one at a time under g_pop_mu, so a pop never meets ABA.
std::atomic<Worker*> g_released{nullptr};
std::mutex g_pop_mu;
sem_t g_spare_sem;
std::once_flag g_sem_once;

std::atomic<uint64_t> g_releases{0};
std::atomic<uint64_t> g_reattaches{0};
std::atomic<uint64_t> g_detached{0};

sem_t& spare_sem() {
    std::call_once(g_sem_once, [] { sem_init(&g_spare_sem, 0, 0); });
    return g_spare_sem;
}

Worker* pop_released() {
    std::lock_guard<std::mutex> lock(g_pop_mu);
    Worker* head = g_released.load(std::memory_order_acquire);
    while (head &&
           !g_released.compare_exchange_weak(head, head->released_next, std::memory_order_acquire,
                                             std::memory_order_acquire)) {
    }
    if (head) head->released_next = nullptr;
    return head;
}

// A spare: waits until a worker is released (returns it) or the scheduler
// stops (returns null). `counted`: g_available already counts this thread.
Worker* wait_for_released(bool counted) {
    if (!counted) g_available.fetch_add(1, std::memory_order_acq_rel);
    sem_t& sem = spare_sem();
    for (;;) {
        while (sem_wait(&sem) != 0 && errno == EINTR) {
        }
        if (Worker* w = pop_released()) return w;
        if (g_stopping.load(std::memory_order_acquire)) {
            // Leave only if no release has claimed this thread's place; if
            // one has, its worker and its post are on the way.
            int n = g_available.load(std::memory_order_acquire);
            while (n > 0 && !g_available.compare_exchange_weak(n, n - 1, std::memory_order_acq_rel))
                ;
            if (n > 0) return nullptr;
        }
    }
}

// What every thread of the scheduler sets up for itself: its stack's
// sanitizer record and an alternate signal stack, so the SIGSEGV handler can
// run when a strand hits its guard page (the faulting stack is unusable).
class ThreadSetup {
  public:
    ThreadSetup() {
        fiber_san_thread(thread_san());
        // mmap, not malloc: a process that exits from a strand (os.exit)
        // has this frame on a stack LeakSanitizer does not scan.
        stack_t ss{};
        ss.ss_size = kSigStackBytes;
        sigstack_ = mmap(nullptr, kSigStackBytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (sigstack_ == MAP_FAILED) {
            sigstack_ = nullptr;
            return;  // no overflow report on this thread; everything else works
        }
        ss.ss_sp = sigstack_;
        sigaltstack(&ss, nullptr);
    }
    ~ThreadSetup() {
        stack_t ss{};
        ss.ss_flags = SS_DISABLE;
        if (!sigstack_) return;
        sigaltstack(&ss, nullptr);
        munmap(sigstack_, kSigStackBytes);
    }
    ThreadSetup(const ThreadSetup&) = delete;
    ThreadSetup& operator=(const ThreadSetup&) = delete;

  private:
    static constexpr size_t kSigStackBytes = 64 * 1024;
    void* sigstack_ = nullptr;
};

// A scheduler thread: runs `w` (null: starts as a spare), and every worker
// it adopts after losing one, until one stops here or the scheduler stops.
void thread_main(Worker* w) {
    ThreadSetup setup;
    bool counted = (w == nullptr);  // the monitor counted this spare already
    for (;;) {
        if (!w) {
            w = wait_for_released(counted);
            counted = false;
            if (!w) return;
        }
        detail::t_worker = w;
        w->thread.store(pthread_self(), std::memory_order_release);
        if (w->run_loop() == Worker::LoopEnd::Stopped) {
            w->close_loop();
            detail::t_worker = nullptr;
            return;
        }
        // Lost to a spare; the strand that was in foreign code is back on it.
        SEQ_ASSERT(detail::t_worker == nullptr && t_detached == nullptr,
                   "a thread that lost its worker still has one or a detached strand");
        w = nullptr;
    }
}

void start_thread(Worker* w) {
    Threads& t = threads();
    std::lock_guard<std::mutex> lock(t.mu);
    t.all.emplace_back(thread_main, w);
}

}  // namespace

void worker_thread_start(Worker* w) {
    spare_sem();  // initialised here: the signal handler posts it
    start_thread(w);
}

void worker_threads_join() {
    Threads& t = threads();
    g_stopping.store(true, std::memory_order_release);
    std::vector<std::thread> all;
    {
        std::lock_guard<std::mutex> lock(t.mu);
        all = std::move(t.all);
        t.all.clear();
    }
    // One post per thread: a spare wakes, finds nothing to adopt and leaves.
    for (size_t i = 0; i < all.size(); ++i)
        sem_post(&spare_sem());
    for (std::thread& th : all)
        th.join();
    SEQ_ASSERT(g_released.load() == nullptr, "a released worker was never adopted");
    while (sem_trywait(&spare_sem()) == 0) {
    }
    g_available.store(0);
    g_enabled.store(false);
    g_stopping.store(false, std::memory_order_release);
}

void handoff_enable(bool on) {
    g_enabled.store(on, std::memory_order_relaxed);
}

bool handoff_enabled() {
    return g_enabled.load(std::memory_order_relaxed);
}

namespace {

// Starts a spare thread, never more than kMaxThreads in all; false at the
// cap. `claimed`: the caller takes it at once (it is never counted as
// available); otherwise it joins the available ones. Either way the thread
// starts counted (thread_main does not add itself).
bool start_spare(bool claimed) {
    Threads& t = threads();
    std::lock_guard<std::mutex> lock(t.mu);
    if (t.all.size() >= kMaxThreads) return false;
    if (!claimed) g_available.fetch_add(1, std::memory_order_acq_rel);
    t.all.emplace_back(thread_main, nullptr);
    return true;
}

}  // namespace

void handoff_request(Worker& w) {
    if (!g_enabled.load(std::memory_order_relaxed)) return;
    if (g_available.load(std::memory_order_acquire) <= 0 && !start_spare(false)) return;
    w.handoff_requested.store(true, std::memory_order_relaxed);
}

namespace {

// Claims a waiting spare (a CAS, async-signal-safe): false if none waits.
bool claim_spare() {
    int n = g_available.load(std::memory_order_acquire);
    do {
        if (n <= 0) return false;
    } while (!g_available.compare_exchange_weak(n, n - 1, std::memory_order_acq_rel,
                                                std::memory_order_acquire));
    return true;
}

// W has no thread from here: publish it for the claimed spare. Its thread
// (or, for a blocking section, the monitor on its behalf) no longer touches
// it. Async-signal-safe.
void publish_released(Worker* w) {
    w->handoff_requested.store(false, std::memory_order_relaxed);
    w->running = nullptr;
    w->running_id.store(0, std::memory_order_relaxed);
    w->thread.store(0, std::memory_order_relaxed);
    g_releases.fetch_add(1, std::memory_order_relaxed);
    g_detached.fetch_add(1, std::memory_order_relaxed);
    Worker* head = g_released.load(std::memory_order_relaxed);
    do {
        w->released_next = head;
    } while (!g_released.compare_exchange_weak(head, w, std::memory_order_release,
                                               std::memory_order_relaxed));
    sem_post(&g_spare_sem);  // initialised: the monitor started a spare first
}

// This thread runs x only, with no worker (until x reattaches).
void detach_thread(Strand* x) {
    detail::t_worker = nullptr;
    t_detached = x;
    x->detached.store(true, std::memory_order_relaxed);
}

}  // namespace

bool handoff_release_from_signal(Worker* w, Strand* x) {
    if (!g_enabled.load(std::memory_order_relaxed) ||
        !w->handoff_requested.load(std::memory_order_relaxed) || !claim_spare())
        return false;
    detach_thread(x);
    publish_released(w);
    return true;
}

void handoff_sections_enable(bool on) {
    g_sections.store(on, std::memory_order_relaxed);
}

bool blocking_section_begin() {
    Strand* s = current_strand();
    if (!s) return false;
    if (s->section_depth++ > 0) return true;
    // A scheduler entry: back from a foreign call's handoff first.
    if (__builtin_expect(s->detached.load(std::memory_order_relaxed), 0)) reattach(s);
    if (!g_sections.load(std::memory_order_relaxed)) return true;  // SEQ_HANDOFF=0
    yield_valve_watch_sections();
    Worker* w = current_worker();
    // The thread gives up its claim on W now, as a foreign call's thread
    // does when it is handed off: whatever the section calls into the
    // runtime (current_worker, a switch) goes through reattach, which takes
    // W back, or goes to W's new thread if the monitor gave W away.
    s->section_worker = w;
    detach_thread(s);
    w->section.store(reinterpret_cast<uintptr_t>(s), std::memory_order_release);
    return true;
}

bool blocking_section_end() {
    Strand* s = current_strand();
    if (!s || s->section_depth == 0) return false;
    if (--s->section_depth > 0) return true;
    // Still published (no runtime call ended it early): take W back or go
    // to its new thread.
    if (s->section_worker) reattach(s);
    return true;
}

Worker* handoff_section_resume(Strand* s) {
    Worker* w = s->section_worker;
    if (!w) return nullptr;
    s->section_worker = nullptr;
    auto me = reinterpret_cast<uintptr_t>(s);
    // Only the monitor takes the value away while the section is open
    // (handoff_release_section): then W went to a spare and the strand
    // goes back to it the ordinary way; otherwise W is this thread's again.
    if (!w->section.compare_exchange_strong(me, 0, std::memory_order_acq_rel)) return nullptr;
    t_detached = nullptr;
    s->detached.store(false, std::memory_order_relaxed);
    detail::t_worker = w;
    return w;
}

bool handoff_release_section(Worker& w, uintptr_t section) {
    if (!g_sections.load(std::memory_order_relaxed)) return false;
    if (!claim_spare() && !start_spare(true)) return false;
    // The value is only ever compared, never dereferenced: the strand may
    // have ended by now. If it is still in w.section, a strand with that
    // record is inside a section on W at this moment.
    if (!w.section.compare_exchange_strong(section, 0, std::memory_order_acq_rel)) {
        // The section ended first: the spare waits for another release.
        g_available.fetch_add(1, std::memory_order_acq_rel);
        return false;
    }
    // The strand's thread has no claim on W since the section began (its
    // t_worker is null); handoff_section_resume finds the value gone.
    publish_released(&w);
    return true;
}

Worker* handoff_reattach_current() {
    Strand* x = t_detached;
    if (!x) return nullptr;
    // Called from a signal handler on the alternate stack (SIGSEGV): no
    // switch from there; the thread has no worker.
    const char* fp = static_cast<const char*>(__builtin_frame_address(0));
    if (fp < x->stack->bottom || fp >= x->stack->bottom + x->stack->size) return nullptr;
    return reattach(x);
}

void handoff_note_reattach(Strand* s) {
    SEQ_ASSERT(t_detached == s, "reattaching a strand that is not detached on this thread");
    (void)s;
    t_detached = nullptr;
    s->detached.store(false, std::memory_order_relaxed);
    g_reattaches.fetch_add(1, std::memory_order_relaxed);
    g_detached.fetch_sub(1, std::memory_order_relaxed);
}

uint64_t handoff_releases() {
    return g_releases.load(std::memory_order_relaxed);
}

uint64_t handoff_reattaches() {
    return g_reattaches.load(std::memory_order_relaxed);
}

uint64_t handoff_detached() {
    return g_detached.load(std::memory_order_relaxed);
}

unsigned handoff_threads() {
    Threads& t = threads();
    std::lock_guard<std::mutex> lock(t.mu);
    return static_cast<unsigned>(t.all.size());
}

}  // namespace seq
