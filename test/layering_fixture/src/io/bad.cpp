#include "io/timer.hpp"
  #  include "io/net/tcp.hpp"
