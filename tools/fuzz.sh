#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang 14, ASan + UBSan,
# test/fuzz/) and runs each for a bounded time, starting from its committed
# seed corpus (test/fuzz/corpus/<target>/). Fails when any target crashes,
# leaks, trips a sanitizer or a property check, or times out on an input;
# the input that did it is saved under build/fuzz/findings/<target>/ and the
# command to replay it is printed.
#
#   tools/fuzz.sh [seconds-per-target] [target...]
#
# Default: 10 s per target (6 targets, about 60 s of fuzzing in all), every
# target. New inputs the fuzzers find go to a scratch directory, never into
# the committed corpus; to grow the corpus, run a target by hand with
# corpus/<target> as its first directory and commit a few small files.
set -uo pipefail
cd "$(dirname "$0")/.."

secs=${1:-10}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(fuzz_strings fuzz_encoding fuzz_son fuzz_regex fuzz_compress fuzz_tcp)

echo "== tools/fuzz.sh: ${#targets[@]} targets, ${secs} s each"
cmake --preset fuzz >/dev/null || exit 1
cmake --build --preset fuzz || exit 1

bin=build/fuzz/test/fuzz
findings=build/fuzz/findings
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# UBSan findings are errors here (the build already does not recover); ASan's
# leak check runs when each target exits.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t" "$findings/$t"
  rm -f "$findings/$t"/{crash,leak,timeout,oom}-*  # only this run's findings are listed
  # The TCP seeds include a request over the example server's 8 KiB head
  # cap; the other targets' properties need no long inputs.
  # fuzz_tcp: libFuzzer's leak check between inputs would see what only a
  # parked server strand's stack points to as leaked (LSan does not scan
  # strand stacks); its leak check is the one at exit, after a clean
  # scheduler shutdown (test/fuzz/fuzz_tcp.cpp).
  max_len=4096
  extra=()
  [ "$t" = fuzz_tcp ] && max_len=16384 && extra=(-detect_leaks=0)
  log="$findings/$t/last-run.log"
  "$bin/$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 -max_len="$max_len" "${extra[@]}" \
    -print_final_stats=1 -artifact_prefix="$findings/$t/" \
    "$scratch/$t" "test/fuzz/corpus/$t" >"$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if ((status == 0)); then
    echo "fuzz: $t ok (${runs:-?} inputs, ${cov:-cov: ?})"
  else
    echo "fuzz: $t FAILED (exit $status); log: $log"
    grep -E 'ERROR|SUMMARY|fuzz check failed|fuzz_tcp:|^==[0-9]+==' "$log" | head -20
    for a in "$findings/$t"/{crash,leak,timeout,oom}-*; do
      [ -e "$a" ] && echo "  replay: $bin/$t ${extra[*]} $a"
    done
    failed+=("$t")
  fi
done

if ((${#failed[@]})); then
  echo "== fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "== fuzz: all ${#targets[@]} targets ran ${secs} s each without a finding"
