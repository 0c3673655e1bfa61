// Checks that a long word runs off its worker thread (io/blocking.hpp): with
// one worker, a strand calls the word again and again while a second strand,
// the ticker, takes a few short sleeps and notes each time it wakes whether
// the word was in progress. A word run inline keeps the worker busy, so the
// ticker cannot run while it is in progress: it wakes only between calls,
// or after the last. No timing is asserted; only what the ticker saw.
#pragma once

#include <atomic>
#include <functional>

#include "scheduler_fixture.hpp"
#include "seq/runtime_io.h"
#include "test_support.hpp"

namespace seq::test {

struct BesideTicker {
    int ticks_during_word = 0;     // ticker wake-ups that found the word running
    bool ticker_finished = false;  // the ticker took all its sleeps...
    int words = 0;                 // ...while the word strand made this many calls
};

// Runs `word` (a complete word call on its own stack, checking its result)
// beside a ticker of `ticks` 1 ms sleeps, on the running scheduler (give it
// one worker: WithScheduler::single_worker). The word strand stops once the
// ticker is done, or after `max_words` calls.
inline BesideTicker run_beside_ticker(const std::function<void()>& word, int ticks = 5,
                                      int max_words = 50) {
    std::atomic<bool> in_word{false}, ticker_done{false};
    std::atomic<int> seen{0}, words{0};
    spawn_fn([&] {
        while (!ticker_done.load() && words.load() < max_words) {
            in_word.store(true);
            word();
            in_word.store(false);
            words.fetch_add(1);
        }
    });
    spawn_fn([&] {
        TestStack st;
        for (int i = 0; i < ticks; ++i) {
            st.sp = patch_seq_push_int(st.sp, 1);
            st.sp = patch_seq_time_sleep_ms(st.sp);
            if (in_word.load()) seen.fetch_add(1);
        }
        ticker_done.store(true);
    });
    patch_seq_wait_all_strands();
    return {seen.load(), ticker_done.load(), words.load()};
}

}  // namespace seq::test
