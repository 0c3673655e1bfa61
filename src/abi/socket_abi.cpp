// fd->socket and socket->fd (Seq 7.x): both compile to patch_seq_socket_cast.
#include "abi/abi.hpp"
#include "seq/runtime_tcp.h"

extern "C" {

// ( Int -- Socket ) / ( Socket -- Int ): a Socket is a compile-time name for
// the same Int (a socket id), so the cast changes nothing. Any value passes
// through untouched: upstream aborts on a non-Int, which its type checker
// never lets through; leaving the value is the one answer that cannot break
// the stack.
SEQ_API seq_stack_t patch_seq_socket_cast(seq_stack_t sp) {
    return sp;
}

}  // extern "C"
