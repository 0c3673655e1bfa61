#pragma once
#include "core/sched/strand.hpp"
