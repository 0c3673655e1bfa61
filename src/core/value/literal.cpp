#include "core/value/literal.hpp"

#include <elf.h>
#include <link.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/value/immortal_table.hpp"

namespace seq {

namespace {

// ---- where the main program's read-only bytes are ------------------------------

struct Range {
    uintptr_t lo, hi;  // [lo, hi)
};

struct Segments {
    static constexpr int kMax = 8;
    Range r[kMax];
    int n = 0;
};

// The main executable is never unloaded and its non-writable PT_LOAD
// segments (.rodata, .text) are mapped read-only for the life of the
// process. RELRO data sits in a writable PT_LOAD and is left out, as are
// shared objects: dlclose could unmap them.
int collect_main_program(struct dl_phdr_info* info, size_t, void* out) {
    auto* segs = static_cast<Segments*>(out);
    for (int i = 0; i < info->dlpi_phnum && segs->n < Segments::kMax; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) || ph.p_memsz == 0) continue;
        uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
        segs->r[segs->n++] = {lo, lo + ph.p_memsz};
    }
    return 1;  // glibc visits the main program first; stop there
}

const Segments& main_rodata() {
    static const Segments segs = [] {
        Segments s;
        dl_iterate_phdr(collect_main_program, &s);
        return s;
    }();
    return segs;
}

// ---- the table: one immortal object per (ptr, len) -----------------------------

// One pointer may start literals of two lengths (a linker may merge "a" into
// the front of "a\0b"), so an entry matches on the pointer, then the length.
constexpr unsigned kLiteralBits = 14;  // 16384 literals
ImmortalTable<kLiteralBits> g_literals;

StringObj* make_immortal(const char* ptr, size_t len) {
    // The compiler terminates each literal with a NUL, so the object can use
    // the static bytes as they are; without one it keeps its own copy to
    // honour StringObj's NUL-terminated invariant.
    const bool terminated = ptr[len] == '\0';
    size_t bytes = sizeof(StringObj) + (terminated ? 0 : len + 1);
    auto* s = static_cast<StringObj*>(std::malloc(bytes));
    if (!s) throw std::bad_alloc();
    new (&s->rc) std::atomic<uint32_t>(1);
    s->kind = Kind::String;
    s->flags = kImmortal;
    s->aux = 0;
    s->len = len;
    if (terminated) {
        s->data = ptr;
    } else {
        std::memcpy(s->inline_bytes, ptr, len);
        s->inline_bytes[len] = '\0';
        s->data = s->inline_bytes;
    }
    return s;
}

}  // namespace

bool is_static_rodata(const char* ptr, size_t len) {
    auto lo = reinterpret_cast<uintptr_t>(ptr);
    if (lo + len < lo) return false;  // wraps
    const Segments& segs = main_rodata();
    for (int i = 0; i < segs.n; ++i)
        if (lo >= segs.r[i].lo && lo + len < segs.r[i].hi) return true;
    return false;
}

StackValue literal_string(const char* ptr, size_t len) {
    if (!ptr || !is_static_rodata(ptr, len)) return make_string({ptr, len});
    // Literals are packed byte-aligned, so hash every address bit (Fibonacci
    // hashing: the product's top bits).
    uint64_t x = (reinterpret_cast<uintptr_t>(ptr) ^ (uint64_t{len} << 48)) * 0x9E3779B97F4A7C15ULL;
    size_t h = static_cast<size_t>(x >> (64 - kLiteralBits));
    if (StringObj* s = g_literals.get(
            ptr, h, [len](StringObj* o) { return o->len == len; },
            [&] { return make_immortal(ptr, len); }))
        return from_heap(s);
    // Table full (more than 16384 distinct literals pushed): copy, as upstream.
    return make_string({ptr, len});
}

}  // namespace seq
