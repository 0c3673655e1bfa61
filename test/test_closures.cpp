// Closures (push_closure, create_env/env_set/make_closure, the env getters),
// the quotation peeks used for tail calls, and call.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>

#include "abi/abi_version.hpp"
#include "core/value/callable.hpp"
#include "seq/runtime_closures.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::refcount;
using test::TestStack;

uintptr_t addr(QuotationFn f) {
    return reinterpret_cast<uintptr_t>(f);
}
uintptr_t addr(ClosureFn f) {
    return reinterpret_cast<uintptr_t>(f);
}

std::string str(StackValue v) {
    EXPECT_TRUE(is_kind(v, Kind::String));
    return std::string(string_of(v)->view());
}

// ( n -- n+k ) where k is the Int captured in env[0].
Stack add_captured(Stack sp, const StackValue* env, size_t len) {
    int64_t k = patch_seq_env_get_int(env, static_cast<int64_t>(len), 0);
    sp[-1] = make_int(int_of(sp[-1]) + k);
    return sp;
}

// ( -- env[0] .. env[n-1] ): what both compilers' closure entry does (push
// env[0], env[1], ... in index order), so with seqc 7.x's env order the
// captures come back in their original stack order, with 5.4.0's reversed.
Stack push_all_captures(Stack sp, const StackValue* env, size_t len) {
    for (size_t i = 0; i < len; ++i)
        sp = patch_seq_env_push_value(sp, env, static_cast<int64_t>(len), static_cast<int32_t>(i));
    return sp;
}

// ( -- s ) pushes the String captured in env[0].
Stack push_captured_string(Stack sp, const StackValue* env, size_t len) {
    return patch_seq_env_push_string(sp, env, static_cast<int64_t>(len), 0);
}

Stack add_one(Stack sp) {
    sp[-1] = make_int(int_of(sp[-1]) + 1);
    return sp;
}
Stack add_two(Stack sp) {
    sp[-1] = make_int(int_of(sp[-1]) + 2);
    return sp;
}

// ---- push_closure ---------------------------------------------------------------

// The capture order is where the two contracts differ: env[0] is the deepest
// capture for seqc 7.x (this binary), the top of the stack for seqc 5.4.0
// (test_closures_54 runs the PushClosure tests with that expectation).
TEST(PushClosure, CaptureOrderFollowsTheCompilersContract) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_int(st.sp, 10);
    st.sp = patch_seq_push_int(st.sp, 5);
    st.sp = patch_seq_push_closure(st.sp, addr(&push_all_captures), 2);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(int_of(st.base()[0]), 1);  // below the captures: untouched
    StackValue c = st.top();
    ASSERT_TRUE(is_kind(c, Kind::Closure));
    ClosureObj* obj = closure_of(c);
    EXPECT_EQ(obj->fn, addr(&push_all_captures));
    ASSERT_EQ(obj->len, 2u);
    const int64_t deep = kAbi7 ? 10 : 5, shallow = kAbi7 ? 5 : 10;
    EXPECT_EQ(int_of(obj->env[0]), deep);
    EXPECT_EQ(int_of(obj->env[1]), shallow);
    // The compiled body pushes env[0] first: 7.x programs see their captures
    // in caller order, 5.4.0 programs reversed (what they were written for).
    st.sp = patch_seq_call(st.sp);
    ASSERT_EQ(st.depth(), 3u);
    EXPECT_EQ(int_of(st.base()[1]), deep);
    EXPECT_EQ(int_of(st.base()[2]), shallow);
}

TEST(PushClosure, ThreeCapturesKeepTheirPositions) {
    // Position-encoded, so any permutation shows (upstream's 5.5.0 test).
    TestStack st;
    for (int v : {1, 2, 3})
        st.sp = patch_seq_push_int(st.sp, v);
    st.sp = patch_seq_push_closure(st.sp, addr(&push_all_captures), 3);
    st.sp = patch_seq_call(st.sp);
    ASSERT_EQ(st.depth(), 3u);
    int64_t code = 0;
    for (int i = 0; i < 3; ++i)
        code = code * 10 + int_of(st.base()[i]);
    EXPECT_EQ(code, kAbi7 ? 123 : 321);
}

#if SEQ_ABI_VERSION >= 70
// Since 5.5.0 the env's order matches the compiler's capture types, so a
// mixed-type capture works (on seq-runtime 5.4.0 the Int getter met the
// String and aborted, as it would on the 5.4 archive).

// ( -- n s ): a closure typed ( Int String ) by the compiler, which reads
// env[i] with the getter of the i-th capture counted from the deepest.
Stack push_int_then_string(Stack sp, const StackValue* env, size_t len) {
    auto n = static_cast<int64_t>(len);
    sp = patch_seq_push_int(sp, patch_seq_env_get_int(env, n, 0));
    return patch_seq_env_push_string(sp, env, n, 1);
}

TEST(PushClosure, MixedTypeCapturesMatchTheCompilersGetters) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 42);
    st.sp = push(st.sp, make_string("answer"));
    st.sp = patch_seq_push_closure(st.sp, addr(&push_int_then_string), 2);
    st.sp = patch_seq_call(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(int_of(st.base()[0]), 42);
    EXPECT_EQ(str(st.base()[1]), "answer");
}
#endif

TEST(PushClosure, ZeroCapturesLeavesStackAlone) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 7);
    st.sp = patch_seq_push_closure(st.sp, addr(&push_all_captures), 0);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(closure_of(st.top())->len, 0u);
    EXPECT_EQ(int_of(st.base()[0]), 7);
    st.sp = patch_seq_call(st.sp);
    EXPECT_EQ(st.depth(), 1u);
}

TEST(PushClosure, MovesHeapCapturesWithoutCopying) {
    TestStack st;
    StackValue s = make_string("héllo");
    st.sp = push(st.sp, s);
    st.sp = patch_seq_push_closure(st.sp, addr(&push_captured_string), 1);
    EXPECT_EQ(closure_of(st.top())->env[0], s);  // same object, ownership moved
    EXPECT_EQ(refcount(s), 1u);
}

TEST(PushClosure, ArenaStringsBecomeGlobal) {
    TestStack st;
    st.sp = push(st.sp, make_arena_string("temp ✓"));
    st.sp = patch_seq_push_closure(st.sp, addr(&push_captured_string), 1);
    StackValue captured = closure_of(st.top())->env[0];
    ASSERT_TRUE(is_kind(captured, Kind::String));
    EXPECT_EQ(heap_of(captured)->flags & kArena, 0);
    EXPECT_EQ(string_of(captured)->view(), "temp ✓");
}

TEST(PushClosureDeathTest, RejectsBadArguments) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 1);
    EXPECT_DEATH(patch_seq_push_closure(st.sp, 0, 0), "push_closure: null function pointer");
    EXPECT_DEATH(patch_seq_push_closure(st.sp, addr(&add_captured), -1),
                 "push_closure: capture_count cannot be negative: -1");
    EXPECT_DEATH(patch_seq_push_closure(st.sp, addr(&add_captured), 2),
                 "push_closure: cannot capture 2 values from a stack of depth 1");
}

// ---- create_env / env_set / make_closure -------------------------------------------

TEST(MakeClosure, BuildsFromCreatedEnvWithoutCopying) {
    TestStack st;
    StackValue* env = patch_seq_create_env(3);
    ASSERT_NE(env, nullptr);
    // Unset slots hold Int 0, as in 5.4.0.
    EXPECT_EQ(env[0], make_int(0));
    EXPECT_EQ(env[2], make_int(0));
    patch_seq_env_set(env, 0, make_int(42));
    patch_seq_env_set(env, 1, kTrue);
    patch_seq_env_set(env, 2, make_int(99));
    StackValue c = patch_seq_make_closure(addr(&add_captured), env);
    ASSERT_TRUE(is_kind(c, Kind::Closure));
    EXPECT_EQ(closure_of(c)->env, env);  // the object create_env allocated
    EXPECT_EQ(closure_of(c)->len, 3u);
    EXPECT_EQ(closure_of(c)->fn, addr(&add_captured));
    EXPECT_EQ(refcount(c), 1u);
    EXPECT_EQ(patch_seq_env_get(env, 3, 0), make_int(42));
    EXPECT_EQ(patch_seq_env_get(env, 3, 1), kTrue);
    EXPECT_EQ(patch_seq_env_get(env, 3, 2), make_int(99));
    st.sp = patch_seq_push_int(st.sp, 1);
    st.sp = patch_seq_push_value(st.sp, c);
    st.sp = patch_seq_call(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(int_of(st.top()), 43);
}

TEST(MakeClosure, EmptyEnvironment) {
    TestStack st;
    StackValue c = patch_seq_make_closure(addr(&push_all_captures), patch_seq_create_env(0));
    EXPECT_EQ(closure_of(c)->len, 0u);
    st.sp = push(st.sp, c);
    st.sp = patch_seq_call(st.sp);
    EXPECT_EQ(st.depth(), 0u);
}

TEST(MakeClosure, EnvSetReplacesAndDropsOldValue) {
    StackValue* env = patch_seq_create_env(1);
    StackValue first = make_string("first");
    StackValue keep = clone_value(first);
    patch_seq_env_set(env, 0, first);
    EXPECT_EQ(refcount(keep), 2u);
    patch_seq_env_set(env, 0, make_string("second"));
    EXPECT_EQ(refcount(keep), 1u);  // the env let go of the replaced value
    drop_value(keep);
    StackValue c = patch_seq_make_closure(addr(&push_captured_string), env);
    EXPECT_EQ(str(closure_of(c)->env[0]), "second");
    drop_value(c);
}

TEST(MakeClosure, EnvSetSharesArenaStrings) {
    TestStack st;
    StackValue* env = patch_seq_create_env(1);
    patch_seq_env_set(env, 0, make_arena_string("arena ünïcode"));
    EXPECT_EQ(heap_of(env[0])->flags & kArena, 0);
    StackValue c = patch_seq_make_closure(addr(&push_captured_string), env);
    st.sp = push(st.sp, c);
    st.sp = patch_seq_call(st.sp);
    EXPECT_EQ(str(st.top()), "arena ünïcode");
}

TEST(MakeClosureDeathTest, RejectsBadArguments) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(patch_seq_create_env(-1), "create_env: size cannot be negative: -1");
    EXPECT_DEATH(patch_seq_create_env(1025),
                 "create_env: size 1025 exceeds MAX_CAPTURES \\(1024\\)");
    StackValue* env = patch_seq_create_env(2);
    EXPECT_DEATH(patch_seq_env_set(env, 2, make_int(1)),
                 "env_set: index 2 out of bounds for environment of size 2");
    EXPECT_DEATH(patch_seq_env_set(env, -1, make_int(1)), "env_set: index cannot be negative: -1");
    EXPECT_DEATH(patch_seq_env_set(nullptr, 0, make_int(1)), "env_set: null environment pointer");
    EXPECT_DEATH(patch_seq_make_closure(0, env), "make_closure: null function pointer");
    EXPECT_DEATH(patch_seq_make_closure(addr(&add_captured), nullptr),
                 "make_closure: null environment pointer");
    StackValue c = patch_seq_make_closure(addr(&add_captured), env);
    // A sealed closure may be shared: its environment is immutable.
    EXPECT_DEATH(patch_seq_env_set(env, 0, make_int(1)), "env_set: environment already belongs");
    EXPECT_DEATH(patch_seq_make_closure(addr(&add_captured), env),
                 "make_closure: environment already belongs");
    drop_value(c);
}

TEST(MakeClosure, MaxCapturesIsAccepted) {
    StackValue* env = patch_seq_create_env(1024);
    patch_seq_env_set(env, 1023, make_int(7));
    StackValue c = patch_seq_make_closure(addr(&add_captured), env);
    EXPECT_EQ(patch_seq_env_get_int(closure_of(c)->env, 1024, 1023), 7);
    drop_value(c);
}

// ---- env getters ---------------------------------------------------------------------

// An environment holding one value of each kind, as a closure function sees it.
struct EnvFixture : ::testing::Test {
    void SetUp() override {
        q = make_quotation(addr(&add_one), addr(&add_two));
        StackValue* env = patch_seq_create_env(8);
        patch_seq_env_set(env, 0, make_int(kIntMax));
        patch_seq_env_set(env, 1, make_int(kIntMin));
        patch_seq_env_set(env, 2, kTrue);
        patch_seq_env_set(env, 3, kFalse);
        patch_seq_env_set(env, 4, make_float(-0.0));
        patch_seq_env_set(env, 5, make_string("añb€😀"));
        patch_seq_env_set(env, 6, clone_value(q));
        patch_seq_env_set(env, 7, make_string("sym", Kind::Symbol));
        closure = patch_seq_make_closure(addr(&push_all_captures), env);
        e = closure_of(closure)->env;
    }
    void TearDown() override {
        drop_value(closure);
        drop_value(q);
    }
    static constexpr int64_t n = 8;
    StackValue q = 0;
    StackValue closure = 0;
    const StackValue* e = nullptr;
};

TEST_F(EnvFixture, TypedGettersReadTheirKind) {
    EXPECT_EQ(patch_seq_env_get_int(e, n, 0), kIntMax);
    EXPECT_EQ(patch_seq_env_get_int(e, n, 1), kIntMin);
    EXPECT_EQ(patch_seq_env_get_bool(e, n, 2), 1);
    EXPECT_EQ(patch_seq_env_get_bool(e, n, 3), 0);
    double f = patch_seq_env_get_float(e, n, 4);
    EXPECT_EQ(f, 0.0);
    EXPECT_TRUE(std::signbit(f));
    // The tailcc entry, for musttail from compiled code.
    EXPECT_EQ(patch_seq_env_get_quotation(e, n, 6), addr(&add_two));
}

TEST_F(EnvFixture, EnvGetReturnsNewReference) {
    StackValue s = patch_seq_env_get(e, n, 5);
    EXPECT_EQ(s, e[5]);
    EXPECT_EQ(refcount(s), 2u);
    drop_value(s);
    EXPECT_EQ(refcount(e[5]), 1u);
    EXPECT_EQ(patch_seq_env_get(e, n, 0), make_int(kIntMax));
}

TEST_F(EnvFixture, EnvGetStringReturnsNewReferenceToTheString) {
    StackValue s = patch_seq_env_get_string(e, n, 5);
    EXPECT_EQ(str(s), "añb€😀");
    EXPECT_EQ(refcount(s), 2u);
    drop_value(s);
}

TEST_F(EnvFixture, EnvPushStringAndValuePushClones) {
    TestStack st;
    st.sp = patch_seq_env_push_string(st.sp, e, n, 5);
    EXPECT_EQ(str(st.top()), "añb€😀");
    EXPECT_EQ(refcount(e[5]), 2u);
    st.sp = patch_seq_env_push_value(st.sp, e, n, 7);
    EXPECT_TRUE(is_kind(st.top(), Kind::Symbol));
    EXPECT_EQ(refcount(e[7]), 2u);
    st.sp = patch_seq_env_push_value(st.sp, e, n, 2);
    EXPECT_EQ(st.top(), kTrue);
    EXPECT_EQ(st.depth(), 3u);
}

using EnvFixtureDeathTest = EnvFixture;

TEST_F(EnvFixtureDeathTest, WrongKindOrIndexAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(patch_seq_env_get_int(e, n, 2), "env_get_int: expected Int at index 2, got Bool");
    EXPECT_DEATH(patch_seq_env_get_bool(e, n, 0),
                 "env_get_bool: expected Bool at index 0, got Int");
    EXPECT_DEATH(patch_seq_env_get_float(e, n, 0),
                 "env_get_float: expected Float at index 0, got Int");
    EXPECT_DEATH(patch_seq_env_get_quotation(e, n, 5),
                 "env_get_quotation: expected Quotation at index 5, got String");
    EXPECT_DEATH(patch_seq_env_get_string(e, n, 7),
                 "env_get_string: expected String at index 7, got Symbol");
    TestStack st;
    EXPECT_DEATH(patch_seq_env_push_string(st.sp, e, n, 6),
                 "env_push_string: expected String at index 6, got Quotation");
    EXPECT_DEATH(patch_seq_env_get(e, n, 8),
                 "env_get: index 8 out of bounds for environment of size 8");
    EXPECT_DEATH(patch_seq_env_get_int(e, n, -1), "env_get_int: index cannot be negative: -1");
    EXPECT_DEATH(patch_seq_env_push_value(st.sp, e, n, 99),
                 "env_push_value: index 99 out of bounds");
    EXPECT_DEATH(patch_seq_env_get(e, -1, 0),
                 "env_get: index 0 out of bounds for environment of size -1");
    EXPECT_DEATH(patch_seq_env_get(nullptr, 1, 0), "env_get: null environment pointer");
}

// ---- peeks and call ----------------------------------------------------------------------

TEST(QuotationPeek, DistinguishesQuotationsFromClosures) {
    TestStack st;
    st.sp = patch_seq_push_quotation(st.sp, addr(&add_one), addr(&add_two));
    EXPECT_EQ(patch_seq_peek_is_quotation(st.sp), 1);
    EXPECT_EQ(patch_seq_peek_quotation_fn_ptr(st.sp), addr(&add_two));
    EXPECT_EQ(st.depth(), 1u);  // peeks do not pop
    st.sp = patch_seq_push_closure(st.sp, addr(&add_captured), 0);
    EXPECT_EQ(patch_seq_peek_is_quotation(st.sp), 0);
    st.sp = patch_seq_push_int(st.sp, 1);
    EXPECT_EQ(patch_seq_peek_is_quotation(st.sp), 0);
    st.sp = patch_seq_push_bool(st.sp, true);
    EXPECT_EQ(patch_seq_peek_is_quotation(st.sp), 0);
}

TEST(QuotationPeekDeathTest, FnPtrOfNonQuotationAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = patch_seq_push_closure(st.sp, addr(&add_captured), 0);
    EXPECT_DEATH(patch_seq_peek_quotation_fn_ptr(st.sp),
                 "peek_quotation_fn_ptr: expected Quotation, got Closure");
}

TEST(Call, RunsQuotationWrapper) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 5);
    st.sp = patch_seq_push_quotation(st.sp, addr(&add_one), addr(&add_two));
    st.sp = patch_seq_call(st.sp);  // the C wrapper, not the tailcc impl
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(int_of(st.top()), 6);
}

TEST(Call, RunsClosureWithItsEnvironment) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 100);
    st.sp = patch_seq_push_int(st.sp, kIntMax - 100);
    st.sp = patch_seq_push_closure(st.sp, addr(&add_captured), 1);
    st.sp = patch_seq_call(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(int_of(st.top()), kIntMax);
}

TEST(Call, DropsTheClosureAfterTheCall) {
    TestStack st;
    st.sp = push(st.sp, make_string("captured"));
    st.sp = patch_seq_push_closure(st.sp, addr(&push_captured_string), 1);
    st.sp = patch_seq_call(st.sp);
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(str(st.top()), "captured");
    // The closure (the env's only other holder) is gone.
    EXPECT_EQ(refcount(st.top()), 1u);
}

TEST(Call, SharedClosureSurvivesItsCall) {
    TestStack st;
    st.sp = push(st.sp, make_string("x"));
    st.sp = patch_seq_push_closure(st.sp, addr(&push_captured_string), 1);
    StackValue c = clone_value(st.top());
    st.sp = patch_seq_call(st.sp);
    EXPECT_EQ(refcount(c), 1u);
    st.sp = push(st.sp, c);
    st.sp = patch_seq_call(st.sp);
    ASSERT_EQ(st.depth(), 2u);
    EXPECT_EQ(str(st.top()), "x");
}

TEST(Call, NestedClosureCapturedInClosure) {
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 3);
    st.sp = patch_seq_push_closure(st.sp, addr(&add_captured), 1);  // inner: +3
    st.sp = patch_seq_push_closure(st.sp, addr(&push_all_captures), 1);
    st.sp = patch_seq_push_int(st.sp, 10);
    st.sp = patch_seq_swap(st.sp);
    st.sp = patch_seq_call(st.sp);  // outer pushes the inner closure
    ASSERT_TRUE(is_kind(st.top(), Kind::Closure));
    st.sp = patch_seq_call(st.sp);  // inner adds 3
    ASSERT_EQ(st.depth(), 1u);
    EXPECT_EQ(int_of(st.top()), 13);
}

TEST(CallDeathTest, RejectsNonCallable) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    st.sp = patch_seq_push_int(st.sp, 5);
    EXPECT_DEATH(patch_seq_call(st.sp), "call: expected Quotation or Closure, got Int");
    st.sp = push(st.sp, make_string("s"));
    EXPECT_DEATH(patch_seq_call(st.sp), "call: expected Quotation or Closure, got String");
}

// ---- closures outlive their creator ----------------------------------------------------------

// A closure made on one thread (its arena, and everything else it owned, gone
// once it joined) must still work when called from another: plain threads
// stand in for strands on different workers.
TEST(ClosureLifetime, CalledOnAnotherThreadAfterCreatorEnded) {
    StackValue closure = 0;
    std::thread creator([&] {
        TestStack st;
        st.sp = push(st.sp, make_arena_string("from the arena ✓"));
        st.sp = push(st.sp, make_string("from the heap"));
        st.sp = patch_seq_push_int(st.sp, 7);
        st.sp = patch_seq_push_closure(st.sp, addr(&push_all_captures), 3);
        closure = *--st.sp;
    });
    creator.join();
    ASSERT_TRUE(is_kind(closure, Kind::Closure));
    std::thread caller([&] {
        TestStack st;
        st.sp = push(st.sp, closure);
        st.sp = patch_seq_call(st.sp);
        ASSERT_EQ(st.depth(), 3u);
        EXPECT_EQ(str(st.base()[0]), "from the arena ✓");
        EXPECT_EQ(str(st.base()[1]), "from the heap");
        EXPECT_EQ(int_of(st.base()[2]), 7);
    });
    caller.join();
}

TEST(ClosureLifetime, SharedClosureCalledConcurrently) {
    TestStack st;
    st.sp = push(st.sp, make_string("shared"));
    st.sp = patch_seq_push_closure(st.sp, addr(&push_captured_string), 1);
    StackValue closure = *--st.sp;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([c = clone_value(closure)] {
            TestStack local;
            for (int i = 0; i < 1000; ++i) {
                local.sp = push(local.sp, clone_value(c));
                local.sp = patch_seq_call(local.sp);
                local.sp = patch_seq_drop_op(local.sp);
            }
            drop_value(c);
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(refcount(closure), 1u);
    EXPECT_EQ(refcount(closure_of(closure)->env[0]), 1u);
    drop_value(closure);
}

}  // namespace
}  // namespace seq
