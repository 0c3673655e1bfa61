// Files and directories for the file.* and dir.* words, and the path
// predicates of the os.* words.
//
// Where blocking happens (see docs/abi-system.md for the measurements):
//   content and bulk work   reading or writing a file, unlinking one (which
//                           frees its blocks), listing a directory: the
//                           whole operation (open, read loop, close) runs as
//                           ONE job on libuv's threadpool while the calling
//                           strand parks, so a large file or a slow device
//                           never stalls the worker's other strands, and the
//                           price is one threadpool round trip per word, not
//                           one per syscall as chained uv_fs requests would cost;
//   single metadata calls   stat (exists?, is-dir?, size), mkdir, rmdir: run
//                           inline. Each is one short syscall on the inode
//                           cache, several times cheaper than the round trip.
// Callers that are not strands (hosts, tests, the main thread) run every
// operation inline on their own thread (both through io/blocking.hpp).
//
// Paths are byte strings. One containing a NUL byte names no file (C would
// see a shorter path), so every operation on it fails, as in Rust.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/utf8.hpp"
#include "core/value/value.hpp"
#include "io/blocking.hpp"  // run_blocking, which the content operations use

namespace seq {

// ---- metadata (inline) -------------------------------------------------------------

enum class PathKind { Missing, File, Dir, Other };
// What `path` names, following symbolic links (Rust's fs::metadata).
PathKind path_kind(std::string_view path);
// st_size of what `path` names, following links; nullopt if it cannot be read.
std::optional<int64_t> file_size(std::string_view path);
// Rust's fs::create_dir_all: creates missing parents; an existing directory
// (or the empty path) is success.
bool dir_make_all(std::string_view path);
// rmdir: only an empty directory.
bool dir_remove(std::string_view path);

// ---- content (threadpool for strands) ----------------------------------------------

// The whole file as a new global String, or nullopt when it cannot be read
// or (`accept` Utf8Only: Rust's fs::read_to_string, seq-runtime 5.4.0) is not
// valid UTF-8; with Any (7.x's fs::read) any bytes.
std::optional<StackValue> file_read_string(std::string_view path, utf8::Bytes accept);
// Creates or truncates (append = false) or appends to (append = true) the
// file and writes all of `data`. False on any failure, including close.
bool file_write(std::string_view path, std::string_view data, bool append);
bool file_remove(std::string_view path);
// Names in the directory (without "." and ".."), sorted by bytes; names
// that are not valid UTF-8 are skipped, as upstream does. nullopt when the
// directory cannot be opened.
std::optional<std::vector<std::string>> dir_names(std::string_view path);

// ---- reading by lines (file.for-each-line+) ---------------------------------------------

// Rust's io::Error Display for an errno: "<strerror> (os error <n>)".
std::string os_error_message(int err);

// Calls on_line(ctx, line) for each line of the file, in order, as Rust's
// BufRead::lines() yields them with upstream's '\n' put back: a "\n" or
// "\r\n" terminator becomes "\n", and a last line without one gets "\n".
// The file is read in chunks (each on the threadpool for strands) and
// on_line runs on the caller's own thread/strand, so it may run Seq code.
// Returns false with *error set (Rust's message) when the file cannot be
// opened or read, or at the first line that is not valid UTF-8; lines before
// it were delivered.
bool file_for_each_line(std::string_view path, void (*on_line)(void*, std::string_view), void* ctx,
                        std::string* error);

}  // namespace seq
