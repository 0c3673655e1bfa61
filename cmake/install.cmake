# Install tree: headers, the self-contained archives, the shared library, a
# CMake package and pkg-config modules (docs/embedding.md, "Packaging").
#
#   <prefix>/include/seq/*.h, runtime.hpp
#   <prefix>/lib/libseq_runtime.a            self-contained (SEQ_MERGED_ARCHIVES)
#   <prefix>/lib/libseq_runtime_shared.so*   the shared library
#   <prefix>/lib/cmake/seq_runtime/          find_package(seq_runtime)
#   <prefix>/lib/pkgconfig/seq-runtime*.pc   pkg-config
#
# Consumers never see our dependencies: the archives carry them and the shared
# library links them itself, so the package neither finds Boost, libuv or
# OpenSSL nor needs their -dev packages (and works in LANGUAGES C projects,
# which FindBoost does not). The core archive (libseq_runtime_core.a), which
# needs all of them, stays in the build tree for tests and tools.
#
# Every self-contained archive made by tools/merge-archive.sh is listed in
# SEQ_MERGED_ARCHIVES (set beside the merge step in CMakeLists.txt); each
# becomes a file in lib/, a target seq::<name> (libseq_runtime-5.4.a:
# seq::seq_runtime-5.4) and a pkg-config module (seq-runtime-5.4). Adding an
# archive there is all it takes.
include(CMakePackageConfigHelpers)

set(seq_pkg_cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/seq_runtime)
set(seq_pkg_gen ${CMAKE_CURRENT_BINARY_DIR}/package)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/abi/include/seq
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# No NAMELINK_SKIP: libseq_runtime_shared.so is named for -lseq_runtime_shared.
install(TARGETS seq_runtime_shared
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})

# Both files find the prefix from where they are installed, so an install
# tree can move (cmake --install --prefix, a package manager's staging dir).
file(RELATIVE_PATH seq_pc_to_prefix /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
set(SEQ_PC_PREFIX "\${pcfiledir}/${seq_pc_to_prefix}")
string(REGEX REPLACE "/$" "" SEQ_PC_PREFIX "${SEQ_PC_PREFIX}")

set(SEQ_PKG_ARCHIVES)
foreach(archive IN LISTS SEQ_MERGED_ARCHIVES)
  get_filename_component(file ${archive} NAME)
  string(REGEX REPLACE "^lib(.*)\\.a$" "\\1" name ${file})
  list(APPEND SEQ_PKG_ARCHIVES ${name})
  install(FILES ${archive} DESTINATION ${CMAKE_INSTALL_LIBDIR})
  string(REPLACE "_" "-" SEQ_PC_MODULE ${name})
  set(SEQ_PC_ARCHIVE ${name})
  if(name STREQUAL "seq_runtime")
    # seq-runtime: the shared library, or with --static the archive (the
    # template says how).
    configure_file(${PROJECT_SOURCE_DIR}/cmake/seq-runtime.pc.in
      ${seq_pkg_gen}/${SEQ_PC_MODULE}.pc @ONLY)
  else()
    configure_file(${PROJECT_SOURCE_DIR}/cmake/seq-runtime-archive.pc.in
      ${seq_pkg_gen}/${SEQ_PC_MODULE}.pc @ONLY)
  endif()
  install(FILES ${seq_pkg_gen}/${SEQ_PC_MODULE}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/seq-runtime-shared.pc.in
  ${seq_pkg_gen}/seq-runtime-shared.pc @ONLY)
install(FILES ${seq_pkg_gen}/seq-runtime-shared.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The package's targets are written by hand (no install(EXPORT)): exported
# targets would carry the build's link interface (Boost::context,
# PkgConfig::LIBUV...) and force the package to find them. The shared
# library's file names come from the target, at generate time.
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/seq_runtimeConfig.cmake.in
  ${seq_pkg_gen}/seq_runtimeConfig.cmake.in
  INSTALL_DESTINATION ${seq_pkg_cmakedir})
file(GENERATE OUTPUT ${seq_pkg_gen}/seq_runtimeConfig.cmake
  INPUT ${seq_pkg_gen}/seq_runtimeConfig.cmake.in)
write_basic_package_version_file(${seq_pkg_gen}/seq_runtimeConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${seq_pkg_gen}/seq_runtimeConfig.cmake
  ${seq_pkg_gen}/seq_runtimeConfigVersion.cmake
  DESTINATION ${seq_pkg_cmakedir})
