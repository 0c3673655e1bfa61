#pragma once
#include "core/value/value.hpp"
#include "core/sched/strand.hpp"
