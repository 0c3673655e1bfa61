#include "core/sched/preempt.hpp"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/fatal.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SEQ_PREEMPT_UNAVAILABLE 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || !defined(__x86_64__) || !defined(__linux__)
#define SEQ_PREEMPT_UNAVAILABLE 1
#endif

namespace seq {

namespace {

// The runtime's own seq_* functions (every seq_ name in the public headers,
// generated at configure time): these are never compiled Seq code.
constexpr std::string_view kOwnNames[] = {
#include "generated/seq_own_names.inc"
};

struct CodeRange {
    uintptr_t begin, end;
};
// Sorted by begin, written once by preempt_start before the handler is
// installed, read-only afterwards (the handler only reads).
std::vector<CodeRange> g_ranges;
std::atomic<bool> g_active{false};
std::atomic<uint64_t> g_signals{0};
std::atomic<uint64_t> g_yields{0};
struct sigaction g_previous;

constexpr int kPreemptSignal = SIGURG;

bool own_name(std::string_view name) {
    return std::binary_search(std::begin(kOwnNames), std::end(kOwnNames), name);
}

// The load bias of the main program (0 for a non-PIE executable).
uintptr_t main_program_bias() {
    uintptr_t bias = 0;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* out) {
            *static_cast<uintptr_t*>(out) = info->dlpi_addr;
            return 1;  // the first object is the main program
        },
        &bias);
    return bias;
}

// Reads the executable's .symtab: the seq_* functions that are not ours.
// Unused where preemption is unavailable (TSan).
[[maybe_unused]] std::vector<CodeRange> scan_compiled_code() {
    std::vector<CodeRange> out;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    struct stat st {};
    if (fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(Elf64_Ehdr))) {
        close(fd);
        return out;
    }
    size_t size = static_cast<size_t>(st.st_size);
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return out;
    const auto* base = static_cast<const unsigned char*>(map);
    const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(base);
    auto in_file = [&](uint64_t off, uint64_t len) { return off <= size && len <= size - off; };
    if (std::memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
        in_file(eh->e_shoff, uint64_t{eh->e_shnum} * sizeof(Elf64_Shdr))) {
        const auto* sh = reinterpret_cast<const Elf64_Shdr*>(base + eh->e_shoff);
        uintptr_t bias = main_program_bias();
        for (unsigned i = 0; i < eh->e_shnum; ++i) {
            if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
            const Elf64_Shdr& strtab = sh[sh[i].sh_link];
            if (!in_file(sh[i].sh_offset, sh[i].sh_size) ||
                !in_file(strtab.sh_offset, strtab.sh_size))
                continue;
            const auto* syms = reinterpret_cast<const Elf64_Sym*>(base + sh[i].sh_offset);
            size_t count = sh[i].sh_size / sizeof(Elf64_Sym);
            const char* names = reinterpret_cast<const char*>(base + strtab.sh_offset);
            for (size_t k = 0; k < count; ++k) {
                const Elf64_Sym& s = syms[k];
                if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_size == 0 ||
                    s.st_shndx == SHN_UNDEF || s.st_name >= strtab.sh_size)
                    continue;
                std::string_view name(names + s.st_name,
                                      strnlen(names + s.st_name, strtab.sh_size - s.st_name));
                if (name.substr(0, 4) != "seq_" || own_name(name)) continue;
                out.push_back({bias + s.st_value, bias + s.st_value + s.st_size});
            }
        }
    }
    munmap(map, size);
    std::sort(out.begin(), out.end(),
              [](const CodeRange& a, const CodeRange& b) { return a.begin < b.begin; });
    return out;
}

bool in_compiled_code(uintptr_t pc) {
    auto it = std::upper_bound(g_ranges.begin(), g_ranges.end(), pc,
                               [](uintptr_t p, const CodeRange& r) { return p < r.begin; });
    return it != g_ranges.begin() && pc < std::prev(it)->end;
}

#if !defined(SEQ_PREEMPT_UNAVAILABLE)
void on_preempt_signal(int, siginfo_t*, void* raw) {
    int saved_errno = errno;
    auto* uc = static_cast<ucontext_t*>(raw);
    auto pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
    // Compiled code holds no lock and is between two runtime calls: yielding
    // here is what a maybe_yield at this instruction would do.
    if (in_compiled_code(pc) && current_strand()) {
        g_yields.fetch_add(1, std::memory_order_relaxed);
        yield_to_loop();
        // Resumed, perhaps on another worker: sigreturn restores the
        // alternate signal stack and the mask saved in the frame, which are
        // the previous thread's. Give it this thread's.
        stack_t ss{};
        if (sigaltstack(nullptr, &ss) == 0) {
            ss.ss_flags &= ~SS_ONSTACK;
            uc->uc_stack = ss;
        }
        pthread_sigmask(SIG_SETMASK, nullptr, &uc->uc_sigmask);
    }
    errno = saved_errno;
}
#endif

}  // namespace

bool preempt_start(uint64_t preempt_ms) {
#if defined(SEQ_PREEMPT_UNAVAILABLE)
    (void)preempt_ms;
    return false;
#else
    if (preempt_ms == 0 || g_active.load()) return g_active.load();
    if (g_ranges.empty()) g_ranges = scan_compiled_code();
    if (g_ranges.empty()) return false;  // a host program: nothing to interrupt
    struct sigaction sa {};
    sa.sa_sigaction = on_preempt_signal;
    sigemptyset(&sa.sa_mask);
    // SA_NODEFER: the handler switches away and the thread goes on running
    // other strands; with the signal blocked it could not be preempted again.
    // SA_RESTART: an interrupted system call in a strand resumes.
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
    if (sigaction(kPreemptSignal, &sa, &g_previous) != 0) return false;
    g_active.store(true);
    return true;
#endif
}

void preempt_stop() {
    if (!g_active.exchange(false)) return;
    // A signal still in flight meets the previous disposition (SIGURG's
    // default is to ignore it). The ranges stay: a later start reuses them.
    sigaction(kPreemptSignal, &g_previous, nullptr);
}

bool preempt_active() {
    return g_active.load(std::memory_order_relaxed);
}

void preempt_interrupt(Worker& w) {
    if (!g_active.load(std::memory_order_relaxed)) return;
    g_signals.fetch_add(1, std::memory_order_relaxed);
    pthread_kill(w.native_thread(), kPreemptSignal);
}

uint64_t preempt_signals_sent() {
    return g_signals.load(std::memory_order_relaxed);
}

uint64_t preempt_yields() {
    return g_yields.load(std::memory_order_relaxed);
}

size_t preempt_code_functions() {
    return g_ranges.size();
}

bool preempt_covers(const void* pc) {
    return in_compiled_code(reinterpret_cast<uintptr_t>(pc));
}

}  // namespace seq
