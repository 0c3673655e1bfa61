// The bump arena behind strand-local temporaries.
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

#include "core/value/arena.hpp"
#include "core/value/context.hpp"
#include "core/value/value.hpp"

namespace seq {
namespace {

TEST(Arena, UnusedArenaHoldsNoMemory) {
    Arena a;
    EXPECT_EQ(a.bytes_reserved(), 0u);
    EXPECT_EQ(a.bytes_used(), 0u);
}

TEST(Arena, AllocationsAreAlignedAndDistinct) {
    Arena a;
    char* prev = nullptr;
    for (size_t n : {1u, 7u, 8u, 13u, 100u}) {
        auto* p = static_cast<char*>(a.allocate(n));
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u);
        if (prev) {
            EXPECT_NE(p, prev);
        }
        prev = p;
    }
    EXPECT_EQ(a.bytes_used(), 8u + 8 + 8 + 16 + 104);
}

TEST(Arena, LargeRequestsGetTheirOwnChunk) {
    Arena a;
    void* p = a.allocate(3 << 20);
    ASSERT_NE(p, nullptr);
    std::memset(p, 1, 3 << 20);
    EXPECT_GE(a.bytes_reserved(), size_t{3} << 20);
}

TEST(Arena, ResetFreesEverything) {
    Arena a;
    for (int i = 0; i < 1000; ++i)
        a.allocate(1000);
    EXPECT_GT(a.bytes_reserved(), 0u);
    a.reset();
    EXPECT_EQ(a.bytes_reserved(), 0u);
    EXPECT_EQ(a.bytes_used(), 0u);
}

TEST(Arena, ResetKeepingFirstChunkDoesNotGrowOverIterations) {
    // A context that allocates and resets repeatedly reaches a steady state.
    Arena a;
    size_t after_first = 0;
    for (int iter = 0; iter < 10000; ++iter) {
        for (int i = 0; i < 20; ++i)
            a.allocate(48);
        a.reset(true);
        if (iter == 0) after_first = a.bytes_reserved();
        ASSERT_EQ(a.bytes_reserved(), after_first) << "iteration " << iter;
    }
}

TEST(Arena, ThreadsHaveSeparateDefaultContexts) {
    ExecContext* mine = current_context();
    ExecContext* theirs = nullptr;
    std::thread([&] { theirs = current_context(); }).join();
    EXPECT_NE(mine, theirs);
    EXPECT_EQ(mine, thread_default_context());
}

TEST(Arena, ArenaStringsComeFromTheCurrentContext) {
    ExecContext ctx;
    set_current_context(&ctx);
    StackValue s = make_arena_string("in the context arena");
    EXPECT_GT(ctx.arena.bytes_used(), 0u);
    EXPECT_EQ(string_of(s)->view(), "in the context arena");
    drop_value(s);  // a no-op: the arena owns it
    set_current_context(nullptr);
    EXPECT_EQ(current_context(), thread_default_context());
}

}  // namespace
}  // namespace seq
