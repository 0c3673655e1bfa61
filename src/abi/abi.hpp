// Shared by the src/abi translation units: the public header plus the core
// types. ABI functions only check arguments and translate; logic is in core/io.
#pragma once

#include "seq/runtime.h"

#include "core/fatal.hpp"
#include "core/value/stack.hpp"
#include "core/value/value.hpp"

static_assert(sizeof(seq_value_t) == sizeof(seq::StackValue));
