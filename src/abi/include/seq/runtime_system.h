/*
 * seq-runtime: system words (see docs/abi-system.md): environment and paths,
 * files and directories, randomness, signals, the terminal.
 *
 * Words whose effect ends in a Bool report failure as false with a neutral
 * value (""/0/empty list), never by aborting. Words without a status flag
 * abort with a message naming the word on a wrong argument type or an
 * invalid argument (a signal number out of range, a byte count over 1024).
 * From a strand, file words that read or write content park the strand
 * while libuv's threadpool does the work; terminal.read-char parks until a
 * byte arrives.
 */
#ifndef SEQ_RUNTIME_SYSTEM_H
#define SEQ_RUNTIME_SYSTEM_H

#include "seq/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- environment and paths (os.*) ------------------------------------------------ */

SEQ_API seq_stack_t patch_seq_getenv(seq_stack_t sp);        /* ( name -- value Bool ) */
SEQ_API seq_stack_t patch_seq_home_dir(seq_stack_t sp);      /* ( -- path Bool ) */
SEQ_API seq_stack_t patch_seq_current_dir(seq_stack_t sp);   /* ( -- path Bool ) */
SEQ_API seq_stack_t patch_seq_os_name(seq_stack_t sp);       /* ( -- String ) "linux"... */
SEQ_API seq_stack_t patch_seq_os_arch(seq_stack_t sp);       /* ( -- String ) "x86_64"... */
SEQ_API seq_stack_t patch_seq_path_exists(seq_stack_t sp);   /* ( path -- Bool ) */
SEQ_API seq_stack_t patch_seq_path_is_file(seq_stack_t sp);  /* ( path -- Bool ) */
SEQ_API seq_stack_t patch_seq_path_is_dir(seq_stack_t sp);   /* ( path -- Bool ) */
SEQ_API seq_stack_t patch_seq_path_join(seq_stack_t sp);     /* ( base component -- path ) */
SEQ_API seq_stack_t patch_seq_path_parent(seq_stack_t sp);   /* ( path -- parent Bool ) */
SEQ_API seq_stack_t patch_seq_path_filename(seq_stack_t sp); /* ( path -- name Bool ) */

/* ---- files and directories (file.*, dir.*) ----------------------------------------- */

SEQ_API seq_stack_t patch_seq_file_slurp(seq_stack_t sp);  /* ( path -- content Bool ) */
SEQ_API seq_stack_t patch_seq_file_spit(seq_stack_t sp);   /* ( content path -- Bool ) */
SEQ_API seq_stack_t patch_seq_file_append(seq_stack_t sp); /* ( content path -- Bool ) */
SEQ_API seq_stack_t patch_seq_file_exists(seq_stack_t sp); /* ( path -- Bool ) */
SEQ_API seq_stack_t patch_seq_file_delete(seq_stack_t sp); /* ( path -- Bool ) */
SEQ_API seq_stack_t patch_seq_file_size(seq_stack_t sp);   /* ( path -- Int Bool ) */
#ifdef SEQ_ABI_54
/* ( path quot -- error Bool ) quot: ( String -- ), once per line ("\n"-terminated). */
SEQ_API seq_stack_t patch_seq_file_for_each_line_plus(seq_stack_t sp);
#endif
/* ( path quot -- Bool ) seqc 7.x: as file_for_each_line_plus without the message. */
SEQ_API seq_stack_t patch_seq_file_for_each_line(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_dir_exists(seq_stack_t sp); /* ( path -- Bool ) */
SEQ_API seq_stack_t patch_seq_dir_make(seq_stack_t sp);   /* ( path -- Bool ) with parents */
SEQ_API seq_stack_t patch_seq_dir_delete(seq_stack_t sp); /* ( path -- Bool ) empty only */
SEQ_API seq_stack_t patch_seq_dir_list(seq_stack_t sp);   /* ( path -- List Bool ) sorted */

/* ---- randomness (crypto.random-int, crypto.random-bytes, crypto.uuid4) ------------ */

SEQ_API seq_stack_t patch_seq_random_int(seq_stack_t sp);   /* ( min max -- Int ) [min, max) */
SEQ_API seq_stack_t patch_seq_random_bytes(seq_stack_t sp); /* ( n -- hex ) n in 0..1024 */
SEQ_API seq_stack_t patch_seq_uuid4(seq_stack_t sp);        /* ( -- String ) */

/* ---- signals (signal.*) -------------------------------------------------------------- */

SEQ_API seq_stack_t patch_seq_signal_trap(seq_stack_t sp);     /* ( sig -- ) */
SEQ_API seq_stack_t patch_seq_signal_received(seq_stack_t sp); /* ( sig -- Bool ) clears */
SEQ_API seq_stack_t patch_seq_signal_pending(seq_stack_t sp);  /* ( sig -- Bool ) */
SEQ_API seq_stack_t patch_seq_signal_default(seq_stack_t sp);  /* ( sig -- ) */
SEQ_API seq_stack_t patch_seq_signal_ignore(seq_stack_t sp);   /* ( sig -- ) */
SEQ_API seq_stack_t patch_seq_signal_clear(seq_stack_t sp);    /* ( sig -- ) */
SEQ_API seq_stack_t patch_seq_signal_sigint(seq_stack_t sp);   /* ( -- Int ) */
SEQ_API seq_stack_t patch_seq_signal_sigterm(seq_stack_t sp);  /* ( -- Int ) */
SEQ_API seq_stack_t patch_seq_signal_sighup(seq_stack_t sp);   /* ( -- Int ) */
SEQ_API seq_stack_t patch_seq_signal_sigpipe(seq_stack_t sp);  /* ( -- Int ) */
SEQ_API seq_stack_t patch_seq_signal_sigusr1(seq_stack_t sp);  /* ( -- Int ) */
SEQ_API seq_stack_t patch_seq_signal_sigusr2(seq_stack_t sp);  /* ( -- Int ) */
SEQ_API seq_stack_t patch_seq_signal_sigchld(seq_stack_t sp);  /* ( -- Int ) */
SEQ_API seq_stack_t patch_seq_signal_sigalrm(seq_stack_t sp);  /* ( -- Int ) */
SEQ_API seq_stack_t patch_seq_signal_sigcont(seq_stack_t sp);  /* ( -- Int ) */

/* ---- terminal (terminal.*) ------------------------------------------------------------ */

SEQ_API seq_stack_t patch_seq_terminal_raw_mode(seq_stack_t sp);  /* ( Bool -- ) */
SEQ_API seq_stack_t patch_seq_terminal_read_char(seq_stack_t sp); /* ( -- Int ) byte or -1 */
/* ( -- Int ) a byte if one is ready, else -1; never waits. */
SEQ_API seq_stack_t patch_seq_terminal_read_char_nonblock(seq_stack_t sp);
SEQ_API seq_stack_t patch_seq_terminal_width(seq_stack_t sp);  /* ( -- Int ) 80 if unknown */
SEQ_API seq_stack_t patch_seq_terminal_height(seq_stack_t sp); /* ( -- Int ) 24 if unknown */
SEQ_API seq_stack_t patch_seq_terminal_flush(seq_stack_t sp);  /* ( -- ) */

#ifdef __cplusplus
}
#endif

#endif /* SEQ_RUNTIME_SYSTEM_H */
