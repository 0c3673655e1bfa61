# tools/bench.sh's chart: a horizontal bar chart of ours/baseline ratios on a
# log2 axis, one labelled bar per benchmark, drawn from the line at 1.0 (left:
# ours is smaller, right: larger); green where that is the better side for
# ours, red where it is not, grey within 5% of the baseline. Plain POSIX awk
# (mawk and gawk), no plotting package.
#
#   awk -f ratios-svg.awk -v title=... -v subtitle=... CHART > ratios.svg
#
# CHART: label \t baseline \t ratio \t better(lower|higher), from
# report.awk -v out=chart.
BEGIN { FS = "\t"; rows = 0; longest = 20 }
$3 > 0 {
    rows++; lab[rows] = $1 ($4 == "higher" ? " (higher is better)" : ""); base[rows] = "vs " $2
    rat[rows] = $3 + 0; bet[rows] = $4
    if (length(lab[rows]) > longest) longest = length(lab[rows])
    if (length(base[rows]) > longest) longest = length(base[rows])
}

function log2(x) { return log(x) / log(2) }
function floor(x,    t) { t = int(x); return t > x ? t - 1 : t }
function ceil(x,    t) { t = int(x); return t < x ? t + 1 : t }
function esc(x) { gsub(/&/, "\\&amp;", x); gsub(/</, "\\&lt;", x); gsub(/>/, "\\&gt;", x); gsub(/"/, "\\&quot;", x); return x }
function xof(r,    l) {
    l = log2(r)
    if (l < lmin) l = lmin
    if (l > lmax) l = lmax
    return x0 + (l - lmin) / (lmax - lmin) * plotw
}
function ratio_text(r) {
    if (r >= 100) return sprintf("%.0fx", r)
    if (r >= 10) return sprintf("%.1fx", r)
    if (r >= 0.1) return sprintf("%.2fx", r)
    return sprintf("%.3fx", r)
}
function tick_text(p) { return p >= 0 ? sprintf("%dx", 2 ^ p) : sprintf("1/%dx", 2 ^ -p) }

END {
    # Axis: whole powers of two covering every ratio and at least 1/2..2,
    # clamped to 1/1024..1024 (bars beyond end in an arrow).
    lmin = -1; lmax = 1
    for (i = 1; i <= rows; i++) {
        l = log2(rat[i])
        if (l < lmin) lmin = l
        if (l > lmax) lmax = l
    }
    lmin = floor(lmin + 1e-9); lmax = ceil(lmax - 1e-9)
    if (lmin < -10) lmin = -10
    if (lmax > 10) lmax = 10

    labw = int(longest * 6.5) + 14; if (labw > 520) labw = 520
    x0 = labw + 56; plotw = 460; rowh = 34; top = 64
    width = x0 + plotw + 70
    height = top + rows * rowh + 56
    one = xof(1)
    printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", width, height, width, height
    printf "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height
    printf "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", esc(title)
    printf "<text x=\"10\" y=\"38\" fill=\"#555555\">%s</text>\n", esc(subtitle)
    # Grid at each power of two, labelled below the plot.
    for (p = lmin; p <= lmax; p++) {
        gx = x0 + (p - lmin) / (lmax - lmin) * plotw
        printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#dddddd\"/>\n", gx, top - 6, gx, top + rows * rowh
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555555\">%s</text>\n", gx, top + rows * rowh + 16, tick_text(p)
    }
    for (i = 1; i <= rows; i++) {
        y = top + (i - 1) * rowh
        r = rat[i]; bx = xof(r)
        good = (bet[i] == "higher") ? (r >= 1) : (r <= 1)
        color = (r > 0.95 && r < 1.05) ? "#999999" : good ? "#3a9d5d" : "#d0473d"
        x = bx < one ? bx : one; w = bx < one ? one - bx : bx - one
        if (w < 1) w = 1
        printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", labw, y + 14, esc(lab[i])
        printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\" fill=\"#666666\">%s</text>\n", labw, y + 27, esc(base[i])
        printf "<rect class=\"bar\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s %s: %s</title></rect>\n", x, y + 7, w, rowh - 14, color, esc(lab[i]), esc(base[i]), ratio_text(r)
        clipped = log2(r) < lmin || log2(r) > lmax
        if (r >= 1)
            printf "<text x=\"%.1f\" y=\"%d\">%s%s</text>\n", bx + 4, y + 21, ratio_text(r), clipped ? " &#8594;" : ""
        else
            printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%s%s</text>\n", bx - 4, y + 21, clipped ? "&#8592; " : "", ratio_text(r)
    }
    printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000000\" stroke-width=\"2\"/>\n", one, top - 10, one, top + rows * rowh + 4
    printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">1.0 = baseline</text>\n", one, top - 14
    ly = top + rows * rowh + 38
    printf "<rect x=\"10\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#3a9d5d\"/><text x=\"28\" y=\"%d\">ours better than the baseline</text>\n", ly - 10, ly
    printf "<rect x=\"215\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#d0473d\"/><text x=\"233\" y=\"%d\">ours worse</text>\n", ly - 10, ly
    printf "<rect x=\"315\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#999999\"/><text x=\"333\" y=\"%d\">within 5%%</text>\n", ly - 10, ly
    printf "<text x=\"420\" y=\"%d\" fill=\"#555555\">bar: ours / baseline (medians), log scale</text>\n", ly
    if (rows == 0) printf "<text x=\"%d\" y=\"%d\">no benchmark with a baseline ran</text>\n", x0, top + 16
    printf "</svg>\n"
}
