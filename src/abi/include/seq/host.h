/*
 * seq-runtime: the host API, for C and C++ programs that embed the runtime
 * (strands, channels, TCP) without the Seq compiler.
 *
 * This header stands alone: it does not include seq/runtime.h (the compiler
 * ABI, patch_seq_*). seq/host_interop.h bridges the two (Seq channel values
 * as seq_chan_t handles). docs/embedding.md explains the threading rules and
 * both examples (tools/examples/kv_server.c, tools/examples/pipeline.cpp).
 *
 * Results: as libuv, 0 (or a count) on success and a negative SEQ_E* code on
 * failure; seq_strerror() names each code. On any failure nothing was
 * consumed: a message that was not sent still belongs to the caller.
 *
 * Threads: a "strand" is a green thread started with seq_go (or by compiled
 * Seq code); a "host thread" is any other thread of the process (main, a
 * std::thread...). Every function may be called from both, except that
 * seq_runtime_stop and seq_wait_all refuse a strand (SEQ_EINSTRAND: they
 * would wait for themselves). Calls that wait park a strand (its worker runs
 * other strands) and block a host thread. Never call a waiting function from
 * a thread the runtime runs but that is not in a strand (SEQ_ENOTSTRAND).
 *
 * This header compiles as C11 and as C++.
 */
#ifndef SEQ_HOST_H
#define SEQ_HOST_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define SEQ_HOST_API __declspec(dllexport)
#else
#define SEQ_HOST_API __attribute__((visibility("default")))
#endif

/* The release this header belongs to (CMake's project version; a test keeps
 * them equal). seq_version() gives the library's, which may differ when a
 * host runs against another build of the shared library. */
#define SEQ_VERSION_MAJOR 0
#define SEQ_VERSION_MINOR 1
#define SEQ_VERSION_PATCH 0
#define SEQ_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------------- */

#define SEQ_OK 0
#define SEQ_EINVAL (-1)        /* invalid argument (null pointer, port out of range...) */
#define SEQ_ENOTRUNNING (-2)   /* the runtime is not started */
#define SEQ_ERUNNING (-3)      /* seq_runtime_start: already running */
#define SEQ_EINSTRAND (-4)     /* called from a strand, which it would wait for */
#define SEQ_ENOTSTRAND (-5)    /* on a runtime thread outside any strand (may not wait) */
#define SEQ_ECLOSED (-6)       /* channel closed (recv: closed and drained) */
#define SEQ_EBADHANDLE (-7)    /* not a channel, or not an open socket of that kind */
#define SEQ_ETYPE (-8)         /* received a Seq value that is not a host message */
#define SEQ_ENOMEM (-9)        /* out of memory */
#define SEQ_ENOTFOUND (-10)    /* host name does not resolve */
#define SEQ_ECONNREFUSED (-11) /* could not connect (refused, unreachable) */
#define SEQ_EADDR (-12)        /* could not listen there (in use, not local, denied) */
#define SEQ_ECONNRESET (-13)   /* connection reset by the peer */
#define SEQ_EIO (-14)          /* other socket error (broken pipe, earlier write failed) */
#define SEQ_ELIMIT (-15)       /* socket table full (SEQ_MAX_SOCKETS) */

/* A static string naming `err` ("invalid argument"...); "unknown error" for
 * codes not listed here, "ok" for 0. */
SEQ_HOST_API const char* seq_strerror(int err);
/* The library's version, "MAJOR.MINOR.PATCH". */
SEQ_HOST_API const char* seq_version(void);

/* ---- runtime ------------------------------------------------------------------ */

/* Start options. Zero fields mean "the environment variable, else the
 * built-in default" (docs/configuration.md). `size` must be sizeof the
 * struct the caller was compiled with (SEQ_OPTIONS_INIT sets it), so later
 * versions can add fields: a smaller size is SEQ_EINVAL, a larger one is
 * accepted when the fields this library does not know are all zero. */
typedef struct seq_options {
    size_t size;             /* sizeof(seq_options) */
    uint32_t workers;        /* worker threads, 1..1024 (SEQ_WORKERS; cores) */
    size_t stack_size;       /* strand stack bytes, >= 16384, rounded up to pages
                                (SEQ_STACK_SIZE; 131072) */
    size_t pool_capacity;    /* stacks kept ready (SEQ_POOL_CAPACITY; 10000) */
    uint64_t yield_slice_us; /* time slice after which compiled Seq code's
                                yield points yield (SEQ_YIELD_SLICE_US; off);
                                host strands yield with seq_yield */
} seq_options;
#define SEQ_OPTIONS_INIT \
    { sizeof(seq_options), 0, 0, 0, 0 }

/* Starts the workers. opts NULL: everything from the environment.
 * SEQ_ERUNNING if already running (also when compiled Seq code started it);
 * SEQ_EINVAL for a bad size or a field out of range; SEQ_EINSTRAND from a
 * strand. */
SEQ_HOST_API int seq_runtime_start(const seq_options* opts);
/* Waits until every strand has ended, then stops the workers and frees
 * their stacks. A later seq_runtime_start starts afresh (sockets do not
 * survive; channels do). SEQ_ENOTRUNNING, SEQ_EINSTRAND. No other call may
 * run concurrently with stop, and no host thread may be waiting inside the
 * runtime (in recv, accept, ...) when it is called: close what it waits on
 * first. */
SEQ_HOST_API int seq_runtime_stop(void);

/* Spawns a strand running fn(arg); *id_out (may be NULL) gets its id (> 0).
 * From a strand it is queued on the spawner's worker, from a host thread on
 * the workers in turn. When fn returns the strand ends. fn must not throw:
 * an exception reaching the strand's edge is reported on stderr with the
 * strand id and the process aborts (seq/runtime.hpp's seq::go catches it
 * first, with the exception's message). SEQ_EINVAL, SEQ_ENOTRUNNING. */
SEQ_HOST_API int seq_go(void (*fn)(void*), void* arg, uint64_t* id_out);
/* Lets other strands run (a strand); a host thread yields its OS time slice. */
SEQ_HOST_API void seq_yield(void);
/* Sleeps ms milliseconds: a strand parks on a timer (ms 0: yields), a host
 * thread sleeps. SEQ_ENOTSTRAND. */
SEQ_HOST_API int seq_sleep_ms(uint64_t ms);
/* The id of the calling strand, 0 on a host thread. */
SEQ_HOST_API uint64_t seq_strand_id(void);
/* A blocking section around a call that blocks or computes for long
 * outside the runtime (a blocking C library call, a long computation):
 * after 5-10 ms in it (one to two SEQ_PREEMPT_MS/2 looks of the monitor),
 * the strand's worker goes to a spare OS thread, so the worker's other
 * strands, timers and sockets go on;
 * the strand returns to its worker at seq_blocking_end (Go's
 * entersyscall/exitsyscall). Call nothing of the runtime in between: a
 * call that needs the worker (spawning, channels, TCP, yield, sleep) ends
 * the section early, correctly but without its benefit. Sections nest;
 * the outermost counts. SEQ_HANDOFF=0 makes them no-ops. SEQ_ENOTSTRAND
 * on a host thread; seq_blocking_end without a begin: SEQ_EINVAL. */
SEQ_HOST_API int seq_blocking_begin(void);
SEQ_HOST_API int seq_blocking_end(void);
/* Blocks a host thread until no strand is active. SEQ_ENOTRUNNING,
 * SEQ_EINSTRAND. */
SEQ_HOST_API int seq_wait_all(void);

typedef struct seq_stats_t {
    uint64_t active;    /* strands alive now */
    uint64_t spawned;   /* since the process started */
    uint64_t completed; /* since the process started */
    uint64_t peak;      /* most strands alive at once */
    uint64_t workers;   /* worker threads (0 when not running) */
} seq_stats_t;
/* Fills *out (NULL: nothing). Any time, running or not. */
SEQ_HOST_API void seq_stats(seq_stats_t* out);

/* ---- channels -------------------------------------------------------------------- */

/* A channel of host messages: opaque pointers, FIFO, many senders and many
 * receivers on any threads. The channel does not own them: a host frees
 * what it receives, and what is still queued when the last reference goes
 * (close, then drain with recv, first). It is the same object as a Seq
 * Channel; seq/host_interop.h converts. A Seq strand receiving a host
 * message gets it as an Int (the pointer's bits), which it can pass on but
 * never dereference. */
typedef struct seq_chan seq_chan_t;

/* A new channel holding one reference. capacity 0: unbounded (send never
 * waits); n: at most n queued, then send waits for room. NULL: out of
 * memory. Does not need a running runtime. */
SEQ_HOST_API seq_chan_t* seq_chan_new(size_t capacity);
/* Queues msg (NULL allowed), or hands it to a waiting receiver; waits while
 * a bounded channel is full. SEQ_ECLOSED (closed, or closed while waiting:
 * msg not sent), SEQ_EBADHANDLE, SEQ_EINVAL (a pointer whose top two bits
 * differ, which a 63-bit Seq Int cannot carry; user-space pointers fit), SEQ_ENOTSTRAND. */
SEQ_HOST_API int seq_chan_send(seq_chan_t* ch, void* msg);
/* Waits for a message and stores it in *msg. SEQ_ECLOSED once the channel
 * is closed and drained; SEQ_ETYPE when the message was a Seq value that is
 * not an Int (a Seq strand sent a String...): it is dropped, *msg = NULL;
 * SEQ_EBADHANDLE, SEQ_EINVAL (msg NULL), SEQ_ENOTSTRAND. */
SEQ_HOST_API int seq_chan_recv(seq_chan_t* ch, void** msg);
/* Closes: waiting receivers get SEQ_ECLOSED, waiting senders SEQ_ECLOSED
 * (keeping their messages), later sends SEQ_ECLOSED; receivers drain what
 * is queued. Closing twice is harmless. SEQ_EBADHANDLE. */
SEQ_HOST_API int seq_chan_close(seq_chan_t* ch);
/* Another reference to the same channel (for another owner). */
SEQ_HOST_API seq_chan_t* seq_chan_retain(seq_chan_t* ch);
/* Drops one reference (NULL: nothing). The channel is freed with its last
 * reference, host or Seq; queued host messages are not freed with it. */
SEQ_HOST_API void seq_chan_release(seq_chan_t* ch);

/* ---- TCP -------------------------------------------------------------------------- */

/* A socket id: the same ids the Seq tcp words use (never 0; a closed id never
 * names a later socket). Any thread may use any socket: on a host thread
 * each call runs in a helper strand while the thread blocks. */
typedef int64_t seq_sock_t;

/* Listens on host:port. host NULL: SEQ_BIND_ADDR (0.0.0.0); a literal or a
 * name. port 0: the kernel picks (see seq_tcp_local_port). SEQ_EINVAL
 * (empty host, port outside 0..65535, out NULL), SEQ_ENOTFOUND, SEQ_EADDR,
 * SEQ_ELIMIT, SEQ_ENOTRUNNING. */
SEQ_HOST_API int seq_tcp_listen(const char* host, int port, seq_sock_t* out);
/* Waits for a connection; many strands may wait on one listener (FIFO).
 * SEQ_EBADHANDLE (not an open listener, or closed while waiting),
 * SEQ_ELIMIT, SEQ_EINVAL, SEQ_ENOTRUNNING. */
SEQ_HOST_API int seq_tcp_accept(seq_sock_t listener, seq_sock_t* out);
/* Connects to host:port (literal or name; each address in turn). SEQ_EINVAL
 * (host NULL or empty, port outside 1..65535), SEQ_ENOTFOUND,
 * SEQ_ECONNREFUSED, SEQ_ELIMIT, SEQ_ENOTRUNNING. */
SEQ_HOST_API int seq_tcp_connect(const char* host, int port, seq_sock_t* out);
/* Reads what has arrived, up to cap (> 0) bytes, waiting only while nothing
 * has: the byte count, 0 at end of stream, or SEQ_EBADHANDLE (not an open
 * stream, or closed while waiting), SEQ_ECONNRESET, SEQ_EIO, SEQ_EINVAL,
 * SEQ_ENOTRUNNING. Any bytes (no UTF-8 rule, unlike the Seq word). */
SEQ_HOST_API int64_t seq_tcp_read(seq_sock_t s, void* buf, size_t cap);
/* Writes all len bytes (waiting while the kernel does not take them) or
 * fails: SEQ_EBADHANDLE, SEQ_EIO (reset, broken pipe, an earlier write
 * failed), SEQ_EINVAL (buf NULL with len > 0), SEQ_ENOTRUNNING. */
SEQ_HOST_API int seq_tcp_write(seq_sock_t s, const void* buf, size_t len);
/* Closes a stream or listener; strands waiting on it fail with
 * SEQ_EBADHANDLE. The id is dead at once. SEQ_EBADHANDLE, SEQ_ENOTRUNNING. */
SEQ_HOST_API int seq_tcp_close(seq_sock_t s);
/* The local port (> 0) of a listener or stream, or SEQ_EBADHANDLE,
 * SEQ_ENOTRUNNING. */
SEQ_HOST_API int seq_tcp_local_port(seq_sock_t s);

#ifdef __cplusplus
}
#endif

#endif /* SEQ_HOST_H */
