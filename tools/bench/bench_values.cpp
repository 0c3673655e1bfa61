// Micro-benchmarks of the value model: push/pop, clone/drop, string creation.
// Run: build/release/tools/bench_values --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "core/value/context.hpp"
#include "core/value/stack.hpp"
#include "core/value/value.hpp"
#include "seq/runtime.h"

namespace {

using namespace seq;

// Baseline: a raw store/load of a word, what inlined compiled code does.
void BM_RawSlotStoreLoad(benchmark::State& state) {
    StackValue slots[8];
    Stack sp = slots;
    for (auto _ : state) {
        *sp++ = make_int(42);
        benchmark::DoNotOptimize(*--sp);
    }
}
BENCHMARK(BM_RawSlotStoreLoad);

void BM_PushIntDrop(benchmark::State& state) {
    StackValue slots[8];
    Stack sp = slots;
    for (auto _ : state) {
        sp = patch_seq_push_int(sp, 42);
        sp = patch_seq_drop_op(sp);
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_PushIntDrop);

void BM_PushFloatDrop(benchmark::State& state) {
    StackValue slots[8];
    Stack sp = slots;
    for (auto _ : state) {
        sp = patch_seq_push_float(sp, 1.5);
        sp = patch_seq_drop_op(sp);
    }
}
BENCHMARK(BM_PushFloatDrop);

void BM_PushStringDrop(benchmark::State& state) {
    StackValue slots[8];
    Stack sp = slots;
    for (auto _ : state) {
        sp = patch_seq_push_string(sp, "hello, world");
        sp = patch_seq_drop_op(sp);
    }
}
BENCHMARK(BM_PushStringDrop);

void BM_InternedSymbolPushDrop(benchmark::State& state) {
    static const seq_interned_symbol lit = {"Some", 4, 0, 1};
    StackValue slots[8];
    Stack sp = slots;
    for (auto _ : state) {
        sp = patch_seq_push_interned_symbol(sp, &lit);
        sp = patch_seq_drop_op(sp);
    }
}
BENCHMARK(BM_InternedSymbolPushDrop);

void BM_DupDropHeap(benchmark::State& state) {
    StackValue slots[8];
    Stack sp = push(slots, make_string("shared"));
    for (auto _ : state) {
        sp = patch_seq_dup(sp);
        sp = patch_seq_drop_op(sp);
    }
    drop_value(slots[0]);
}
BENCHMARK(BM_DupDropHeap);

void BM_ArenaStringVsGlobal(benchmark::State& state) {
    for (auto _ : state) {
        StackValue s = make_arena_string("temporary string");
        benchmark::DoNotOptimize(s);
        if (current_context()->arena.bytes_used() > (1 << 20)) current_context()->arena.reset(true);
    }
}
BENCHMARK(BM_ArenaStringVsGlobal);

void BM_CloneStack(benchmark::State& state) {
    ValueStack* st = value_stack_new(kDefaultStackSlots);
    set_stack_base(st->base);
    Stack sp = st->base;
    for (int i = 0; i < state.range(0); ++i)
        sp = push(sp, i % 2 ? make_int(i) : make_string("value"));
    for (auto _ : state) {
        Stack child_base;
        Stack child_sp = clone_stack_with_base(sp, &child_base);
        owned_stack_free(child_base, child_sp);
    }
    st->sp = static_cast<size_t>(sp - st->base);
    value_stack_free(st);
}
BENCHMARK(BM_CloneStack)->Arg(0)->Arg(16)->Arg(256);

}  // namespace

BENCHMARK_MAIN();
