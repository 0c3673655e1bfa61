# tools/bench.sh's report: reads the rows it ran and their samples, prints
# the table (out=table), the JSON (out=json) or the chart's input
# (out=chart: label, baseline, ratio, better, tab-separated). Plain POSIX awk (mawk
# and gawk both run it).
#
#   awk -f report.awk -v out=table|json|chart [-v meta vars] ROWS SAMPLES
#
# ROWS:    key \t label \t unit \t better(lower|higher) \t baseline label
# SAMPLES: key \t ours|base \t value
# Meta variables (strings): cores cpu load load_high date commit runs quick
# go failed (space-separated keys) notes (lines joined by "|").
BEGIN { FS = "\t" }
FNR == NR {
    if (!($1 in label)) order[++nrows] = $1
    label[$1] = $2; unit[$1] = $3; better[$1] = $4; blabel[$1] = $5
    next
}
{ k = $1 SUBSEP $2; n[k]++; v[k, n[k]] = $3 + 0; raw[k] = raw[k] (n[k] > 1 ? "," : "") $3 }

function sort_side(k,    i, j, t, c) {
    c = n[k]
    for (i = 1; i <= c; i++) s[i] = v[k, i]
    for (i = 2; i <= c; i++) {
        t = s[i]
        for (j = i - 1; j >= 1 && s[j] > t; j--) s[j + 1] = s[j]
        s[j + 1] = t
    }
    return c
}
# Sets med, lo, hi for key k; returns the count (0: no samples).
function stats(k,    c) {
    c = (k in n) ? sort_side(k) : 0
    if (c == 0) { med = lo = hi = ""; return 0 }
    med = (c % 2) ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
    lo = s[1]; hi = s[c]
    return c
}
function fmt(x) {
    if (x == "") return "-"
    if (x < 0) return "-" fmt(-x)
    if (x >= 1000) return sprintf("%.0f", x)
    if (x >= 100) return sprintf("%.1f", x)
    if (x >= 10) return sprintf("%.2f", x)
    return sprintf("%.3f", x)
}
function rfmt(x) { return x >= 10 ? sprintf("%.1f", x) : x >= 0.1 ? sprintf("%.2f", x) : sprintf("%.3f", x) }
function range(c) { return c > 1 ? fmt(lo) "-" fmt(hi) : "" }
function jstr(x) { gsub(/\\/, "\\\\", x); gsub(/"/, "\\\"", x); gsub(/\t/, " ", x); return "\"" x "\"" }
function jnum(x) { return x == "" ? "null" : sprintf("%.6g", x) }
function jside(k, name, c) {
    c = stats(k)
    if (c == 0) return "null"
    return "{" (name != "" ? "\"name\": " jstr(name) ", " : "") "\"median\": " jnum(med) \
        ", \"min\": " jnum(lo) ", \"max\": " jnum(hi) ", \"n\": " c ", \"runs\": [" raw[k] "]}"
}
function is_failed(key,    i, m, f) {
    m = split(failed, f, " ")
    for (i = 1; i <= m; i++) if (f[i] == key) return 1
    return 0
}

END {
    if (out == "table") {
        printf "machine: %s cores, %s; load average at start %s%s\n", cores, cpu, load, \
            load_high == "1" ? " (BUSY: figures are noisy)" : ""
        printf "runs: %s per benchmark%s; %s; commit %s%s\n", runs, quick == "1" ? " (--quick: smaller sizes)" : "", \
            date, commit, go == "" ? "; no Go baselines" : "; " go
        printf "\n%-52s %-7s %9s %-17s %-33s %9s %-17s %6s  %s\n", "benchmark", "unit", "ours", "(min-max)", \
            "baseline", "median", "(min-max)", "ratio", "better"
        for (i = 1; i <= nrows; i++) {
            key = order[i]
            c = stats(key SUBSEP "ours"); om = med; orng = range(c)
            cb = stats(key SUBSEP "base"); bm = med; brng = range(cb)
            r = (c && cb && bm != 0) ? rfmt(om / bm) : "-"
            if (c == 0 && is_failed(key)) { om = ""; orng = "FAILED" }
            bl = blabel[key]
            if (bl == "") bl = "-"
            else if (cb == 0 && bl != "-") bl = bl " (not run)"
            printf "%-52s %-7s %9s %-17s %-33s %9s %-17s %6s  %s\n", label[key], unit[key], fmt(om), orng, \
                bl, fmt(bm), brng, r, better[key]
        }
        printf "\nratio = ours / baseline (medians); \"better\" says which way is good for ours.\n"
        m = split(notes, nl, "|")
        for (i = 1; i <= m; i++) if (nl[i] != "") print "note: " nl[i]
    } else if (out == "json") {
        printf "{\n  \"machine\": {\"cores\": %d, \"cpu\": %s, \"loadavg_start\": [%s], \"load_high\": %s},\n", \
            cores, jstr(cpu), load_json, load_high == "1" ? "true" : "false"
        printf "  \"date\": %s, \"commit\": %s, \"runs\": %d, \"quick\": %s, \"go\": %s,\n", jstr(date), \
            jstr(commit), runs, quick == "1" ? "true" : "false", go == "" ? "null" : jstr(go)
        printf "  \"benchmarks\": [\n"
        for (i = 1; i <= nrows; i++) {
            key = order[i]
            c = stats(key SUBSEP "ours"); om = med
            cb = stats(key SUBSEP "base"); bm = med
            r = (c && cb && bm != 0) ? jnum(om / bm) : "null"
            printf "    {\"key\": %s, \"name\": %s, \"unit\": %s, \"better\": %s, \"failed\": %s,\n", jstr(key), \
                jstr(label[key]), jstr(unit[key]), jstr(better[key]), is_failed(key) ? "true" : "false"
            printf "     \"ours\": %s,\n     \"baseline\": %s,\n     \"ratio\": %s}%s\n", jside(key SUBSEP "ours", ""), \
                jside(key SUBSEP "base", blabel[key]), r, i < nrows ? "," : ""
        }
        printf "  ],\n  \"notes\": ["
        m = split(notes, nl, "|"); sep = ""
        for (i = 1; i <= m; i++) if (nl[i] != "") { printf "%s%s", sep, jstr(nl[i]); sep = ", " }
        printf "]\n}\n"
    } else if (out == "chart") {
        for (i = 1; i <= nrows; i++) {
            key = order[i]
            c = stats(key SUBSEP "ours"); om = med
            cb = stats(key SUBSEP "base"); bm = med
            if (c && cb && bm != 0 && om > 0)
                printf "%s\t%s\t%.6g\t%s\n", label[key], blabel[key], om / bm, better[key]
        }
    }
}
