// Randomness for crypto.random-int, crypto.random-bytes and crypto.uuid4.
//
// Every byte comes from the kernel's CSPRNG through getrandom(2) (falling
// back to /dev/urandom where the syscall is missing). Small requests are
// served from a per-thread buffer of kernel bytes refilled 256 bytes at a
// time, so random-int in a loop costs a copy, not a syscall; served bytes
// are wiped from the buffer, and a forked child discards what it inherited
// (it would otherwise repeat its parent's numbers). The buffer is used
// within one call that never switches strands, so strand migration between
// threads cannot split a draw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace seq {

// Fills `out` with `n` cryptographically secure random bytes.
void random_fill(void* out, size_t n);
// Uniform in [min, max) by rejection sampling (no modulo bias); min when
// min >= max (upstream's rule).
int64_t random_range(int64_t min, int64_t max);
// `n` random bytes as lowercase hex (2n characters).
std::string random_hex(size_t n);
// A random (version 4, RFC 4122 variant) UUID, lowercase, 8-4-4-4-12.
std::string uuid4();

}  // namespace seq
