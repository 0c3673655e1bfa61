# Proves check_layering.cmake fails on bad includes: runs it on
# test/layering_fixture/src (every kind of include, four of them bad) and
# expects a failure that names exactly those four, with file and line.
#
#   cmake -DCHECK=<check_layering.cmake> -DSRC=<fixture src> -P check_layering_fails.cmake
execute_process(COMMAND ${CMAKE_COMMAND} -DSRC=${SRC} -P ${CHECK}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
set(expected
  "core/sched/up.cpp:3: #include \"io/timer.hpp\" — room sched may not include room io"
  "core/value/bad.hpp:3: #include \"core/sched/strand.hpp\" — room value may not include room sched"
  "core/words/w.cpp:2: #include \"seq/runtime.h\" — room words may not include room abi"
  "io/bad.cpp:2: #include \"io/net/tcp.hpp\" — room io may not include room io/net")
set(failed OFF)
if(rc EQUAL 0)
  message("the check passed a tree with bad includes")
  set(failed ON)
endif()
foreach(line IN LISTS expected)
  string(FIND "${out}" "${line}" at)
  if(at EQUAL -1)
    message("missing from the report: ${line}")
    set(failed ON)
  endif()
endforeach()
string(REGEX MATCHALL "may not include" found "${out}")
list(LENGTH found n)
if(NOT n EQUAL 4)
  message("expected 4 violations, the report has ${n}")
  set(failed ON)
endif()
if(failed)
  message(FATAL_ERROR "check_layering.cmake output was:\n${out}")
endif()
message("the layering check fails as it should:\n${out}")
