#pragma once
#include "core/fatal.hpp"
