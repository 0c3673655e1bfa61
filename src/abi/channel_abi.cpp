// Channel words: thin wrappers over core/channel.
#include "abi/abi.hpp"
#include "core/sync/channel.hpp"
#include "seq/runtime_channels.h"

using namespace seq;

extern "C" {

SEQ_API seq_stack_t patch_seq_make_channel(seq_stack_t sp) {
    return push(sp, channel_new());
}

SEQ_API seq_stack_t patch_seq_make_channel_bounded(seq_stack_t sp) {
    int64_t n = pop_int(sp, "chan.make-bounded");
    if (n < 0) fatal("chan.make-bounded", "capacity must be >= 0, got %lld", (long long)n);
    return push(sp, channel_new(static_cast<size_t>(n)));
}

SEQ_API seq_stack_t patch_seq_close_channel(seq_stack_t sp) {
    StackValue ch = pop_kind(sp, Kind::Channel, "chan.close");
    channel_close(channel_of(ch));
    drop_value(ch);
    return sp;
}

SEQ_API seq_stack_t patch_seq_chan_send(seq_stack_t sp) {
    StackValue ch = *--sp;
    StackValue v = *--sp;
    if (!is_kind(ch, Kind::Channel)) {
        drop_value(v);
        drop_value(ch);
        return push(sp, kFalse);
    }
    bool ok = channel_send(channel_of(ch), v);
    drop_value(ch);
    return push(sp, make_bool(ok));
}

SEQ_API seq_stack_t patch_seq_chan_receive(seq_stack_t sp) {
    StackValue ch = *--sp;
    StackValue v = make_int(0);
    bool ok = false;
    if (is_kind(ch, Kind::Channel)) ok = channel_receive(channel_of(ch), &v);
    drop_value(ch);
    return push_with_flag(sp, v, ok);
}

SEQ_API bool seq_channel_stats(seq_value_t chan, seq_channel_stats_t* out) {
    if (!out || !is_kind(chan, Kind::Channel)) return false;
    ChannelStats st = channel_stats(channel_of(chan));
    out->sent = st.sent;
    out->received = st.received;
    out->queued = st.queued;
    out->capacity = st.capacity;
    out->closed = st.closed;
    return true;
}

SEQ_API void seq_channel_totals(uint64_t* sent, uint64_t* received) {
    channel_totals(sent, received);
}

}  // extern "C"
