# Tests of the host API (seq/host.h, seq/runtime.hpp) beyond the GoogleTest
# suites that test/CMakeLists.txt picks up by its glob: the version check's
# input, the C11 translation unit, the C++17 header check, and the host
# examples for builds without tools (the sanitizer presets).

# SEQ_VERSION_* in seq/host.h must equal the project version.
if(TARGET test_host_api)
  target_compile_definitions(test_host_api PRIVATE SEQ_TEST_PROJECT_VERSION=${PROJECT_VERSION})
endif()

# seq/host.h as C11 with -pedantic, linked the way test_c_abi is: the
# self-contained libseq_runtime.a with a C link in normal builds, so a C host
# needs nothing else but libm (the float math words call it).
add_executable(test_host_c test_host_c.c)
target_compile_options(test_host_c PRIVATE -std=c11 -Wall -Wextra -pedantic -Werror)
target_include_directories(test_host_c PRIVATE ${PROJECT_SOURCE_DIR}/src/abi/include)
if(TARGET seq_runtime)
  add_dependencies(test_host_c seq_runtime)
  target_link_libraries(test_host_c PRIVATE ${SEQ_MERGED_ARCHIVE} m)
else()
  set_target_properties(test_host_c PROPERTIES LINKER_LANGUAGE CXX)
  target_link_libraries(test_host_c PRIVATE seq_runtime_static seq_sanitizers)
endif()
add_test(NAME host_api_c COMMAND test_host_c)
set_tests_properties(host_api_c PROPERTIES TIMEOUT 60)

# seq/runtime.hpp promises C++17; the host headers compile alone as C++.
add_library(test_host_header_cxx17 OBJECT header_host_cxx17.cpp)
set_target_properties(test_host_header_cxx17 PROPERTIES CXX_STANDARD 17)
target_compile_options(test_host_header_cxx17 PRIVATE -Wall -Wextra -pedantic -Werror)
target_include_directories(test_host_header_cxx17 PRIVATE ${PROJECT_SOURCE_DIR}/src/abi/include)

# The examples run under the sanitizers too, where tools are not built
# (with tools, tools/examples defines them).
if(NOT SEQ_BUILD_TOOLS)
  include(${PROJECT_SOURCE_DIR}/tools/examples/host_examples.cmake)
endif()
