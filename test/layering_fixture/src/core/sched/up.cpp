#include "core/sched/strand.hpp"

#include "io/timer.hpp"
