// Randomness words (seq-runtime 5.4.0 crypto.rs: random-int, random-bytes,
// uuid4). Bytes come from the kernel's CSPRNG (core/os_random).
#include "abi/abi.hpp"
#include "core/sys/os_random.hpp"
#include "seq/runtime_system.h"

using namespace seq;

namespace {
// Upstream's cap: larger requests are refused, not truncated.
constexpr int64_t kMaxRandomBytes = 1024;
}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_random_int(seq_stack_t sp) {
    int64_t max = pop_int(sp, "random-int");
    int64_t min = pop_int(sp, "random-int");
    return push(sp, make_int(random_range(min, max)));
}

SEQ_API seq_stack_t patch_seq_random_bytes(seq_stack_t sp) {
    int64_t n = pop_int(sp, "random-bytes");
    if (n < 0)
        fatal("random-bytes", "byte count must be non-negative, got %lld",
              static_cast<long long>(n));
    if (n > kMaxRandomBytes)
        fatal("random-bytes", "byte count too large (max 1024), got %lld",
              static_cast<long long>(n));
    return push(sp, make_string(random_hex(static_cast<size_t>(n))));
}

SEQ_API seq_stack_t patch_seq_uuid4(seq_stack_t sp) {
    return push(sp, make_string(uuid4()));
}

}  // extern "C"
