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
#include <string>
#include <string_view>
#include <vector>

#include "core/fatal.hpp"
#include "core/sched/handoff.hpp"
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
// The executable text of foreign libraries (core/sched/handoff): sorted,
// written once by the first preempt_start, read-only afterwards.
std::vector<CodeRange> g_foreign;
// The executable's own text (the runtime, a host's code, compiled Seq code):
// sorted, written with g_foreign.
std::vector<CodeRange> g_exe;
[[maybe_unused]] bool g_foreign_scanned = false;
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

// Reads the executable's .symtab: the seq_* functions that are not ours;
// and, into `needed`, the libraries its .dynamic section names (DT_NEEDED).
// Unused where preemption is unavailable (TSan).
[[maybe_unused]] std::vector<CodeRange> scan_compiled_code(std::vector<std::string>* needed) {
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
            if (sh[i].sh_type == SHT_DYNAMIC && sh[i].sh_link < eh->e_shnum) {
                const Elf64_Shdr& strtab = sh[sh[i].sh_link];
                if (!in_file(sh[i].sh_offset, sh[i].sh_size) ||
                    !in_file(strtab.sh_offset, strtab.sh_size))
                    continue;
                const auto* dyn = reinterpret_cast<const Elf64_Dyn*>(base + sh[i].sh_offset);
                const char* names = reinterpret_cast<const char*>(base + strtab.sh_offset);
                for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Dyn); ++k)
                    if (dyn[k].d_tag == DT_NEEDED && dyn[k].d_un.d_val < strtab.sh_size)
                        needed->emplace_back(
                            names + dyn[k].d_un.d_val,
                            strnlen(names + dyn[k].d_un.d_val, strtab.sh_size - dyn[k].d_un.d_val));
                continue;
            }
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

bool in_ranges(const std::vector<CodeRange>& ranges, uintptr_t pc) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), pc,
                               [](uintptr_t p, const CodeRange& r) { return p < r.begin; });
    return it != ranges.begin() && pc < std::prev(it)->end;
}

bool in_compiled_code(uintptr_t pc) {
    return in_ranges(g_ranges, pc);
}

bool in_foreign_code(uintptr_t pc) {
    return in_ranges(g_foreign, pc);
}

// Libraries the runtime itself calls (or a sanitizer interposes), matched by
// the start of the file name: their code may run with a runtime frame above
// it that holds a Worker*, so a strand found there is never handed off.
constexpr std::string_view kRuntimeLibraries[] = {
    "ld-linux",       "linux-vdso", "libc.",     "libc-",    "libm.",     "libm-",     "libmvec",
    "libpthread",     "libdl.",     "libdl-",    "librt.",   "librt-",    "libresolv", "libnss",
    "libanl",         "libutil",    "libstdc++", "libgcc_s", "libatomic", "libuv",     "libssl",
    "libcrypto",      "libz.",      "libzstd",   "libre2",   "libpcre",   "libcurl",   "libboost",
    "libseq_runtime", "libasan",    "libubsan",  "libtsan",  "liblsan",   "libgtest",  "libgmock",
};

// Foreign code: the executable text (PT_LOAD, PF_X) of every library loaded
// now that the executable links directly (DT_NEEDED: seqc's FFI libraries)
// and that is not one the runtime calls. A library loaded later (dlopen) is
// not covered; neither is a dependency only another library links (its
// caller may be the runtime, e.g. libcurl's).
[[maybe_unused]] std::vector<CodeRange> scan_foreign_code(const std::vector<std::string>& needed) {
    struct Scan {
        const std::vector<std::string>* needed;
        std::vector<CodeRange> out;
    } scan{&needed, {}};
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* arg) {
            auto* sc = static_cast<Scan*>(arg);
            std::string_view path = info->dlpi_name ? info->dlpi_name : "";
            std::string_view file = path.substr(path.rfind('/') + 1);
            if (file.empty()) return 0;  // the executable itself
            for (std::string_view lib : kRuntimeLibraries)
                if (file.substr(0, lib.size()) == lib) return 0;
            bool linked = false;
            for (const std::string& n : *sc->needed)
                linked = linked || file == n;
            if (!linked) return 0;
            for (unsigned i = 0; i < info->dlpi_phnum; ++i) {
                const ElfW(Phdr)& ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
                uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
                sc->out.push_back({begin, begin + ph.p_memsz});
            }
            return 0;
        },
        &scan);
    std::sort(scan.out.begin(), scan.out.end(),
              [](const CodeRange& a, const CodeRange& b) { return a.begin < b.begin; });
    return scan.out;
}

// The executable text of the main program.
[[maybe_unused]] std::vector<CodeRange> scan_executable_text() {
    std::vector<CodeRange> out;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* arg) {
            auto* o = static_cast<std::vector<CodeRange>*>(arg);
            for (unsigned i = 0; i < info->dlpi_phnum; ++i) {
                const ElfW(Phdr)& ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
                uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
                o->push_back({begin, begin + ph.p_memsz});
            }
            return 1;  // the first object is the main program
        },
        &out);
    std::sort(out.begin(), out.end(),
              [](const CodeRange& a, const CodeRange& b) { return a.begin < b.begin; });
    return out;
}

const CodeRange* range_of(const std::vector<CodeRange>& ranges, uintptr_t pc) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), pc,
                               [](uintptr_t p, const CodeRange& r) { return p < r.begin; });
    return it != ranges.begin() && pc < std::prev(it)->end ? &*std::prev(it) : nullptr;
}

// x86-64: whether the instruction that ends at `ret` (inside `code`) is a
// call, i.e. whether `ret` can be a return address: E8 rel32, or FF /2
// (call through a register or memory: 2, 3, 4 or 6 bytes; a REX prefix
// before it changes nothing here). A value on the stack that passes is a
// return address or, rarely, a stale one; see caller_is_foreign.
bool follows_a_call(uintptr_t ret, const CodeRange& code) {
    if (ret < code.begin + 7 || ret > code.end) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(ret);
    auto call_modrm = [](unsigned char m) { return ((m >> 3) & 7) == 2; };
    auto mod = [](unsigned char m) { return m >> 6; };
    auto rm = [](unsigned char m) { return m & 7; };
    if (p[-5] == 0xE8) return true;
    if (p[-2] == 0xFF && call_modrm(p[-1]) &&
        (mod(p[-1]) == 3 || (mod(p[-1]) == 0 && rm(p[-1]) != 4 && rm(p[-1]) != 5)))
        return true;  // call *%reg, call *(%reg)
    if (p[-3] == 0xFF && call_modrm(p[-2]) && mod(p[-2]) == 1 && rm(p[-2]) != 4)
        return true;  // call *d8(%reg)
    if (p[-4] == 0xFF && call_modrm(p[-3]) && mod(p[-3]) == 1 && rm(p[-3]) == 4)
        return true;  // call *d8(%reg,%idx,s)
    if (p[-6] == 0xFF && call_modrm(p[-5]) &&
        (mod(p[-5]) == 2 || (mod(p[-5]) == 0 && rm(p[-5]) == 5)))
        return true;  // call *d32(%reg), call *foo@GOTPCREL(%rip)
    return false;
}

// The strand stopped outside the executable and the foreign libraries: in
// libc, say, blocked in a system call. Who called it? Walks the strand's
// stack up from the interrupted stack pointer to the first word that is a
// return address into the executable or a foreign library. Foreign code,
// or compiled Seq code (an FFI wrapper calling libc itself), means nothing
// of the runtime is below on the stack (the runtime is never called from
// foreign code, and no runtime frame keeps a Worker* across compiled code),
// so the worker may go to a spare exactly as for foreign code; the
// runtime's code or a host's means no. Bounded by the strand's stack and
// kScanBytes; reads only this thread's stack and mapped text. Not
// instrumented: the words it reads include other frames' redzones.
constexpr size_t kScanBytes = 64 * 1024;
[[maybe_unused]] __attribute__((no_sanitize("address"))) bool caller_is_foreign(uintptr_t sp,
                                                                                const Strand* x) {
    const FiberStack* fs = x->stack;
    if (!fs) return false;
    auto lo = reinterpret_cast<uintptr_t>(fs->bottom);
    uintptr_t hi = lo + fs->size;
    if (sp < lo || sp >= hi) return false;
    hi = std::min(hi, sp + kScanBytes);
    for (uintptr_t a = sp & ~uintptr_t{7}; a + sizeof(uintptr_t) <= hi; a += sizeof(uintptr_t)) {
        uintptr_t v = *reinterpret_cast<const uintptr_t*>(a);
        if (const CodeRange* r = range_of(g_foreign, v)) {
            if (follows_a_call(v, *r)) return true;
        } else if (const CodeRange* e = range_of(g_exe, v)) {
            if (follows_a_call(v, *e)) return in_compiled_code(v);
        }
    }
    return false;
}

#if !defined(SEQ_PREEMPT_UNAVAILABLE)
void on_preempt_signal(int, siginfo_t*, void* raw) {
    int saved_errno = errno;
    auto* uc = static_cast<ucontext_t*>(raw);
    auto pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
    Strand* cur = current_strand();
    if (cur && cur->section_depth) {
        // In a blocking section the monitor hands the worker off itself.
        errno = saved_errno;
        return;
    }
    // Compiled code holds no lock and is between two runtime calls: yielding
    // here is what a maybe_yield at this instruction would do.
    if (in_compiled_code(pc) && cur) {
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
    } else if (in_foreign_code(pc) ||
               (cur && handoff_enabled() && !range_of(g_exe, pc) &&
                caller_is_foreign(static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]), cur))) {
        // Foreign code never calls back into Seq: this thread cannot touch
        // its worker before the strand comes back, so a spare may run it.
        Worker* w = attached_worker();
        Strand* x = cur;
        if (w && x && w->running == x && !handoff_release_from_signal(w, x) && handoff_enabled())
            w->foreign_seen.store(true, std::memory_order_relaxed);
    }
    errno = saved_errno;
}
#endif

}  // namespace

bool preempt_start(uint64_t preempt_ms, bool handoff) {
#if defined(SEQ_PREEMPT_UNAVAILABLE)
    (void)preempt_ms;
    (void)handoff;
    return false;
#else
    if (preempt_ms == 0 || g_active.load()) return g_active.load();
    if (!g_foreign_scanned) {
        std::vector<std::string> needed;
        g_ranges = scan_compiled_code(&needed);
        g_foreign = scan_foreign_code(needed);
        g_exe = scan_executable_text();
        g_foreign_scanned = true;
    }
    if (g_ranges.empty()) return false;  // a host program: nothing to interrupt
    // Also without foreign libraries: compiled code may call libc itself
    // (an FFI binding of a libc function), found by caller_is_foreign.
    handoff_enable(handoff);
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
    handoff_enable(false);
    // A signal still in flight meets the previous disposition (SIGURG's
    // default is to ignore it). The ranges stay: a later start reuses them.
    sigaction(kPreemptSignal, &g_previous, nullptr);
}

bool preempt_active() {
    return g_active.load(std::memory_order_relaxed);
}

void preempt_interrupt(Worker& w) {
    if (!g_active.load(std::memory_order_relaxed)) return;
    pthread_t t = w.native_thread();
    if (t == 0) return;  // released, not adopted yet
    g_signals.fetch_add(1, std::memory_order_relaxed);
    pthread_kill(t, kPreemptSignal);
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

size_t preempt_foreign_ranges() {
    return g_foreign.size();
}

bool preempt_covers_foreign(const void* pc) {
    return in_foreign_code(reinterpret_cast<uintptr_t>(pc));
}

bool preempt_return_address_is_call(const void* ret) {
    auto r = reinterpret_cast<uintptr_t>(ret);
    const CodeRange* c = range_of(g_foreign, r);
    if (!c) c = range_of(g_exe, r);
    return c && follows_a_call(r, *c);
}

}  // namespace seq
