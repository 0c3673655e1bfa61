// File and directory words (seq-runtime 5.4.0 file.rs). The I/O itself is
// in io/fs (where it blocks and why: see there and docs/abi-system.md).
#include "abi/abi.hpp"
#include "core/value/callable.hpp"
#include "core/value/list.hpp"
#include "core/sched/strand.hpp"
#include "io/fs.hpp"
#include "seq/runtime_system.h"

using namespace seq;

namespace {

StringObj* pop_string(Stack& sp, const char* word) {
    return string_of(pop_kind(sp, Kind::String, word));
}

template <typename Op>
Stack path_op(Stack sp, const char* word, Op op) {
    StringObj* path = pop_string(sp, word);
    bool ok = op(path->view());
    release(path);
    return push(sp, make_bool(ok));
}

// ( content path -- Bool )
Stack write_op(Stack sp, const char* word, bool append) {
    StringObj* path = pop_string(sp, word);
    StringObj* content = pop_string(sp, word);
    bool ok = file_write(path->view(), content->view(), append);
    release(path);
    release(content);
    return push(sp, make_bool(ok));
}

struct LineCtx {
    Stack sp;
    StackValue quot;
};

void call_with_line(void* p, std::string_view line) {
    auto* c = static_cast<LineCtx*>(p);
    c->sp = invoke_callable(push(c->sp, make_string(line)), c->quot, "file-for-each-line+");
    // Upstream yields after every line so a long file shares the worker.
    yield_now();
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_file_slurp(seq_stack_t sp) {
    StringObj* path = pop_string(sp, "file-slurp");
    auto content = file_read_string(path->view());
    release(path);
    sp = push(sp, content ? *content : make_string(""));
    return push(sp, make_bool(content.has_value()));
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
    StringObj* path = pop_string(sp, "file.size");
    auto size = file_size(path->view());
    release(path);
    sp = push(sp, make_int(size ? *size : 0));
    return push(sp, make_bool(size.has_value()));
}

SEQ_API seq_stack_t patch_seq_file_for_each_line_plus(seq_stack_t sp) {
    StackValue quot = *--sp;
    if (!is_callable(quot)) type_error("file-for-each-line+", "Quotation or Closure", quot);
    StackValue path_v = *--sp;
    if (!is_kind(path_v, Kind::String)) type_error("file-for-each-line+", "String path", path_v);
    StringObj* path = string_of(path_v);
    // The path's bytes are copied before the first line runs Seq code.
    std::string path_copy(path->view());
    release(path);
    LineCtx ctx{sp, quot};
    std::string error;
    bool ok = file_for_each_line(path_copy, call_with_line, &ctx, &error);
    drop_value(quot);
    sp = push(ctx.sp, make_string(ok ? std::string_view() : std::string_view(error)));
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
    StringObj* path = pop_string(sp, "dir.list");
    auto names = dir_names(path->view());
    release(path);
    VariantObj* list = new_list(names ? names->size() : 0);
    if (names)
        for (const std::string& n : *names)
            list = variant_push(list, make_string(n), "dir.list");
    sp = push(sp, from_heap(list));
    return push(sp, make_bool(names.has_value()));
}

}  // extern "C"
