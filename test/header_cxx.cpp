// Compiles the public header alone as C++ (a build-time check).
#include "seq/runtime.h"

static_assert(sizeof(seq_value_t) == 8);
