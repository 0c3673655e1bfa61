// Process words: arguments, exit code, exit, the at-exit report.
#include "abi/abi.hpp"
#include "core/sched/diagnostics.hpp"
#include "core/sys/process.hpp"

using namespace seq;

namespace {
[[noreturn]] void exit_with(seq_stack_t sp, const char* word) {
    int64_t code = pop_int(sp, word);
    if (code < 0 || code > 255)
        fatal(word, "exit code must be in range 0-255, got %lld", static_cast<long long>(code));
    exit_process(static_cast<int>(code));
}
}  // namespace

extern "C" {

SEQ_API void patch_seq_args_init(int argc, char** argv) {
    args_init(argc, argv);
}

SEQ_API seq_stack_t patch_seq_arg_count(seq_stack_t sp) {
    return push(sp, make_int(static_cast<int64_t>(arg_count())));
}

SEQ_API seq_stack_t patch_seq_arg_at(seq_stack_t sp) {
    int64_t i = pop_int(sp, "arg");
    if (i < 0) fatal("arg", "index must be non-negative, got %lld", static_cast<long long>(i));
    return push(sp, make_string(arg_at(static_cast<size_t>(i))));
}

SEQ_API void patch_seq_set_exit_code(int64_t code) {
    set_exit_code(code);
}
SEQ_API int64_t patch_seq_get_exit_code(void) {
    return get_exit_code();
}

SEQ_API seq_stack_t patch_seq_exit(seq_stack_t sp) {
    exit_with(sp, "os.exit");
}
SEQ_API seq_stack_t patch_seq_exit_op(seq_stack_t sp) {
    exit_with(sp, "exit_op");
}

SEQ_API void patch_seq_report(void) {
    emit_report();
}
SEQ_API void patch_seq_report_init(const uint64_t* counters, const char* const* names,
                                   int64_t count) {
    report_init(counters, names, count);
}

}  // extern "C"
