#include "core/text/local.hpp"
#include "seq/runtime.h"
