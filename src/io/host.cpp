#include "io/host.hpp"

#include <cstdint>
#include <cstdio>
#include <exception>
#include <new>
#include <thread>

#include "core/fatal.hpp"
#include "core/sched/config.hpp"
#include "core/sched/diagnostics.hpp"
#include "core/sched/handoff.hpp"
#include "core/sched/scheduler.hpp"
#include "core/sched/strand.hpp"
#include "core/sched/worker.hpp"
#include "io/timer.hpp"

namespace seq::host {

const char* error_name(int err) {
    switch (err) {
        case kOk:
            return "ok";
        case kEInval:
            return "invalid argument";
        case kENotRunning:
            return "runtime not running";
        case kERunning:
            return "runtime already running";
        case kEInStrand:
            return "not allowed in a strand (it would wait for itself)";
        case kENotStrand:
            return "runtime thread outside a strand may not wait";
        case kEClosed:
            return "channel closed";
        case kEBadHandle:
            return "bad handle (not a channel, or not an open socket of that kind)";
        case kEType:
            return "received a Seq value that is not a host message";
        case kENoMem:
            return "out of memory";
        case kENotFound:
            return "host not found";
        case kEConnRefused:
            return "connection refused or unreachable";
        case kEAddr:
            return "cannot listen on that address";
        case kEConnReset:
            return "connection reset by peer";
        case kEIo:
            return "socket error";
        case kELimit:
            return "socket limit reached";
        default:
            return "unknown error";
    }
}

bool on_bare_worker() {
    return current_worker() != nullptr && current_strand() == nullptr;
}

// ---- runtime -------------------------------------------------------------------------

int runtime_start(const StartOptions& o) {
    if (scheduler_running()) return kERunning;  // before load_config: no repeated warnings
    // The same limits load_config applies to the environment, but an explicit
    // value out of range is the caller's mistake: refused, not replaced.
    if (o.workers > 1024) return kEInval;
    if (o.stack_size && (o.stack_size < 16 * 1024 || o.stack_size > (uint64_t{1} << 30)))
        return kEInval;
    Config c = load_config();
    if (o.workers) c.workers = static_cast<unsigned>(o.workers);
    if (o.stack_size) c.stack_size = (o.stack_size + 4095) & ~uint64_t{4095};
    if (o.pool_capacity) c.pool_capacity = o.pool_capacity;
    if (o.yield_slice_us) c.yield_slice_us = o.yield_slice_us;
    if (!scheduler_init_with(&c)) return kERunning;
    report_at_exit();  // SEQ_REPORT: a host has no main that calls patch_seq_report()
    return kOk;
}

int runtime_stop() {
    if (current_worker()) return kEInStrand;
    if (!scheduler_running()) return kENotRunning;
    wait_all_strands();
    report_note_stop();  // the worker count, for a report printed after the workers are gone
    scheduler_shutdown();
    return kOk;
}

namespace {

[[noreturn]] void uncaught(uint64_t id, const char* what) {
    char word[40];
    std::snprintf(word, sizeof word, "strand %llu", static_cast<unsigned long long>(id));
    fatal(word, "uncaught exception: %s", what);
}

// The strand's function and argument ride in the Strand record's `user`
// and `initial_sp` fields, so seq_go allocates nothing beyond the strand.
Stack host_entry(Stack sp) {
    Strand* s = current_strand();
    auto fn = reinterpret_cast<void (*)(void*)>(s->user);
    // A C function cannot throw, but a C++ one passed here can; an exception
    // must never unwind past the strand's first frame (into the fiber switch).
    // The report reads as seq/runtime.hpp's: "seq: strand N: uncaught exception: ...".
    try {
        fn(reinterpret_cast<void*>(sp));
    } catch (const std::exception& e) {
        uncaught(s->id, e.what());
    } catch (...) {
        uncaught(s->id, "(not a std::exception)");
    }
    return nullptr;
}

}  // namespace

int go(void (*fn)(void*), void* arg, uint64_t* id_out) {
    if (!fn) return kEInval;
    if (!scheduler_running()) return kENotRunning;
    SpawnOptions o;
    o.user = reinterpret_cast<void*>(fn);
    uint64_t id;
    try {
        id = spawn_strand(host_entry, static_cast<Stack>(arg), o);
    } catch (const std::bad_alloc&) {
        return kENoMem;
    }
    if (id_out) *id_out = id;
    return kOk;
}

int sleep(uint64_t ms) {
    if (on_bare_worker()) return kENotStrand;
    // sleep_ms counts in signed nanoseconds: UINT64_MAX ("forever") would
    // overflow to a deadline in the past. ~292 years is forever enough.
    constexpr uint64_t kMaxMs = INT64_MAX / 1000000 - 1;
    sleep_ms(ms < kMaxMs ? ms : kMaxMs);
    return kOk;
}

void yield() {
    if (current_strand())
        yield_now();
    else
        std::this_thread::yield();
}

uint64_t strand_id() {
    Strand* s = current_strand();
    return s ? s->id : 0;
}

int blocking_begin() {
    return blocking_section_begin() ? kOk : kENotStrand;
}

int blocking_end() {
    if (!current_strand()) return kENotStrand;
    return blocking_section_end() ? kOk : kEInval;
}

int wait_all() {
    if (current_worker()) return kEInStrand;
    if (!scheduler_running()) return kENotRunning;
    wait_all_strands();
    return kOk;
}

Stats stats() {
    Counters& c = counters();
    // Read in this order so that spawned >= completed + active holds (see
    // scheduler.hpp).
    Stats st{};
    st.completed = c.completed.load();
    st.active = c.active.load();
    st.spawned = c.spawned.load();
    st.peak = c.peak.load();
    st.workers = scheduler_running() ? scheduler().workers.size() : 0;
    return st;
}

// ---- channels --------------------------------------------------------------------------

Channel* channel_from_handle(void* h) {
    if (!h) return nullptr;
    auto* obj = static_cast<HeapObject*>(h);
    // A handle is a Channel object itself; the kind check catches a pointer
    // to anything else that carries our header (or zeroed memory).
    if (obj->kind != Kind::Channel) return nullptr;
    return static_cast<Channel*>(obj);
}

bool message_fits(void* msg) {
    auto bits = static_cast<int64_t>(reinterpret_cast<intptr_t>(msg));
    return bits >= kIntMin && bits <= kIntMax;
}

int chan_send(Channel* ch, void* msg) {
    if (!message_fits(msg)) return kEInval;
    return chan_send_value(ch, message_value(msg));
}

int chan_recv(Channel* ch, void** msg) {
    StackValue v;
    int r = chan_recv_value(ch, &v);
    if (r != kOk) {
        *msg = nullptr;
        return r;
    }
    if (!is_int(v)) {
        drop_value(v);
        *msg = nullptr;
        return kEType;
    }
    *msg = reinterpret_cast<void*>(static_cast<intptr_t>(int_of(v)));
    return kOk;
}

namespace {

// A host handle is borrowed by each call, and another thread may release the
// last reference while this one waits in send or recv (a C++ channel being
// destroyed). The Seq words hold a reference for the whole word; so does
// every host call.
class Hold {
  public:
    explicit Hold(Channel* ch) : ch_(ch) { retain(ch_); }
    ~Hold() { release(ch_); }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;

  private:
    Channel* ch_;
};

}  // namespace

int chan_send_value(Channel* ch, StackValue v) {
    if (on_bare_worker()) {
        drop_value(v);
        return kENotStrand;
    }
    Hold hold(ch);
    return channel_send(ch, v) ? kOk : kEClosed;
}

int chan_recv_value(Channel* ch, StackValue* out) {
    if (on_bare_worker()) return kENotStrand;
    Hold hold(ch);
    return channel_receive(ch, out) ? kOk : kEClosed;
}

void chan_close(Channel* ch) {
    Hold hold(ch);
    channel_close(ch);
}

}  // namespace seq::host
