# Install-tree tests: `cmake --install` into a scratch prefix once per ctest
# run (the fixture install_tree), then out-of-tree consumers built against it
# the documented ways (test/install/consumer.sh). Only where the
# self-contained archive exists (not in sanitizer builds).
if(NOT TARGET seq_runtime)
  return()
endif()
set(seq_it ${CMAKE_CURRENT_LIST_DIR})
set(seq_it_work ${CMAKE_CURRENT_BINARY_DIR}/install-tree)
set(seq_it_prefix ${seq_it_work}/prefix)
set(seq_it_env CC=${CMAKE_C_COMPILER} CXX=${CMAKE_CXX_COMPILER} CMAKE=${CMAKE_COMMAND}
  PKG_CONFIG=${PKG_CONFIG_EXECUTABLE} GENERATOR=${CMAKE_GENERATOR})

add_test(NAME install_tree COMMAND ${seq_it}/consumer.sh install ${PROJECT_BINARY_DIR}
  ${seq_it_prefix})
set_tests_properties(install_tree PROPERTIES FIXTURES_SETUP seq_install_tree)

add_test(NAME install_cmake_c COMMAND ${seq_it}/consumer.sh cmake ${seq_it_prefix}
  ${seq_it_work}/cmake_c ${seq_it}/c_project)
add_test(NAME install_cmake_cxx COMMAND ${seq_it}/consumer.sh cmake ${seq_it_prefix}
  ${seq_it_work}/cmake_cxx ${seq_it}/cxx_project)
add_test(NAME install_pkg_config_shared COMMAND ${seq_it}/consumer.sh pkg-config-shared
  ${seq_it_prefix} ${seq_it_work}/pc_shared ${seq_it}/consumer.c)
add_test(NAME install_pkg_config_static COMMAND ${seq_it}/consumer.sh pkg-config-static
  ${seq_it_prefix} ${seq_it_work}/pc_static ${seq_it}/consumer.c)
add_test(NAME install_link_line COMMAND ${seq_it}/consumer.sh link-line
  ${seq_it_prefix} ${seq_it_work}/link_line ${seq_it}/consumer.c)
set(seq_it_consumers install_cmake_c install_cmake_cxx install_pkg_config_shared
  install_pkg_config_static install_link_line)
set_tests_properties(${seq_it_consumers} PROPERTIES FIXTURES_REQUIRED seq_install_tree)
# A CMake configure and build each: longer than a unit test, still bounded.
set_tests_properties(install_tree ${seq_it_consumers} PROPERTIES TIMEOUT 120
  ENVIRONMENT "${seq_it_env}")
