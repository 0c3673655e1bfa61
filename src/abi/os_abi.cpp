// Environment, platform and path words (seq-runtime 5.4.0 os.rs; os.exit
// lives in process_abi.cpp). Semantics: docs/abi-system.md.
#include "abi/abi.hpp"
#include "core/sys/os_env.hpp"
#include "io/fs.hpp"
#include "seq/runtime_system.h"

using namespace seq;

namespace {

template <typename Pred>
Stack path_test(Stack sp, const char* word, Pred pred) {
    bool r = with_string(sp, word, [&](std::string_view path) { return pred(path_kind(path)); });
    return push(sp, make_bool(r));
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_getenv(seq_stack_t sp) {
    auto value = with_string(sp, "getenv", env_get);
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
    std::string joined = with_strings(sp, "path-join", path_join);
    return push(sp, make_string(joined));
}

SEQ_API seq_stack_t patch_seq_path_parent(seq_stack_t sp) {
    StringObj* path = pop_string(sp, "path-parent");
    // The part points into `path`: pushed (copied) before the release.
    sp = push_result(sp, path_parent(path->view()));
    release(path);
    return sp;
}

SEQ_API seq_stack_t patch_seq_path_filename(seq_stack_t sp) {
    StringObj* path = pop_string(sp, "path-filename");
    sp = push_result(sp, path_filename(path->view()));
    release(path);
    return sp;
}

}  // extern "C"
