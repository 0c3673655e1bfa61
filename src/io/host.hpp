// The host API's logic (seq/host.h; src/abi/host_abi.cpp only translates):
// starting and stopping the runtime with explicit options, strands running a
// C function, and channels carrying host messages.
//
// Host messages ride on the ordinary channel machinery as Seq Ints holding
// the pointer's bits. An Int was chosen over a new value kind because every
// Seq word already handles Ints: a Seq strand that receives a host message
// can print, compare or forward it and has no way to dereference it, and
// nothing in the value core (SON, equality, share_value) needs to learn a
// new kind. A pointer whose top two bits differ is not a 63-bit signed
// value, cannot be an Int exactly, and is refused.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/sync/channel.hpp"
#include "core/value/value.hpp"

namespace seq::host {

// The SEQ_E* codes of seq/host.h (host_abi.cpp checks they agree).
enum Err : int {
    kOk = 0,
    kEInval = -1,
    kENotRunning = -2,
    kERunning = -3,
    kEInStrand = -4,
    kENotStrand = -5,
    kEClosed = -6,
    kEBadHandle = -7,
    kEType = -8,
    kENoMem = -9,
    kENotFound = -10,
    kEConnRefused = -11,
    kEAddr = -12,
    kEConnReset = -13,
    kEIo = -14,
    kELimit = -15,
};
const char* error_name(int err);

// True on a worker thread outside any strand (a libuv callback): nothing
// there may wait, since it would stall every strand of that worker.
bool on_bare_worker();

// Zero fields: the environment, else the defaults.
struct StartOptions {
    uint64_t workers = 0;
    uint64_t stack_size = 0;
    uint64_t pool_capacity = 0;
    uint64_t yield_slice_us = 0;
};
int runtime_start(const StartOptions& o);
int runtime_stop();

int go(void (*fn)(void*), void* arg, uint64_t* id_out);
int sleep(uint64_t ms);
void yield();
uint64_t strand_id();
// Blocking sections (core/sched/handoff): kENotStrand off a strand; end
// without a begin: kEInval.
int blocking_begin();
int blocking_end();
int wait_all();

struct Stats {
    uint64_t active, spawned, completed, peak, workers;
};
Stats stats();

// The Channel a host handle names, or null (null handle, or not a channel).
Channel* channel_from_handle(void* h);

// Host messages <-> values.
bool message_fits(void* msg);
inline StackValue message_value(void* msg) {
    return make_int(static_cast<int64_t>(reinterpret_cast<intptr_t>(msg)));
}

int chan_send(Channel* ch, void* msg);
int chan_recv(Channel* ch, void** msg);
// Any Seq value: `v` is taken (dropped on failure); *out is owned.
int chan_send_value(Channel* ch, StackValue v);
int chan_recv_value(Channel* ch, StackValue* out);
void chan_close(Channel* ch);

}  // namespace seq::host
