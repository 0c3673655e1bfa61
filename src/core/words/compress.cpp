#include "core/words/compress.hpp"

#include <zlib.h>
// ZSTD_decompressBound (zstd_runs_long) is in the static-only part of the API.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "core/fatal.hpp"

namespace seq::compress {

namespace {

constexpr size_t kChunk = 64 * 1024;

// zlib counts in uInt: feed and drain at most this much per call.
constexpr size_t kZMax = UINT_MAX;

}  // namespace

std::string gzip(std::string_view data, int level) {
    level = std::clamp(level, 1, 9);
    z_stream zs{};
    // 15 window bits + 16: a gzip wrapper instead of zlib's.
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        fatal("compress.gzip", "zlib initialisation failed");
    // flate2 writes OS = 255 (unknown) and no name/comment/mtime; zlib would
    // write 3 (Unix). Same bytes in the header keep outputs comparable.
    gz_header header{};
    header.os = 255;
    deflateSetHeader(&zs, &header);

    std::string out;
    out.resize(deflateBound(&zs, data.size()) + 16);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    size_t in_left = data.size();
    size_t produced = 0;
    int rc;
    do {
        size_t in_now = std::min(in_left, kZMax);
        zs.avail_in = static_cast<uInt>(in_now);
        in_left -= in_now;
        if (out.size() - produced < kChunk) out.resize(out.size() + kChunk);
        zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
        zs.avail_out = static_cast<uInt>(std::min(out.size() - produced, kZMax));
        size_t before = zs.avail_out;
        rc = deflate(&zs, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
        produced += before - zs.avail_out;
        in_left += zs.avail_in;  // what deflate did not take this round
        if (rc == Z_STREAM_ERROR) {
            deflateEnd(&zs);
            fatal("compress.gzip", "zlib deflate failed");
        }
    } while (rc != Z_STREAM_END);
    deflateEnd(&zs);
    out.resize(produced);
    return out;
}

std::optional<std::string> gunzip(std::string_view data, size_t limit) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) fatal("compress.gunzip", "zlib initialisation failed");
    std::string out;
    const char* next = data.data();
    size_t in_left = data.size();
    size_t produced = 0;
    bool ok = false;
    for (;;) {
        if (zs.avail_in == 0 && in_left > 0) {
            size_t n = std::min(in_left, kZMax);
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(next));
            zs.avail_in = static_cast<uInt>(n);
            next += n;
            in_left -= n;
        }
        // Grow geometrically up to limit + 1 bytes: one byte past the limit
        // is enough to know the output is too large.
        if (out.size() - produced < kChunk)
            out.resize(std::min(std::max(out.size() * 2, kChunk), limit + 1));
        zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
        zs.avail_out = static_cast<uInt>(std::min(out.size() - produced, kZMax));
        size_t before = zs.avail_out;
        int rc = inflate(&zs, Z_NO_FLUSH);
        produced += before - zs.avail_out;
        if (produced > limit) break;  // a bomb, or simply too large
        if (rc == Z_STREAM_END) {     // first member done; what follows is ignored
            ok = true;
            break;
        }
        if (rc == Z_OK) continue;
        // No progress: fine if only the output was full, else truncated input.
        if (rc == Z_BUF_ERROR && (zs.avail_in > 0 || in_left > 0)) continue;
        break;  // truncated, corrupt data, bad CRC or header
    }
    inflateEnd(&zs);
    if (!ok) return std::nullopt;
    out.resize(produced);
    return out;
}

std::string zstd(std::string_view data, int level) {
    level = std::clamp(level, 1, 22);
    // One-shot compression records the content size in the frame header,
    // which also lets zstd size its tables to the input (a streaming encoder
    // with an unknown size allocates for the worst case: ~100 MiB at 19).
    std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
    if (!cctx) fatal("compress.zstd", "out of memory");
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
    std::string out(ZSTD_compressBound(data.size()), '\0');
    size_t n = ZSTD_compress2(cctx.get(), out.data(), out.size(), data.data(), data.size());
    if (ZSTD_isError(n)) fatal("compress.zstd", "%s", ZSTD_getErrorName(n));
    out.resize(n);
    return out;
}

std::optional<std::string> unzstd(std::string_view data, size_t limit) {
    std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    if (!dctx) fatal("compress.unzstd", "out of memory");
    // Frames that ask for a window larger than the output bound are refused
    // before any memory is committed to them.
    ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 27);
    std::string out;
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    size_t produced = 0;
    size_t hint = 1;
    for (;;) {
        if (out.size() - produced < kChunk)
            out.resize(std::min(std::max(out.size() * 2, kChunk), limit + 1));
        ZSTD_outBuffer o{out.data() + produced, out.size() - produced, 0};
        hint = ZSTD_decompressStream(dctx.get(), &o, &in);
        produced += o.pos;
        if (ZSTD_isError(hint) || produced > limit) return std::nullopt;
        // All input taken, and either the last frame just ended or there was
        // room left over (the decoder has flushed all it can).
        if (in.pos == in.size && (hint == 0 || o.pos < o.size)) break;
    }
    // 0: the last frame is complete. Otherwise it was truncated (or the input
    // was empty, which is no zstd stream either).
    if (hint != 0) return std::nullopt;
    out.resize(produced);
    return out;
}

bool gunzip_runs_long(std::string_view data) {
    return data.size() >= kSlowGunzipBytes;
}

bool unzstd_runs_long(std::string_view data) {
    unsigned long long bound = ZSTD_decompressBound(data.data(), data.size());
    return bound == ZSTD_CONTENTSIZE_ERROR || bound >= kSlowOutputBytes;
}

}  // namespace seq::compress
