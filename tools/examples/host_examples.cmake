# Host examples: programs that embed the runtime through the public host API
# only (include path src/abi/include, nothing internal). Each has a
# --self-test mode that serves on 127.0.0.1:0, drives itself with clients and
# checks every answer; ctest runs it. Included by tools/examples (release)
# and by test/host_api.cmake when tools are off (the sanitizer presets).
set(SEQ_HOST_EXAMPLES ${PROJECT_SOURCE_DIR}/tools/examples)

# A C host: C11, and (outside sanitizer builds) linked like any C program
# against the self-contained libseq_runtime.a and nothing else.
add_executable(kv_server ${SEQ_HOST_EXAMPLES}/kv_server.c)
target_compile_options(kv_server PRIVATE -std=c11 -pedantic)
target_include_directories(kv_server PRIVATE ${PROJECT_SOURCE_DIR}/src/abi/include)
target_link_libraries(kv_server PRIVATE seq_warnings)
if(TARGET seq_runtime)
  add_dependencies(kv_server seq_runtime)
  target_link_libraries(kv_server PRIVATE ${SEQ_MERGED_ARCHIVE})
else()
  set_target_properties(kv_server PROPERTIES LINKER_LANGUAGE CXX)
  target_link_libraries(kv_server PRIVATE seq_runtime_static seq_sanitizers)
endif()

# A C++ host, linked as CMake code inside this tree links: seq::seq_runtime_static.
# Installed consumers link seq::seq_runtime (test/install builds one such).
add_executable(pipeline ${SEQ_HOST_EXAMPLES}/pipeline.cpp)
target_link_libraries(pipeline PRIVATE seq::seq_runtime_static seq_warnings)

add_test(NAME example_kv_server COMMAND kv_server --self-test)
add_test(NAME example_pipeline COMMAND pipeline --self-test)
set_tests_properties(example_kv_server example_pipeline PROPERTIES TIMEOUT 120)
