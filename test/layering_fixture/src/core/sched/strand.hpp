#pragma once
#include "core/value/value.hpp"
