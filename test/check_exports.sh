#!/usr/bin/env bash
# Checks the symbols libseq_runtime.a defines globally:
#  - every one is an ABI name (patch_seq_*, seq_*, clone_stack), apart from
#    libstdc++'s GNU-unique template constants ('u': npos, digit tables),
#    which objcopy cannot localize and the linker merges with a host's copy;
#  - every function declared SEQ_API (compiler ABI) or SEQ_HOST_API (host
#    API, seq/host*.h; its names are seq_*) in the public headers is defined.
set -euo pipefail
archive=$1 headers=$2
defined=$(nm -g --defined-only "$archive" | awk 'NF==3 && $2 != "u" {print $3}' | sort -u)
bad=$(echo "$defined" | grep -v -E '^(patch_seq_|seq_|clone_stack$)' || true)
if [ -n "$bad" ]; then
  echo "non-ABI global symbols in $archive:"; echo "$bad" | head -20; exit 1
fi
# Declarations may span lines (clang-format wraps them); preprocessor lines
# (the SEQ_API definition itself) are skipped.
declared=$(cat "$headers"/*.h | perl -0777 -ne 's/^#.*$//mg; while (/SEQ_(?:HOST_)?API\s[^;(]*?(\w+)\s*\(/g) { print "$1\n" }' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$defined"))
if [ -n "$missing" ]; then
  echo "declared but not exported:"; echo "$missing"; exit 1
fi
echo "exports ok: $(echo "$defined" | wc -l) ABI symbols, $(echo "$declared" | wc -l) declared"
