#include "core/value/arena.hpp"

#include <cstdlib>
#include <new>

namespace seq {

namespace {
constexpr size_t kFirstChunk = 4096 - 64;  // leave room for malloc's header
constexpr size_t kMaxChunk = 1 << 20;
}  // namespace

void* Arena::allocate_slow(size_t bytes) {
    // Chunks double up to 1 MiB; an oversized request gets its own chunk.
    size_t size = head_ ? head_->size * 2 : kFirstChunk;
    if (size > kMaxChunk) size = kMaxChunk;
    if (size < bytes) size = bytes;
    auto* c = static_cast<Chunk*>(std::malloc(sizeof(Chunk) + size));
    if (!c) throw std::bad_alloc();
    c->next = head_;
    c->size = size;
    head_ = c;
    reserved_ += size;
    cur_ = reinterpret_cast<char*>(c + 1);
    end_ = cur_ + size;
    void* p = cur_;
    cur_ += bytes;
    used_ += bytes;
    return p;
}

void Arena::reset(bool keep_first) {
    if (!keep_first) {
        release_all();
        return;
    }
    if (!head_) return;
    // Keep the oldest (smallest) chunk: it is at the tail of the list.
    Chunk* keep = head_;
    while (keep->next) {
        Chunk* c = keep;
        keep = keep->next;
        std::free(c);
    }
    head_ = keep;
    reserved_ = keep->size;
    cur_ = reinterpret_cast<char*>(keep + 1);
    end_ = cur_ + keep->size;
    used_ = 0;
}

void Arena::release_all() {
    while (head_) {
        Chunk* next = head_->next;
        std::free(head_);
        head_ = next;
    }
    cur_ = end_ = nullptr;
    used_ = reserved_ = 0;
}

}  // namespace seq
