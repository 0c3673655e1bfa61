// Work that would block a worker thread (file content, key derivation) runs
// where blocking is harmless: on libuv's threadpool while the calling strand
// parks, so its worker keeps running other strands. The price is one
// threadpool round trip, so callers offload only work that costs more than
// that (see io/fs.hpp and the crypto words).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

namespace seq {

// Runs fn(arg) on libuv's threadpool while the current strand parks, or
// inline when the caller is not a strand (hosts, tests, the main thread:
// there is nothing else to keep running). `fn` must not touch strand state
// (the arena, the value stack, the scheduler): it runs on a foreign thread.
void run_blocking(void (*fn)(void*), void* arg);

// The same for a callable; returns what it returns.
template <typename F>
auto run_blocking(F&& f) -> std::invoke_result_t<F&> {
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<R>) {
        run_blocking([](void* p) { (*static_cast<std::remove_reference_t<F>*>(p))(); }, &f);
    } else {
        struct Job {
            std::remove_reference_t<F>* fn;
            std::optional<R> result;
        } job{&f, std::nullopt};
        run_blocking(
            [](void* p) {
                auto* j = static_cast<Job*>(p);
                j->result.emplace((*j->fn)());
            },
            &job);
        return std::move(*job.result);
    }
}

}  // namespace seq
