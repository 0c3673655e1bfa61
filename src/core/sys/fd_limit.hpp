// The process's file-descriptor budget (RLIMIT_NOFILE).
//
// Every socket is a descriptor, so the soft limit caps how many connections a
// server can hold. Distributions keep the soft limit low (1024) for programs
// that still use select(); we never do, so at init the runtime raises the
// soft limit to the hard one, as Go's runtime does since 1.19. The socket
// table's default capacity (SEQ_MAX_SOCKETS) is then derived from it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace seq {

// Raises the soft RLIMIT_NOFILE to the hard limit (once per process; later
// calls do nothing). An unlimited hard limit is capped at the kernel's
// fs.nr_open, which is the most setrlimit accepts. Failure is silent: the
// process keeps the limit it had.
void raise_fd_limit();

// The current soft RLIMIT_NOFILE (RLIM_INFINITY as SIZE_MAX).
size_t fd_soft_limit();

// Descriptors left for what is not a socket (stdio, the loops' epoll and
// eventfds, files a program opens) when the socket cap is derived from the
// fd limit.
inline constexpr size_t kFdReserve = 64;

// The socket cap the fd limit allows: fd_soft_limit() - kFdReserve, at least
// 16 (a tiny limit still lets a program open a few sockets, and running out
// is then an error value like any other).
size_t sockets_for_fd_limit();

}  // namespace seq
