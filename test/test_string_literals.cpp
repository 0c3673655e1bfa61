// push_string_bytes, seqc 7.x's string literal: byte-clean (NULs and any
// byte), and for literals in the program image one immortal object per
// literal, so a literal pushed in a loop allocates nothing.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/value/literal.hpp"
#include "seq/runtime_channels.h"
#include "seq/runtime_strings.h"
#include "test_support.hpp"

namespace seq {
namespace {

using test::TestStack;

// Static, read-only: what the compiler emits for a literal ([n+1 x i8] with a
// trailing NUL, private unnamed_addr constant).
constexpr char kLit[] = "hello\0world\xff";   // 12 bytes + NUL
constexpr size_t kLitLen = sizeof(kLit) - 1;  // the NUL after \xff not counted
char g_writable[] = "writable data";          // .data: may change, never trusted

StringObj* top_string(TestStack& st) {
    StackValue v = st.top();
    EXPECT_TRUE(is_kind(v, Kind::String));
    return string_of(v);
}

TEST(StringLiterals, BytesAreKeptExactlyNulsIncluded) {
    TestStack st;
    st.sp = patch_seq_push_string_bytes(st.sp, kLit, kLitLen);
    StringObj* s = top_string(st);
    EXPECT_EQ(s->len, kLitLen);
    EXPECT_EQ(s->view(), std::string_view(kLit, kLitLen));
    EXPECT_EQ(s->data[s->len], '\0');  // NUL-terminated for C callers
    // String words see all 12 bytes (push_string would stop at the NUL).
    st.sp = patch_seq_string_byte_length(st.sp);
    EXPECT_EQ(int_of(st.top()), 12);
}

TEST(StringLiterals, AStaticLiteralIsOneImmortalObjectUsedInPlace) {
    EXPECT_TRUE(is_static_rodata(kLit, kLitLen));
    TestStack st;
    st.sp = patch_seq_push_string_bytes(st.sp, kLit, kLitLen);
    StringObj* first = top_string(st);
    EXPECT_EQ(first->flags, kImmortal);
    EXPECT_EQ(first->data, kLit);  // no copy at all: the static bytes themselves
    for (int i = 0; i < 1000; ++i) {
        st.sp = patch_seq_push_string_bytes(st.sp, kLit, kLitLen);
        EXPECT_EQ(top_string(st), first);  // no allocation per push
        st.sp = patch_seq_dup(st.sp);
        st.sp = patch_seq_drop_op(st.sp);
        st.sp = patch_seq_drop_op(st.sp);
    }
    EXPECT_EQ(first->rc.load(), 1u);  // never counted
}

// One address may start literals of two lengths (a linker may merge "hello"
// into the front of "hello\0world\xff"); each length is its own object.
TEST(StringLiterals, SamePointerDifferentLengthsAreDistinct) {
    TestStack st;
    st.sp = patch_seq_push_string_bytes(st.sp, kLit, 5);
    st.sp = patch_seq_push_string_bytes(st.sp, kLit, kLitLen);
    st.sp = patch_seq_push_string_bytes(st.sp, kLit, 5);
    EXPECT_EQ(string_of(st.sp[-3])->view(), "hello");
    EXPECT_EQ(string_of(st.sp[-2])->len, kLitLen);
    EXPECT_EQ(st.sp[-3], st.sp[-1]);
    EXPECT_NE(st.sp[-3], st.sp[-2]);
    // "hello" is followed by a NUL in the image, so it too is used in place.
    EXPECT_EQ(string_of(st.sp[-3])->data, kLit);
}

// A static slice not followed by a NUL keeps its own terminated copy.
TEST(StringLiterals, AnUnterminatedStaticSliceIsCopiedOnce) {
    static constexpr char kAbc[] = "abcdef";
    TestStack st;
    st.sp = patch_seq_push_string_bytes(st.sp, kAbc, 3);
    StringObj* s = top_string(st);
    EXPECT_EQ(s->flags, kImmortal);
    EXPECT_NE(s->data, kAbc);
    EXPECT_EQ(s->view(), "abc");
    EXPECT_EQ(s->data[3], '\0');
    st.sp = patch_seq_push_string_bytes(st.sp, kAbc, 3);
    EXPECT_EQ(top_string(st), s);
}

// Bytes that may change or go away are copied, as upstream always copies.
TEST(StringLiterals, OtherBuffersAreCopied) {
    EXPECT_FALSE(is_static_rodata(g_writable, 3));
    std::string heap = "heap bytes";
    EXPECT_FALSE(is_static_rodata(heap.data(), heap.size()));
    char local[4] = {'s', 't', 'k', '\0'};
    EXPECT_FALSE(is_static_rodata(local, 3));
    TestStack st;
    st.sp = patch_seq_push_string_bytes(st.sp, g_writable, 8);
    st.sp = patch_seq_push_string_bytes(st.sp, heap.data(), static_cast<int64_t>(heap.size()));
    st.sp = patch_seq_push_string_bytes(st.sp, local, 3);
    g_writable[0] = 'W';
    heap.assign("overwritten");
    local[0] = 'X';
    EXPECT_EQ(string_of(st.sp[-3])->view(), "writable");
    EXPECT_EQ(string_of(st.sp[-2])->view(), "heap bytes");
    EXPECT_EQ(string_of(st.sp[-1])->view(), "stk");
    for (int i = 1; i <= 3; ++i) {
        EXPECT_EQ(heap_of(st.sp[-i])->flags, 0);
        EXPECT_EQ(heap_of(st.sp[-i])->rc.load(), 1u);
    }
    g_writable[0] = 'w';
}

// A range that starts in the image but runs past its end is not trusted.
TEST(StringLiterals, RangesAreCheckedWhole) {
    EXPECT_TRUE(is_static_rodata(kLit, 0));
    EXPECT_FALSE(is_static_rodata(kLit, SIZE_MAX));
    EXPECT_FALSE(is_static_rodata(nullptr, 0));
}

TEST(StringLiterals, EmptyLiterals) {
    TestStack st;
    st.sp = patch_seq_push_string_bytes(st.sp, nullptr, 0);
    EXPECT_EQ(top_string(st)->len, 0u);
    EXPECT_EQ(top_string(st)->data[0], '\0');
    st.sp = patch_seq_push_string_bytes(st.sp, "", 0);
    EXPECT_EQ(top_string(st)->len, 0u);
    EXPECT_EQ(top_string(st)->flags, kImmortal);
}

// Words that update a uniquely owned string in place must leave a literal
// alone: concatenation onto it builds a new string.
TEST(StringLiterals, ConcatenationNeverWritesIntoALiteral) {
    static constexpr char kBase[] = "base";
    TestStack st;
    for (int i = 0; i < 3; ++i) {
        st.sp = patch_seq_push_string_bytes(st.sp, kBase, 4);
        st.sp = patch_seq_push_string(st.sp, "+tail");
        st.sp = patch_seq_string_concat(st.sp);
        EXPECT_EQ(top_string(st)->view(), "base+tail");
        EXPECT_EQ(top_string(st)->flags, 0);
        st.sp = patch_seq_drop_op(st.sp);
    }
    st.sp = patch_seq_push_string_bytes(st.sp, kBase, 4);
    EXPECT_EQ(top_string(st)->view(), "base");
}

// A literal crosses a channel as itself: immortal objects need no copy.
TEST(StringLiterals, LiteralsSurviveChannels) {
    static constexpr char kMsg[] = "over the wire";
    StackValue buf[8];
    Stack sp = patch_seq_make_channel(buf);
    StackValue ch = buf[0];
    sp = patch_seq_push_string_bytes(buf, kMsg, 13);
    StackValue sent = buf[0];
    sp = push(sp, clone_value(ch));
    sp = patch_seq_chan_send(sp);
    ASSERT_EQ(sp, buf + 1);
    EXPECT_EQ(buf[0], kTrue);
    sp = push(buf, clone_value(ch));
    sp = patch_seq_chan_receive(sp);
    ASSERT_EQ(sp, buf + 2);
    EXPECT_EQ(buf[0], sent);
    EXPECT_EQ(buf[1], kTrue);
    EXPECT_EQ(string_of(buf[0])->view(), "over the wire");
    drop_value(ch);
}

// Threads racing on a literal's first push all get the one object.
TEST(StringLiterals, ConcurrentFirstPushesAgree) {
    static constexpr char kRace[] = "raced literal";
    constexpr int kThreads = 4;
    std::vector<StackValue> seen(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&seen, t] {
            StackValue slots[2];
            Stack sp = patch_seq_push_string_bytes(slots, kRace, 13);
            seen[t] = sp[-1];
        });
    }
    for (auto& t : threads)
        t.join();
    for (StackValue v : seen)
        EXPECT_EQ(v, seen[0]);
    EXPECT_EQ(string_of(seen[0])->view(), "raced literal");
}

TEST(StringLiteralsDeathTest, BadArgumentsAbort) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    TestStack st;
    EXPECT_DEATH(patch_seq_push_string_bytes(st.sp, nullptr, 3),
                 "push_string_bytes: null pointer with non-zero length");
    EXPECT_DEATH(patch_seq_push_string_bytes(st.sp, kLit, -1),
                 "push_string_bytes: negative length -1");
}

}  // namespace
}  // namespace seq
