#!/usr/bin/env bash
# Install-tree tests (test/install/install_tests.cmake runs each as a ctest
# test): install once into a scratch prefix, then build small out-of-tree
# consumers against it the ways docs/embedding.md documents, run them, and
# check what they depend on at run time.
#
#   consumer.sh install BUILD_DIR PREFIX
#   consumer.sh cmake PREFIX WORK PROJECT_DIR     (c_project, cxx_project)
#   consumer.sh pkg-config-shared PREFIX WORK SOURCE
#   consumer.sh pkg-config-static PREFIX WORK SOURCE
#   consumer.sh link-line PREFIX WORK SOURCE      (cc prog.c -lseq_runtime)
# CC, CXX, CMAKE, PKG_CONFIG and GENERATOR name the tools to use.
set -euo pipefail
mode=$1
shift
cc=${CC:-cc}
cmake=${CMAKE:-cmake}
pkg_config=${PKG_CONFIG:-pkg-config}

fail() { echo "FAIL: $*" >&2; exit 1; }

# needed EXE: the shared libraries EXE asks the loader for.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# Our dependencies, which a self-contained link must not need at run time
# (libstdc++ is allowed only for C++ consumers, which link it themselves).
self_contained() {
  local exe=$1 allow_cxx=${2:-no} libs
  libs=$(needed "$exe")
  echo "$exe needs: $(echo $libs)"
  for bad in libseq_runtime libuv libboost libssl libcrypto libre2 libz.so libzstd libcurl; do
    if grep -q "^$bad" <<<"$libs"; then fail "$exe depends on $bad"; fi
  done
  if [ "$allow_cxx" = no ] && grep -q '^libstdc++' <<<"$libs"; then
    fail "$exe (C) depends on libstdc++"
  fi
}

uses_shared() {
  needed "$1" | grep -qx 'libseq_runtime_shared.so.0' || fail "$1 does not use libseq_runtime_shared.so.0"
  echo "$1 needs: $(needed "$1" | tr '\n' ' ')"
}

run() {
  local out
  out=$("$@") || fail "$* exited $?: $out"
  echo "$out"
  grep -q '^consumer ok' <<<"$out" || fail "$*: no 'consumer ok'"
}

case $mode in
  install)
    build=$1 prefix=$2
    rm -rf "$prefix"
    "$cmake" --install "$build" --prefix "$prefix" >/dev/null
    for f in lib/libseq_runtime.a lib/libseq_runtime_shared.so include/seq/host.h \
             include/seq/runtime.hpp lib/pkgconfig/seq-runtime.pc \
             lib/cmake/seq_runtime/seq_runtimeConfig.cmake; do
      [ -e "$prefix/$f" ] || fail "install lacks $f"
    done
    # The documented link line relies on -lseq_runtime finding only the archive.
    ! ls "$prefix"/lib/libseq_runtime.so* >/dev/null 2>&1 || fail "a libseq_runtime.so is installed"
    echo "installed into $prefix"
    ;;
  cmake)
    prefix=$1 work=$2 project=$3
    rm -rf "$work"
    # Disabling our dependencies' packages proves the package finds none of
    # them (a find_dependency on one would fail the configure).
    "$cmake" -S "$project" -B "$work" ${GENERATOR:+-G "$GENERATOR"} \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="${CXX:-c++}" \
      -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON \
      -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON \
      -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON >"$work.log" 2>&1 ||
      { cat "$work.log"; fail "configure of $project"; }
    "$cmake" --build "$work" -j1 >>"$work.log" 2>&1 || { cat "$work.log"; fail "build of $project"; }
    allow_cxx=no
    grep -q 'LANGUAGES CXX' "$project/CMakeLists.txt" && allow_cxx=yes
    self_contained "$work/consumer_static" "$allow_cxx"
    run "$work/consumer_static"
    uses_shared "$work/consumer_shared"
    # CMake puts the imported library's directory in the build tree's RPATH.
    run "$work/consumer_shared"
    ;;
  pkg-config-shared | pkg-config-static)
    prefix=$1 work=$2 source=$3
    mkdir -p "$work"
    # Only our modules: a Requires on libuv or openssl would fail here.
    export PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig PKG_CONFIG_PATH=
    static=()
    [ "$mode" = pkg-config-static ] && static=(--static)
    flags=$("$pkg_config" "${static[@]}" --cflags --libs seq-runtime) || fail "pkg-config seq-runtime"
    echo "pkg-config ${static[*]} --cflags --libs seq-runtime: $flags"
    exe=$work/consumer
    # shellcheck disable=SC2086  # the flags are words
    "$cc" -std=c11 -Wall -Wextra -Werror -o "$exe" "$source" $flags
    if [ "$mode" = pkg-config-static ]; then
      self_contained "$exe"
      run "$exe"
    else
      uses_shared "$exe"
      LD_LIBRARY_PATH=$prefix/lib run "$exe"
    fi
    ;;
  link-line)
    prefix=$1 work=$2 source=$3
    mkdir -p "$work"
    exe=$work/consumer
    # docs/embedding.md's line, as written there.
    "$cc" "$source" -I"$prefix/include" -L"$prefix/lib" -lseq_runtime -o "$exe"
    self_contained "$exe"
    run "$exe"
    ;;
  *)
    fail "unknown mode $mode"
    ;;
esac
