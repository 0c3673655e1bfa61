#include "io/net/tcp.hpp"
#include "seq/runtime.h"
// #include "nothing.hpp" (a comment, not an include)
