// Running a word that needs a strand from a thread that runs none.
//
// Words that park (network I/O, DNS) need a strand; a host thread or a test
// may call them directly. call_in_strand runs the body in a helper strand
// (not counted among the program's active strands) and blocks the calling
// OS thread until it is done. Used by the TCP, UDP and DNS modules.
#pragma once

#include <condition_variable>
#include <mutex>
#include <type_traits>

#include "core/fatal.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"

namespace seq {

// `f` runs in a helper strand; the caller (a thread that is not a worker)
// blocks until it returned, and gets its result. `word` names the caller in
// the message when this is misused from a uv callback on a worker thread.
template <typename F>
auto call_in_strand(const char* word, F&& f) -> decltype(f()) {
    using R = decltype(f());
    if (current_worker())
        fatal(word, "called on a worker thread outside a strand (a uv callback?)");
    struct Job {
        std::remove_reference_t<F>* fn = nullptr;
        R result{};
        std::mutex mu;
        std::condition_variable cv;
        bool done = false;
    };
    Job job;
    job.fn = &f;
    SpawnOptions opts;
    opts.counted = false;  // an implementation detail, not a program strand
    opts.user = &job;
    spawn_strand(
        [](Stack sp) -> Stack {
            auto* j = static_cast<Job*>(current_strand()->user);
            R r = (*j->fn)();
            std::lock_guard<std::mutex> lock(j->mu);
            j->result = std::move(r);
            j->done = true;
            j->cv.notify_one();
            return sp;
        },
        nullptr, opts);
    std::unique_lock<std::mutex> lock(job.mu);
    job.cv.wait(lock, [&] { return job.done; });
    return std::move(job.result);
}

}  // namespace seq
