#include "core/sys/process.hpp"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <thread>

#include "core/output.hpp"
#include "core/sys/drain.hpp"
#include "core/sys/fd_limit.hpp"
#include "core/sys/signals.hpp"

namespace seq {

// ---- arguments and exit code ------------------------------------------------------

namespace {
std::vector<std::string>* g_args = nullptr;  // set once, never freed
std::atomic<int64_t> g_exit_code{0};
}  // namespace

void args_init(int argc, char** argv) {
    if (g_args) return;  // first initialisation wins, as upstream's OnceLock
    auto* args = new std::vector<std::string>;
    for (int i = 0; i < argc; ++i)
        args->emplace_back(argv && argv[i] ? argv[i] : "");
    g_args = args;
}

size_t arg_count() {
    return g_args ? g_args->size() : 0;
}

std::string arg_at(size_t i) {
    return g_args && i < g_args->size() ? (*g_args)[i] : std::string();
}

void set_exit_code(int64_t code) {
    g_exit_code.store(code, std::memory_order_release);
}
int64_t get_exit_code() {
    return g_exit_code.load(std::memory_order_acquire);
}

void exit_process(int code) {
    stdout_flush();
    std::exit(code);
}

// ---- SIGINT and SIGPIPE -----------------------------------------------------------

namespace {

std::atomic<bool> g_sigint_seen{false};
std::atomic<bool> g_policy_installed{false};

// The first SIGINT exits 130 cleanly (output flushed), the second at once.
// exit() and flushing are not async-signal-safe, so the handler only wakes a
// watcher thread through an eventfd and the watcher exits from a normal
// context; a strand spinning without switches cannot delay it.
int g_sigint_fd = -1;

void on_sigint(int) {
    if (g_sigint_seen.exchange(true)) _exit(130);  // the user insists
    uint64_t one = 1;
    ssize_t r = write(g_sigint_fd, &one, sizeof one);
    (void)r;
}

void sigint_watcher() {
    uint64_t v;
    while (read(g_sigint_fd, &v, sizeof v) < 0 && errno == EINTR) {
    }
    exit_process(130);
}

}  // namespace

void install_process_signal_policy() {
    if (g_policy_installed.exchange(true)) return;
    // Once per process, like the signal policy: the soft descriptor limit up
    // to the hard one (sockets are descriptors), and SIGTERM's drain when
    // SEQ_DRAIN_MS asks for it.
    raise_fd_limit();
    install_drain_policy();

    g_sigint_fd = eventfd(0, EFD_CLOEXEC);
    std::thread(sigint_watcher).detach();
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_sigint;
    // Through the signals module: a program that trapped or ignored the
    // signal keeps its choice, and signal.default brings this policy back.
    install_runtime_signal(SIGINT, sa);

    struct sigaction ign {};
    sigemptyset(&ign.sa_mask);
    ign.sa_handler = SIG_IGN;
    install_runtime_signal(SIGPIPE, ign);
}

}  // namespace seq
