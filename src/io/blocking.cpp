#include "io/blocking.hpp"

#include "io/uv_bridge.hpp"

namespace seq {

namespace {

struct BlockingJob {
    uv_work_t req;
    void (*fn)(void*);
    void* arg;
    UvWaiter* waiter;
};

}  // namespace

void run_blocking(void (*fn)(void*), void* arg) {
    uv_loop_t* loop = current_loop();
    if (!loop) {  // not a strand: there is nothing else to keep running
        fn(arg);
        return;
    }
    // The waiter pins the strand: the completion callback runs on this
    // worker's loop and wakes it here.
    UvWaiter waiter(ParkReason::ThreadPool);
    BlockingJob job{};
    job.fn = fn;
    job.arg = arg;
    job.waiter = &waiter;
    job.req.data = &job;
    int rc = uv_queue_work(
        loop, &job.req,
        [](uv_work_t* r) {
            auto* j = static_cast<BlockingJob*>(r->data);
            j->fn(j->arg);
        },
        [](uv_work_t* r, int status) {
            static_cast<BlockingJob*>(r->data)->waiter->complete(status);
        });
    if (rc != 0) {
        fn(arg);  // cannot happen with a valid loop; never lose the operation
        return;
    }
    waiter.wait();
}

}  // namespace seq
