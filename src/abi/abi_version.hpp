// Which compiler's contract the src/abi translation units are built for.
//
// One source tree gives two archives: the default libseq_runtime.a speaks the
// seqc 7.7.3 ABI, libseq_runtime-5.4.a the seqc 5.4.0 one. Only src/abi is
// compiled twice (with SEQ_ABI_VERSION=77 and =54); where the two contracts
// conflict (closure capture order, int_bits and the bit words, float
// comparisons, byte-clean strings, the words 7.x removed, the test
// framework's output) the abi function picks the behaviour
// here and passes it to core/io as an ordinary parameter. core and io never
// include this header: they are built once and serve both archives.
#pragma once

#include "core/text/utf8.hpp"

#ifndef SEQ_ABI_VERSION
#define SEQ_ABI_VERSION 77
#endif

namespace seq {

// 77 for seqc 7.7.3 (the default), 54 for seqc 5.4.0.
inline constexpr int kAbiVersion = SEQ_ABI_VERSION;
inline constexpr bool kAbi7 = kAbiVersion >= 70;

// Strings are byte-clean in 7.x: words that take in outside bytes (tcp.read,
// file.slurp, the decoders, AES decryption) return them as they are; 5.4.0
// failed on bytes that are not UTF-8.
inline constexpr utf8::Bytes kStringBytes = kAbi7 ? utf8::Bytes::Any : utf8::Bytes::Utf8Only;

}  // namespace seq
