// Channel benchmarks with the shapes of upstream's benchmarks/ (pingpong,
// fanout, skynet), written against the C ABI the way compiled Seq code calls
// it: a seq_main strand with its own value stack, `[ quot ] strand.spawn`
// as push_quotation + spawn (the child gets a copy of the parent's stack),
// stack words and channel words as calls, integer arithmetic inline,
// maybe_yield before each tail call.
//
// Usage: bench_channels [pingpong|fanout|fanout-bounded|skynet|weave|all] [repeat]
// Prints BENCH:<name>:<case>:<result>:<ms> (ms with three decimals).
// tools/bench/run-channels.sh runs it beside the Go 1.19 versions
// (tools/bench/go/) and prints medians and ratios.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seq/runtime.h"
#include "seq/runtime_channels.h"

namespace {

double now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// What the compiler emits for an integer literal and for `n pick`.
inline seq_stack_t lit(seq_stack_t sp, int64_t n) {
    return patch_seq_push_int(sp, n);
}
inline seq_stack_t pick(seq_stack_t sp, int64_t n) {
    return patch_seq_pick_op(lit(sp, n));
}
inline int64_t top_int(seq_stack_t sp) {
    return SEQ_INT_VALUE(sp[-1]);
}
// Inlined integer words: ( a b -- a+b ) etc. operate on the tagged slots.
inline seq_stack_t add(seq_stack_t sp) {
    sp[-2] = SEQ_INT(SEQ_INT_VALUE(sp[-2]) + SEQ_INT_VALUE(sp[-1]));
    return sp - 1;
}

seq_stack_t spawn_quot(seq_stack_t sp, seq_stack_t (*fn)(seq_stack_t)) {
    sp = patch_seq_push_quotation(sp, reinterpret_cast<uintptr_t>(fn),
                                  reinterpret_cast<uintptr_t>(fn));
    return patch_seq_spawn(sp);  // ( quot -- id )
}

// ---- pingpong: two strands, 100,000 round trips over two channels ----------------------

constexpr int64_t kIterations = 100000;

// : pong ( Channel Channel Int -- )
//   dup 0 i.> if 2 pick chan.receive drop 2 pick chan.send drop 1 i.- pong
//   else drop drop drop then ;
seq_stack_t pong(seq_stack_t sp) {
    while (top_int(sp) > 0) {
        sp = pick(sp, 2);
        sp = patch_seq_chan_receive(sp);
        sp = patch_seq_drop_op(sp);
        sp = pick(sp, 2);
        sp = patch_seq_chan_send(sp);
        sp = patch_seq_drop_op(sp);
        sp[-1] = SEQ_INT(top_int(sp) - 1);
        patch_seq_maybe_yield();
    }
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_drop_op(sp);
    return patch_seq_drop_op(sp);
}

// : ping ( Channel Channel Int -- )
//   dup 0 i.> if dup 3 pick chan.send drop 1 pick chan.receive drop drop
//   1 i.- ping else drop drop drop then ;
seq_stack_t ping(seq_stack_t sp) {
    while (top_int(sp) > 0) {
        sp = patch_seq_dup(sp);
        sp = pick(sp, 3);
        sp = patch_seq_chan_send(sp);
        sp = patch_seq_drop_op(sp);
        sp = pick(sp, 1);
        sp = patch_seq_chan_receive(sp);
        sp = patch_seq_drop_op(sp);
        sp = patch_seq_drop_op(sp);
        sp[-1] = SEQ_INT(top_int(sp) - 1);
        patch_seq_maybe_yield();
    }
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_drop_op(sp);
    return patch_seq_drop_op(sp);
}

seq_stack_t pong_quot(seq_stack_t sp) {
    return pong(sp);
}

void bench_pingpong(seq_stack_t sp) {
    double start = now_ms();
    sp = patch_seq_make_channel(sp);
    sp = patch_seq_make_channel(sp);
    sp = patch_seq_2dup(sp);
    sp = lit(sp, kIterations);
    sp = spawn_quot(sp, pong_quot);
    for (int i = 0; i < 4; ++i)
        sp = patch_seq_drop_op(sp);
    sp = lit(sp, kIterations);
    sp = ping(sp);
    double ms = now_ms() - start;
    printf("BENCH:pingpong:roundtrip-100k:%lld:%.3f\n", static_cast<long long>(kIterations), ms);
    (void)sp;
}

// ---- fanout: one producer, 10 workers, 100,000 messages ----------------------------------

constexpr int64_t kMessages = 100000;
constexpr int64_t kWorkers = 10;

// : worker-loop ( Channel Channel Int -- )
//   2 pick chan.receive drop chan.yield dup 0 i.< if drop swap chan.send drop drop
//   else drop 1 i.+ worker-loop then ;
seq_stack_t worker_quot(seq_stack_t sp) {
    sp = lit(sp, 0);  // : worker ( Channel Channel -- ) 0 worker-loop ;
    for (;;) {
        sp = pick(sp, 2);
        sp = patch_seq_chan_receive(sp);
        sp = patch_seq_drop_op(sp);
        sp = patch_seq_yield_strand(sp);
        if (top_int(sp) < 0) {
            sp = patch_seq_drop_op(sp);
            sp = patch_seq_swap(sp);
            sp = patch_seq_chan_send(sp);
            sp = patch_seq_drop_op(sp);
            return patch_seq_drop_op(sp);
        }
        sp = patch_seq_drop_op(sp);
        sp[-1] = SEQ_INT(top_int(sp) + 1);
        patch_seq_maybe_yield();
    }
}

// bounded: the work channel holds at most 100 values, as the Go version's.
void bench_fanout(seq_stack_t sp, bool bounded) {
    if (bounded) {
        sp = lit(sp, 100);
        sp = patch_seq_make_channel_bounded(sp);  // work
    } else {
        sp = patch_seq_make_channel(sp);  // work
    }
    sp = patch_seq_make_channel(sp);  // done
    // : spawn-workers ( Channel Channel Int -- )
    for (int64_t i = 0; i < kWorkers; ++i) {
        sp = pick(sp, 1);
        sp = pick(sp, 1);
        sp = spawn_quot(sp, worker_quot);
        sp = patch_seq_drop_op(sp);
        sp = patch_seq_drop_op(sp);
        sp = patch_seq_drop_op(sp);
    }
    sp = patch_seq_yield_strand(sp);
    sp = patch_seq_swap(sp);  // ( done work )
    double start = now_ms();
    // : producer ( Channel Int -- )  dup 2 pick chan.send drop 1 i.- producer
    for (int64_t n = kMessages; n > 0; --n) {
        sp = lit(sp, n);
        sp = pick(sp, 1);
        sp = patch_seq_chan_send(sp);
        sp = patch_seq_drop_op(sp);
        patch_seq_maybe_yield();
    }
    sp = patch_seq_yield_strand(sp);
    // : send-sentinels ( Channel Int -- )  -1 2 pick chan.send drop
    for (int64_t n = 0; n < kWorkers; ++n) {
        sp = lit(sp, -1);
        sp = pick(sp, 1);
        sp = patch_seq_chan_send(sp);
        sp = patch_seq_drop_op(sp);
    }
    sp = patch_seq_drop_op(sp);  // ( done )
    // : collect-results ( Channel Int Int -- Int ) 2 pick chan.receive drop rot i.+ ...
    sp = lit(sp, 0);
    for (int64_t n = 0; n < kWorkers; ++n) {
        sp = pick(sp, 1);
        sp = patch_seq_chan_receive(sp);
        sp = patch_seq_drop_op(sp);
        sp = add(sp);
    }
    // Unlike upstream's Seq version (which stops the clock before collecting),
    // the time includes the workers' consumption, as the Go version's does.
    double ms = now_ms() - start;
    printf("BENCH:fanout:%s:%lld:%.3f\n", bounded ? "bounded100-100k" : "throughput-100k",
           static_cast<long long>(top_int(sp)), ms);
    sp = patch_seq_drop_op(sp);
    patch_seq_drop_op(sp);
}

// ---- skynet: 10-ary tree of 100,000 strands summing over channels --------------------------

// : skynet ( Channel Int Int -- )
seq_stack_t skynet(seq_stack_t sp) {
    if (top_int(sp) == 1) {
        sp = patch_seq_drop_op(sp);
        sp = patch_seq_swap(sp);
        sp = patch_seq_chan_send(sp);
        return patch_seq_drop_op(sp);
    }
    sp = patch_seq_make_channel(sp);
    // over 10 i.divide drop  ( result num size child child-size )
    sp = pick(sp, 1);
    sp[-1] = SEQ_INT(top_int(sp) / 10);
    for (int64_t i = 0; i < 10; ++i) {
        // 3 pick 10 i.* i i.+ 2 pick swap 2 pick [ skynet ] strand.spawn drop drop drop drop
        sp = pick(sp, 3);
        sp[-1] = SEQ_INT(top_int(sp) * 10 + i);
        sp = pick(sp, 2);
        sp = patch_seq_swap(sp);
        sp = pick(sp, 2);
        sp = spawn_quot(sp, skynet);
        for (int k = 0; k < 4; ++k)
            sp = patch_seq_drop_op(sp);
    }
    // drop swap drop swap drop  ( result child )
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_swap(sp);
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_swap(sp);
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_dup(sp);
    sp = patch_seq_chan_receive(sp);
    sp = patch_seq_drop_op(sp);
    for (int i = 0; i < 9; ++i) {
        sp = pick(sp, 1);
        sp = patch_seq_chan_receive(sp);
        sp = patch_seq_drop_op(sp);
        sp = add(sp);
    }
    // swap drop swap chan.send drop
    sp = patch_seq_swap(sp);
    sp = patch_seq_drop_op(sp);
    sp = patch_seq_swap(sp);
    sp = patch_seq_chan_send(sp);
    return patch_seq_drop_op(sp);
}

void bench_skynet(seq_stack_t sp) {
    double start = now_ms();
    sp = patch_seq_make_channel(sp);
    sp = patch_seq_dup(sp);
    sp = lit(sp, 0);
    sp = lit(sp, 100000);
    sp = spawn_quot(sp, skynet);
    for (int k = 0; k < 4; ++k)
        sp = patch_seq_drop_op(sp);
    sp = patch_seq_chan_receive(sp);
    sp = patch_seq_drop_op(sp);
    double ms = now_ms() - start;
    printf("BENCH:skynet:spawn-100k:%lld:%.3f\n", static_cast<long long>(top_int(sp)), ms);
    patch_seq_drop_op(sp);
}

// ---- weave: a generator yielding 100,000 values to its resumer ---------------------------

// [ drop 0 gen-loop ] where gen-loop ( ctx i -- ctx ) yields i while i < N.
seq_stack_t generator_quot(seq_stack_t sp) {
    sp = patch_seq_drop_op(sp);  // the first resume value
    for (int64_t i = 0; i < kIterations; ++i) {
        sp = lit(sp, i);
        sp = patch_seq_yield(sp);
        sp = patch_seq_drop_op(sp);  // the next resume value
        patch_seq_maybe_yield();
    }
    return sp;
}

void bench_weave(seq_stack_t sp) {
    double start = now_ms();
    sp = patch_seq_push_quotation(sp, reinterpret_cast<uintptr_t>(generator_quot),
                                  reinterpret_cast<uintptr_t>(generator_quot));
    sp = patch_seq_weave(sp);
    sp = lit(sp, 0);  // ( W sum )
    for (;;) {
        // swap 0 strand.resume if rot i.+ swap ... else drop drop then
        sp = patch_seq_swap(sp);
        sp = lit(sp, 0);
        sp = patch_seq_resume(sp);
        bool more = sp[-1] == SEQ_TRUE;
        sp = patch_seq_drop_op(sp);
        if (!more) {
            sp = patch_seq_drop_op(sp);  // ( sum W )
            break;
        }
        sp = patch_seq_rot(sp);
        sp = add(sp);
        patch_seq_maybe_yield();
    }
    sp = patch_seq_drop_op(sp);  // the handle
    double ms = now_ms() - start;
    printf("BENCH:weave:generator-100k:%lld:%.3f\n", static_cast<long long>(top_int(sp)), ms);
    patch_seq_drop_op(sp);
}

const char* g_case = "all";
int g_repeat = 1;

// The compiled program's seq_main: its own value stack, then the word.
seq_stack_t seq_main(seq_stack_t) {
    seq_value_stack* st = seq_stack_new_default();
    seq_stack_t base = seq_stack_base(st);
    patch_seq_set_stack_base(base);
    bool all = strcmp(g_case, "all") == 0;
    for (int i = 0; i < g_repeat; ++i) {
        if (all || strcmp(g_case, "pingpong") == 0) bench_pingpong(base);
        if (all || strcmp(g_case, "fanout") == 0) bench_fanout(base, false);
        if (all || strcmp(g_case, "fanout-bounded") == 0) bench_fanout(base, true);
        if (all || strcmp(g_case, "skynet") == 0) bench_skynet(base);
        if (all || strcmp(g_case, "weave") == 0) bench_weave(base);
    }
    fflush(stdout);
    seq_stack_free(st);
    return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1) g_case = argv[1];
    if (argc > 2) g_repeat = atoi(argv[2]);  // later runs find warm pools
    patch_seq_args_init(argc, argv);
    patch_seq_scheduler_init();
    patch_seq_strand_spawn(seq_main, nullptr);
    patch_seq_scheduler_run();
    patch_seq_report();  // SEQ_REPORT=1 shows peak strands, as for a compiled program
    return static_cast<int>(patch_seq_get_exit_code());
}
