#!/usr/bin/env bash
# ctest bench_command: runs tools/bench.sh --quick on a fast subset and checks
# that the table, the JSON and the SVG are produced and well-formed. Asserts
# nothing about speed.
#
#   tools/bench/check-bench.sh SOURCE-DIR BUILD-DIR OUT-DIR [ONLY (default yield)]
set -euo pipefail
src=$1 build=$2 out=$3 only=${4:-yield}
rm -rf "$out"
mkdir -p "$out"
fail() { echo "check-bench: $*" >&2; exit 1; }

BENCH_WORK=$out "$src/tools/bench.sh" --quick --no-go --only "$only" --build "$build" \
  --json "$out/bench.json" --svg "$out/ratios.svg" >"$out/table.txt" 2>"$out/progress.txt" ||
  { cat "$out/progress.txt" "$out/table.txt" >&2; fail "bench.sh failed"; }
cat "$out/table.txt"

# The table: the machine line, the header, a row for the yield with numbers
# for ours, the baseline and the ratio.
grep -q '^machine: [0-9]* cores, ' "$out/table.txt" || fail "no machine line"
grep -q '^benchmark  *unit  *ours ' "$out/table.txt" || fail "no table header"
awk '/^one yield, strand to strand/ && $0 ~ /ns +[0-9.]+ .*two raw Boost.Context jumps +[0-9.]+ .* [0-9.]+  lower$/ {ok = 1}
     END {exit !ok}' "$out/table.txt" || fail "no yield row with ours, baseline and ratio"
grep -q '\[1/1\] scheduler: 1 run' "$out/progress.txt" || fail "no progress line"

# The JSON: parses, and holds the same row.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null; then
  python3 - "$out/bench.json" <<'EOF' || fail "bad JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["machine"]["cores"] >= 1 and len(d["machine"]["loadavg_start"]) == 3
rows = {b["key"]: b for b in d["benchmarks"]}
y = rows["yield"]
assert y["unit"] == "ns" and y["ours"]["n"] == 1 and y["ours"]["median"] > 0, y
assert y["baseline"]["median"] > 0 and y["ratio"] > 0, y
assert abs(y["ratio"] - y["ours"]["median"] / y["baseline"]["median"]) < 1e-3 * y["ratio"], y
EOF
elif command -v jq >/dev/null 2>&1; then
  jq -e '.benchmarks[] | select(.key == "yield") | .ratio > 0' "$out/bench.json" >/dev/null || fail "bad JSON"
else
  grep -q '"key": "yield"' "$out/bench.json" || fail "no yield in the JSON"
fi

# The SVG: well-formed XML with a bar and a label per benchmark that has a baseline.
if command -v python3 >/dev/null 2>&1; then
  python3 - "$out/ratios.svg" <<'EOF' || fail "bad SVG"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
bars = [r for r in root.iter(ns + "rect") if r.get("class") == "bar"]
assert len(bars) >= 1 and all(float(b.get("width")) > 0 for b in bars), bars
texts = [t.text or "" for t in root.iter(ns + "text")]
assert any(t.startswith("one yield") for t in texts), texts
assert any(t.startswith("1.0") for t in texts), texts
EOF
elif command -v xmllint >/dev/null 2>&1; then
  xmllint --noout "$out/ratios.svg" || fail "bad SVG"
else
  { head -2 "$out/ratios.svg" | grep -q '<svg ' && tail -1 "$out/ratios.svg" | grep -q '^</svg>$'; } || fail "bad SVG"
fi
grep -q 'class="bar"' "$out/ratios.svg" || fail "no bar in the SVG"
echo "check-bench: table, JSON and SVG are well-formed"
