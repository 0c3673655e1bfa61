#pragma once
#include "io/timer.hpp"
