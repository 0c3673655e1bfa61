// a same-folder include
#include "local.hpp"
#include <vector>
