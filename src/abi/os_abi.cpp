// Environment, platform and path words (seq-runtime 5.4.0 os.rs; os.exit
// lives in process_abi.cpp). Semantics: docs/abi-system.md.
#include "abi/abi.hpp"
#include "core/sys/os_env.hpp"
#include "io/fs.hpp"
#include "seq/runtime_system.h"

using namespace seq;

namespace {

StringObj* pop_string(Stack& sp, const char* word) {
    return string_of(pop_kind(sp, Kind::String, word));
}

// ( -- String Bool ) from an optional result: ( "" false ) when absent.
Stack push_result(Stack sp, const std::optional<std::string>& v) {
    sp = push(sp, make_string(v ? std::string_view(*v) : std::string_view()));
    return push(sp, make_bool(v.has_value()));
}

Stack push_part(Stack sp, std::optional<std::string_view> part) {
    sp = push(sp, make_string(part ? *part : std::string_view()));
    return push(sp, make_bool(part.has_value()));
}

template <typename Pred>
Stack path_test(Stack sp, const char* word, Pred pred) {
    StringObj* path = pop_string(sp, word);
    bool r = pred(path_kind(path->view()));
    release(path);
    return push(sp, make_bool(r));
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_getenv(seq_stack_t sp) {
    StringObj* name = pop_string(sp, "getenv");
    auto value = env_get(name->view());
    release(name);
    return push_result(sp, value);
}

SEQ_API seq_stack_t patch_seq_home_dir(seq_stack_t sp) {
    return push_result(sp, home_dir());
}

SEQ_API seq_stack_t patch_seq_current_dir(seq_stack_t sp) {
    return push_result(sp, current_dir());
}

SEQ_API seq_stack_t patch_seq_os_name(seq_stack_t sp) {
    return push(sp, make_string(os_name()));
}

SEQ_API seq_stack_t patch_seq_os_arch(seq_stack_t sp) {
    return push(sp, make_string(os_arch()));
}

SEQ_API seq_stack_t patch_seq_path_exists(seq_stack_t sp) {
    return path_test(sp, "path-exists", [](PathKind k) { return k != PathKind::Missing; });
}

SEQ_API seq_stack_t patch_seq_path_is_file(seq_stack_t sp) {
    return path_test(sp, "path-is-file", [](PathKind k) { return k == PathKind::File; });
}

SEQ_API seq_stack_t patch_seq_path_is_dir(seq_stack_t sp) {
    return path_test(sp, "path-is-dir", [](PathKind k) { return k == PathKind::Dir; });
}

SEQ_API seq_stack_t patch_seq_path_join(seq_stack_t sp) {
    StringObj* component = pop_string(sp, "path-join");
    StringObj* base = pop_string(sp, "path-join");
    StackValue joined = make_string(path_join(base->view(), component->view()));
    release(base);
    release(component);
    return push(sp, joined);
}

SEQ_API seq_stack_t patch_seq_path_parent(seq_stack_t sp) {
    StringObj* path = pop_string(sp, "path-parent");
    sp = push_part(sp, path_parent(path->view()));
    release(path);
    return sp;
}

SEQ_API seq_stack_t patch_seq_path_filename(seq_stack_t sp) {
    StringObj* path = pop_string(sp, "path-filename");
    sp = push_part(sp, path_filename(path->view()));
    release(path);
    return sp;
}

}  // extern "C"
