// A bump allocator for strand-local temporaries.
//
// Every strand owns one (docs/architecture.md: per-strand state lives in the strand, not
// in thread-locals, because strands migrate between workers). Allocation is a
// pointer bump; nothing is freed individually; reset() returns everything at
// once when the strand ends. An arena that was never used costs no memory, so
// a million parked strands pay nothing for theirs.
#pragma once

#include <cstddef>

namespace seq {

class Arena {
  public:
    Arena() = default;
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;
    ~Arena() { release_all(); }

    // Returns 8-byte aligned memory valid until the next reset().
    void* allocate(size_t bytes) {
        bytes = (bytes + 7) & ~size_t{7};
        if (static_cast<size_t>(end_ - cur_) >= bytes) {
            void* p = cur_;
            cur_ += bytes;
            used_ += bytes;
            return p;
        }
        return allocate_slow(bytes);
    }

    // Frees every allocation. With keep_first, the first chunk stays for
    // reuse (a long-lived context that resets repeatedly does not churn).
    void reset(bool keep_first = false);

    size_t bytes_used() const { return used_; }          // live bytes handed out
    size_t bytes_reserved() const { return reserved_; }  // bytes held in chunks

  private:
    struct Chunk {
        Chunk* next;
        size_t size;  // usable bytes after the header
    };
    void* allocate_slow(size_t bytes);
    void release_all();

    Chunk* head_ = nullptr;  // most recent chunk first
    char* cur_ = nullptr;
    char* end_ = nullptr;
    size_t used_ = 0;
    size_t reserved_ = 0;
};

}  // namespace seq
