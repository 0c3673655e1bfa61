// File and directory words (seq-runtime 5.4.0 file.rs). The I/O itself is
// in io/fs (where it blocks and why: see there and docs/abi-system.md).
#include "abi/abi.hpp"
#include "abi/abi_version.hpp"
#include "core/sched/strand.hpp"
#include "core/value/callable.hpp"
#include "core/value/list.hpp"
#include "io/fs.hpp"
#include "seq/runtime_system.h"

using namespace seq;

namespace {

template <typename Op>
Stack path_op(Stack sp, const char* word, Op op) {
    bool ok = with_string(sp, word, op);
    return push(sp, make_bool(ok));
}

// ( content path -- Bool )
Stack write_op(Stack sp, const char* word, bool append) {
    bool ok = with_strings(sp, word, [&](std::string_view content, std::string_view path) {
        return file_write(path, content, append);
    });
    return push(sp, make_bool(ok));
}

struct LineCtx {
    Stack sp;
    StackValue quot;
    const char* word;
};

// Runs the quotation on one line (file.for-each-line, and 5.4.0's
// file-for-each-line+).
void call_with_line(void* p, std::string_view line) {
    auto* c = static_cast<LineCtx*>(p);
    c->sp = invoke_callable(push(c->sp, make_string(line)), c->quot, c->word);
    // Upstream yields after every line so a long file shares the worker.
    yield_now();
}

// ( path quot -- ) runs quot on each line; true when the whole file was read,
// else false with the OS's message (as Rust words it) in *error.
bool for_each_line(Stack& sp, const char* word, std::string* error) {
    StackValue quot = pop_callable(sp, word);
    StackValue path_v = *--sp;
    if (!is_kind(path_v, Kind::String)) type_error(word, "String path", path_v);
    StringObj* path = string_of(path_v);
    // The path's bytes are copied before the first line runs Seq code.
    std::string path_copy(path->view());
    release(path);
    LineCtx ctx{sp, quot, word};
    bool ok = file_for_each_line(path_copy, call_with_line, &ctx, error);
    drop_value(quot);
    sp = ctx.sp;
    return ok;
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_file_slurp(seq_stack_t sp) {
    // 7.x slurps bytes; 5.4.0 refuses a file that is not valid UTF-8.
    auto content = with_string(
        sp, "file-slurp", [](std::string_view p) { return file_read_string(p, kStringBytes); });
    return push_with_flag(sp, content ? *content : make_string(""), content.has_value());
}

SEQ_API seq_stack_t patch_seq_file_spit(seq_stack_t sp) {
    return write_op(sp, "file.spit", false);
}

SEQ_API seq_stack_t patch_seq_file_append(seq_stack_t sp) {
    return write_op(sp, "file.append", true);
}

SEQ_API seq_stack_t patch_seq_file_exists(seq_stack_t sp) {
    return path_op(sp, "file-exists?",
                   [](std::string_view p) { return path_kind(p) != PathKind::Missing; });
}

SEQ_API seq_stack_t patch_seq_file_delete(seq_stack_t sp) {
    return path_op(sp, "file.delete", [](std::string_view p) { return file_remove(p); });
}

SEQ_API seq_stack_t patch_seq_file_size(seq_stack_t sp) {
    auto size = with_string(sp, "file.size", file_size);
    return push_with_flag(sp, make_int(size.value_or(0)), size.has_value());
}

#ifdef SEQ_ABI_54
// ( path quot -- String Bool ): 5.4.0; the String is "" or the error.
// Removed by seqc 7.x: only the 5.4 archive exports it (seq/runtime.h).
SEQ_API seq_stack_t patch_seq_file_for_each_line_plus(seq_stack_t sp) {
    std::string error;
    bool ok = for_each_line(sp, "file-for-each-line+", &error);
    return push_with_flag(sp, make_string(ok ? std::string_view() : std::string_view(error)), ok);
}
#endif

// ( path quot -- Bool ): 7.x, the same walk with only the flag.
SEQ_API seq_stack_t patch_seq_file_for_each_line(seq_stack_t sp) {
    std::string error;
    bool ok = for_each_line(sp, "file.for-each-line", &error);
    return push(sp, make_bool(ok));
}

SEQ_API seq_stack_t patch_seq_dir_exists(seq_stack_t sp) {
    return path_op(sp, "dir.exists?",
                   [](std::string_view p) { return path_kind(p) == PathKind::Dir; });
}

SEQ_API seq_stack_t patch_seq_dir_make(seq_stack_t sp) {
    return path_op(sp, "dir.make", [](std::string_view p) { return dir_make_all(p); });
}

SEQ_API seq_stack_t patch_seq_dir_delete(seq_stack_t sp) {
    return path_op(sp, "dir.delete", [](std::string_view p) { return dir_remove(p); });
}

SEQ_API seq_stack_t patch_seq_dir_list(seq_stack_t sp) {
    auto names = with_string(sp, "dir.list", dir_names);
    VariantObj* list = new_list(names ? names->size() : 0);
    if (names)
        for (const std::string& n : *names)
            list = variant_push(list, make_string(n), "dir.list");
    return push_with_flag(sp, from_heap(list), names.has_value());
}

}  // extern "C"
