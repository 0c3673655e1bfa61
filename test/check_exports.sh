#!/usr/bin/env bash
# Checks the symbols a merged archive (libseq_runtime.a, libseq_runtime-5.4.a)
# defines globally:
#  - every one is an ABI name (patch_seq_*, seq_*, clone_stack), apart from
#    libstdc++'s GNU-unique template constants ('u': npos, digit tables),
#    which objcopy cannot localize and the linker merges with a host's copy;
#  - every function declared SEQ_API (compiler ABI) or SEQ_HOST_API (host
#    API, seq/host*.h; its names are seq_*) in the public headers is defined,
#    the 5.4-only block (#ifdef SEQ_ABI_54) counting only for ABI 54;
#  - every runtime function of TABLE (the compiler's declarations, one name
#    per line in the first column; llvm.* intrinsics and # comments skipped)
#    is defined: a program calling one that is missing does not link;
#  - with OLD_TABLE, no function OLD_TABLE has and TABLE lacks is defined
#    (the 7.7.3 archive does not export the words 7.x removed).
#
#   check_exports.sh ARCHIVE HEADER_DIR ABI(77|54) TABLE [OLD_TABLE]
set -euo pipefail
archive=$1 headers=$2 abi=$3 table=$4 old_table=${5:-}
defined=$(nm -g --defined-only "$archive" | awk 'NF==3 && $2 != "u" {print $3}' | sort -u)
bad=$(echo "$defined" | grep -v -E '^(patch_seq_|seq_|clone_stack$)' || true)
if [ -n "$bad" ]; then
  echo "non-ABI global symbols in $archive:"; echo "$bad" | head -20; exit 1
fi
# Declarations may span lines (clang-format wraps them); preprocessor lines
# (the SEQ_API definition itself) are skipped.
declared=$(cat "$headers"/*.h | ABI=$abi perl -0777 -ne '
  s/^#ifdef SEQ_ABI_54\n.*?^#endif[^\n]*$//msg if $ENV{ABI} ne "54";
  s/^#ifndef SEQ_ABI_54\n.*?^#endif[^\n]*$//msg if $ENV{ABI} eq "54";
  s/^#.*$//mg;
  while (/SEQ_(?:HOST_)?API\s[^;(]*?(\w+)\s*\(/g) { print "$1\n" }' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$defined"))
if [ -n "$missing" ]; then
  echo "declared but not exported:"; echo "$missing"; exit 1
fi
functions() { awk -F'\t' '!/^#/ && NF > 1 && $1 !~ /^llvm\./ {print $1}' "$1" | sort -u; }
wanted=$(functions "$table")
missing=$(comm -23 <(echo "$wanted") <(echo "$defined"))
if [ -n "$missing" ]; then
  echo "in $(basename "$table") but not exported by $(basename "$archive") ($(echo "$missing" | wc -l)):"
  echo "$missing"
  exit 1
fi
if [ -n "$old_table" ]; then
  # The words 7.x removed are the ones our headers declare for the 5.4.0
  # contract only (#ifdef SEQ_ABI_54): the 7.7.3 archive must not export them.
  # Other functions the 5.4.0 table has and the 7.7.3 one lacks
  # (cstring_to_string, string_to_cstring) are still defined by upstream's
  # 7.7.3 runtime, so they stay.
  removed=$(cat "$headers"/*.h | perl -0777 -ne '
    while (/^#ifdef SEQ_ABI_54\n(.*?)^#endif/msg) { my $b = $1;
      while ($b =~ /SEQ_API\s[^;(]*?(\w+)\s*\(/g) { print "$1\n" } }' | sort -u)
  present=$(comm -12 <(echo "$removed") <(echo "$defined"))
  if [ -n "$present" ]; then
    echo "removed by seqc 7.x (declared for SEQ_ABI_54 only) but exported by $(basename "$archive"):"
    echo "$present"
    exit 1
  fi
  if [ -z "$removed" ]; then echo "no SEQ_ABI_54-only declarations found"; exit 1; fi
fi
echo "exports ok: $(echo "$defined" | wc -l) ABI symbols, $(echo "$declared" | wc -l) declared," \
  "$(echo "$wanted" | wc -l) in $(basename "$table")"
