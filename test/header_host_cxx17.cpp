// Compiles the host API headers alone as C++17 (a build-time check):
// seq/runtime.hpp over seq/host.h, and seq/host_interop.h.
#include "seq/host_interop.h"
#include "seq/runtime.hpp"

static_assert(sizeof(seq_sock_t) == 8);
static_assert(std::is_move_constructible_v<seq::channel<std::unique_ptr<int>>>);
static_assert(!std::is_copy_constructible_v<seq::tcp_socket>);
