#!/usr/bin/env bash
# Builds a self-contained archive (libseq_runtime.a for seqc 7.7.3,
# libseq_runtime-5.4.a for seqc 5.4.0) that compiled Seq programs link
# with nothing but `-lseq_runtime` (the Seq compiler's link line): our objects,
# libuv, Boost.Context and the parts of libssl, libcrypto, RE2, zlib, zstd and
# libstdc++/libm they use, partially
# linked into one object in which only the C ABI stays global. Everything
# else becomes local, so it cannot clash with a host's own copies.
#
#   merge-archive.sh OUT.a STATIC_ARCHIVE... -- OBJECT...
# The ABI kept global is what OBJECTs (ours) define with default visibility
# under an ABI name (everything else is -fvisibility=hidden), so the 7.7.3 and
# the 5.4 archive each keep exactly the words their abi objects define.
set -euo pipefail
out=$1
shift
archives=()
while (($#)) && [ "$1" != "--" ]; do archives+=("$1"); shift; done
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# readelf -sW: Num Value Size Type Bind Vis Ndx Name.
readelf -sW "$@" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $6 == "DEFAULT" && $7 != "UND" {print $8}' |
  grep -E '^(patch_seq_|seq_|clone_stack$)' | sort -u >"$work/keep.txt"
# Whole-archive for the libraries we always need; the rest (libssl, libcrypto,
# RE2, zlib, zstd, libstdc++, libm) contributes only the members our objects
# reference, searched as a group because they reference each other (RE2 needs
# libstdc++, which needs libm) in no fixed order. -d turns common symbols
# (libcrypto's OPENSSL_ia32cap_P) into definitions, which objcopy can localize.
# --force-group-allocation dissolves COMDAT groups (inline functions, typeinfo):
# kept as groups, a C++ host's own copy of one would win at link time and the
# archive's references to its now-local symbols would point into a discarded
# section (`defined in discarded section`; test install_cmake_cxx).
ld -r -d --force-group-allocation -o "$work/merged.o" "$@" --whole-archive "${archives[@]:0:2}" --no-whole-archive \
  --start-group "${archives[@]:2}" --end-group
objcopy --keep-global-symbols="$work/keep.txt" "$work/merged.o" "$work/seq_runtime.o"
rm -f "$out"
ar rcs "$out" "$work/seq_runtime.o"
