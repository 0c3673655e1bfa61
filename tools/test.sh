#!/usr/bin/env bash
# Builds and runs the whole test suite: the release build (then a 60 s soak,
# tools/soak.sh), then the same suite under ASan+UBSan (followed by the
# libFuzzer targets, tools/fuzz.sh) and under ThreadSanitizer. Every preset runs even when an
# earlier one failed; the last line sums them up. Exits non-zero on any
# failure.
#
#   tools/test.sh [preset...]      (default: release asan tsan)
#   SEQ_TEST_FUZZ=0 tools/test.sh  (without the fuzz step)
#
# How long: from scratch on a 2-core VM roughly 30 minutes, mostly the three
# builds (release alone measured 7 min; the sanitizer presets build no tools
# but compile slower); with the builds up to date about 5 minutes (the
# release suite runs in 25 s, the sanitizer suites in a few minutes). The
# fuzz step adds its build (the library once more, with clang 14: about
# 10 min from scratch) and 60 s of fuzzing.
set -uo pipefail
cd "$(dirname "$0")/.."

presets=("$@")
((${#presets[@]})) || presets=(release asan tsan)
echo "== tools/test.sh: ${presets[*]} (from scratch roughly 30 min on 2 cores, ~5 min when built)"

# Packages once; then each preset builds and tests on its own.
tools/setup.sh --packages-only || exit 1

summary=()
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
# The libFuzzer targets (tools/fuzz.sh: their build plus about 60 s of
# fuzzing), run right after the asan preset; SEQ_TEST_FUZZ=0 skips them.
run_fuzz() {
  [ "${SEQ_TEST_FUZZ:-1}" != 0 ] || return 0
  local start=$SECONDS
  echo "== fuzz (tools/fuzz.sh)"
  if tools/fuzz.sh; then
    summary+=("fuzz: passed ($(duration $((SECONDS - start))))")
  else
    summary+=("fuzz: FAILED ($(duration $((SECONDS - start))))")
    failed=1
  fi
}
for preset in "${presets[@]}"; do
  start=$SECONDS
  echo "== build: $preset"
  if ! tools/setup.sh "$preset"; then
    summary+=("$preset: build FAILED")
    failed=1
    continue
  fi
  built=$SECONDS
  echo "== ctest --preset $preset"
  ctest --preset "$preset" -j "$(nproc)" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  # ctest's own total: "97% tests passed, 3 tests failed out of 716".
  counts=$(sed -n 's/.* tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\1 \2/p' "$log")
  read -r nfail total <<<"${counts:-? ?}"
  if [ "$nfail" = "?" ]; then
    summary+=("$preset: ctest FAILED (no result)")
  else
    times="build $(duration $((built - start))), tests $(duration $((SECONDS - built)))"
    summary+=("$preset: $((total - nfail))/$total passed, $nfail failed ($times)")
  fi
  ((status == 0)) || failed=1
  # The soak (release only: sanitizers change what memory means): 60 s of
  # the hostile mix against the example HTTP server, plus its settle time.
  if [ "$preset" = release ]; then
    soak_start=$SECONDS
    echo "== soak: tools/soak.sh 60 (about 90 s)"
    if tools/soak.sh 60 > "$log" 2>&1; then
      summary+=("soak: passed ($(duration $((SECONDS - soak_start))); $(grep -m1 '^seq_soak: RSS' "$log" | cut -c11-))")
    else
      cat "$log"
      summary+=("soak: FAILED ($(grep -m1 'FAIL' "$log" || echo 'see above'))")
      failed=1
    fi
  fi
  [ "$preset" = asan ] && run_fuzz
done

line=$(printf '%s; ' "${summary[@]}")
echo "== summary: ${line%; } -- $( ((failed)) && echo FAILED || echo all passed)"
exit $failed
