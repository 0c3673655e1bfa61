// Compression behind the compress.* words (seq-runtime 5.4.0 compress.rs):
// gzip on zlib, Zstandard on libzstd. These functions work on raw bytes; the
// words carry compressed data as standard Base64 text, as upstream does.
//
// Decompression is bounded: output beyond kMaxDecompressedBytes fails (upstream
// has no bound, so a small "bomb" could exhaust memory). Both decoders stream
// into a buffer that grows as output arrives, never trusting a size the input
// declares.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace seq::compress {

inline constexpr size_t kMaxDecompressedBytes = size_t{64} << 20;  // 64 MiB

// When a compress word runs on libuv's threadpool (io/blocking.hpp) while
// its strand parks, so its worker keeps running the other strands
// (docs/architecture.md, "Long words off the worker"). Compressing: from
// kSlowCompressBytes of input (64 KiB: ~0.7 ms with gzip -6). Decompressing
// goes by what the output may be, the input says little: deflate expands at
// most ~1032x, so gzip from kSlowGunzipBytes of compressed data; zstd when
// its frames' bound (ZSTD_decompressBound: the declared sizes, or blocks x
// 128 KiB) reaches kSlowOutputBytes, or the input is malformed (a truncated
// frame may still decode a lot before failing). About 1 ms of work at each
// threshold, against a threadpool round trip of ~60 us.
inline constexpr size_t kSlowCompressBytes = size_t{64} << 10;
inline constexpr size_t kSlowGunzipBytes = size_t{1} << 10;
inline constexpr size_t kSlowOutputBytes = size_t{1} << 20;
constexpr bool compress_runs_long(size_t input_bytes) {
    return input_bytes >= kSlowCompressBytes;
}
bool gunzip_runs_long(std::string_view data);
bool unzstd_runs_long(std::string_view data);

inline constexpr int kGzipDefaultLevel = 6;  // flate2's Compression::default()
inline constexpr int kZstdDefaultLevel = 3;

// gzip member: 10-byte header (no name, mtime 0, OS 255 "unknown" as flate2
// writes it), deflate data, CRC-32 and size. `level` is clamped to 1..9.
std::string gzip(std::string_view data, int level);
// Decodes the first gzip member (trailing bytes are ignored, as flate2's
// GzDecoder does). nullopt: not gzip, corrupt, truncated, or over `limit`.
std::optional<std::string> gunzip(std::string_view data, size_t limit = kMaxDecompressedBytes);

// One zstd frame with the content size in its header; `level` is clamped to
// 1..22.
std::string zstd(std::string_view data, int level);
// Decodes every frame (skippable frames skipped; empty input is empty
// output). nullopt: corrupt, truncated, trailing garbage, or over `limit`.
std::optional<std::string> unzstd(std::string_view data, size_t limit = kMaxDecompressedBytes);

}  // namespace seq::compress
