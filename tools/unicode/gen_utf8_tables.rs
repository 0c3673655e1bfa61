// Generates src/core/utf8_tables.cpp: the Unicode data behind the string
// words (case mapping, the final-sigma context, str Debug escaping), taken
// from the Rust standard library so the C++ runtime behaves exactly as
// seq-runtime 5.4.0 (built with Rust 1.93, Unicode 16.0.0) does.
//
//   rustc -O tools/unicode/gen_utf8_tables.rs -o /tmp/gen && /tmp/gen > src/core/utf8_tables.cpp
//
// The properties are probed through public std APIs only. A compiler newer
// than 1.93 carries Unicode 17.0.0: the code points that 17.0 assigned with
// case (listed in UNICODE17_CASED below) are then reverted to their 16.0
// state (unassigned: no mapping, not cased, escaped by Debug).
use std::fmt::Write;

const UNICODE17_CASED: &[(u32, u32)] = &[
    (0xA7CE, 0xA7CF), // pharyngeal voiced fricative
    (0xA7D2, 0xA7D2), // capital double thorn (pairs with 16.0's U+A7D3)
    (0xA7D4, 0xA7D4), // capital double wynn (pairs with 16.0's U+A7D5)
    (0xA7F1, 0xA7F1), // modifier letter capital S
    (0x16EA0, 0x16EDF), // Beria Erfe
];

fn new_in_17(cp: u32) -> bool {
    char::UNICODE_VERSION.0 >= 17 && UNICODE17_CASED.iter().any(|&(a, b)| cp >= a && cp <= b)
}

fn mapping(c: char, upper: bool) -> Vec<u32> {
    let v: Vec<u32> = if upper {
        c.to_uppercase().map(|x| x as u32).collect()
    } else {
        c.to_lowercase().map(|x| x as u32).collect()
    };
    // Reverting 17.0 pairs: a 16.0 letter whose counterpart is new keeps itself.
    if new_in_17(c as u32) || v.iter().any(|&m| new_in_17(m)) {
        return vec![c as u32];
    }
    v
}

fn lower_of(s: &str) -> String {
    s.to_lowercase()
}

struct Range {
    start: u32,
    count: u32,
    stride: u32,
    delta: i64,
}

fn case_tables(upper: bool, out: &mut String) {
    let name = if upper { "Upper" } else { "Lower" };
    let mut singles: Vec<(u32, i64)> = Vec::new();
    let mut multis: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut mapped = std::collections::HashSet::new();
    for cp in 0x80u32..=0x10FFFF {
        let Some(c) = char::from_u32(cp) else { continue };
        let m = mapping(c, upper);
        if m == vec![cp] {
            continue;
        }
        mapped.insert(cp);
        if m.len() == 1 {
            singles.push((cp, m[0] as i64 - cp as i64));
        } else {
            multis.push((cp, m));
        }
    }
    let mut ranges: Vec<Range> = Vec::new();
    for &(cp, delta) in &singles {
        if let Some(r) = ranges.last_mut() {
            let last = r.start + (r.count - 1) * r.stride;
            if r.delta == delta {
                if r.count == 1 && (cp == last + 1 || (cp == last + 2 && !mapped.contains(&(last + 1)))) {
                    r.stride = cp - last;
                    r.count = 2;
                    continue;
                }
                if r.count > 1 && cp == last + r.stride && (r.stride == 1 || !mapped.contains(&(last + 1))) {
                    r.count += 1;
                    continue;
                }
            }
        }
        ranges.push(Range { start: cp, count: 1, stride: 1, delta });
    }
    writeln!(out, "const CaseRange k{}Ranges[] = {{", name).unwrap();
    for r in &ranges {
        writeln!(out, "    {{0x{:X}, {}, {}, {}}},", r.start, r.count, r.stride, r.delta).unwrap();
    }
    writeln!(out, "}};").unwrap();
    writeln!(out, "const CaseMulti k{}Multi[] = {{", name).unwrap();
    for (cp, m) in &multis {
        let mut m = m.clone();
        m.resize(3, 0);
        writeln!(out, "    {{0x{:X}, {{0x{:X}, 0x{:X}, 0x{:X}}}}},", cp, m[0], m[1], m[2]).unwrap();
    }
    writeln!(out, "}};").unwrap();
}

fn ranges_of(pred: impl Fn(u32) -> bool) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = Vec::new();
    for cp in 0u32..=0x10FFFF {
        if !pred(cp) {
            continue;
        }
        match v.last_mut() {
            Some(r) if r.1 + 1 == cp => r.1 = cp,
            _ => v.push((cp, cp)),
        }
    }
    v
}

fn emit_ranges(name: &str, v: &[(u32, u32)], out: &mut String) {
    writeln!(out, "const CodeRange {}[] = {{", name).unwrap();
    let mut line = String::from("   ");
    for &(a, b) in v {
        let item = format!(" {{0x{:X}, 0x{:X}}},", a, b);
        if line.len() + item.len() > 98 {
            writeln!(out, "{}", line).unwrap();
            line = String::from("   ");
        }
        line.push_str(&item);
    }
    writeln!(out, "{}", line).unwrap();
    writeln!(out, "}};").unwrap();
}

fn snake(s: &str) -> String {
    let mut o = String::new();
    for (i, ch) in s.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                o.push('_');
            }
            o.push(ch.to_ascii_lowercase());
        } else {
            o.push(ch);
        }
    }
    o
}

fn main() {
    // Final sigma: Σ lowercases to ς when preceded by a Cased letter and not
    // followed by one, Case_Ignorable characters skipped both ways. Probe both
    // properties through str::to_lowercase:
    //   "A" c "Σ"  gives ς  iff  CI(c) or Cased(c)
    //   "AΣ" c     gives ς  iff  CI(c) or not Cased(c)
    let probe = |cp: u32| -> Option<(bool, bool)> {
        let c = char::from_u32(cp)?;
        if c == 'Σ' {
            return Some((false, true));
        }
        let a = lower_of(&format!("A{}Σ", c)).ends_with('ς');
        let b = lower_of(&format!("AΣ{}", c)).chars().nth(1) == Some('ς');
        let ci = a && b;
        let cased = !ci && a;
        Some((ci && !new_in_17(cp), cased && !new_in_17(cp)))
    };
    let mut props = vec![(false, false); 0x110000];
    for cp in 0u32..=0x10FFFF {
        if let Some(p) = probe(cp) {
            props[cp as usize] = p;
        }
    }
    // str's Debug escapes (besides \0 \t \r \n \\ \") every character that is
    // not printable or is grapheme-extending, as \u{hex}.
    let escaped = |cp: u32| -> bool {
        let Some(c) = char::from_u32(cp) else { return false };
        if matches!(c, '\0' | '\t' | '\r' | '\n' | '\\' | '"') {
            return false;
        }
        let s = c.to_string();
        format!("{:?}", s) != format!("\"{}\"", s) || new_in_17(cp)
    };

    let mut out = String::new();
    writeln!(out, "// Generated by tools/unicode/gen_utf8_tables.rs from the Rust standard library").unwrap();
    writeln!(out, "// (Unicode 16.0.0, as Rust 1.93 / seq-runtime 5.4.0). Do not edit by hand.").unwrap();
    writeln!(out, "// clang-format off").unwrap();
    writeln!(out, "#include \"core/utf8_tables.hpp\"\n\nnamespace seq::utf8::tables {{\nnamespace {{\n").unwrap();
    case_tables(true, &mut out);
    writeln!(out).unwrap();
    case_tables(false, &mut out);
    writeln!(out).unwrap();
    emit_ranges("kCaseIgnorable", &ranges_of(|cp| props[cp as usize].0), &mut out);
    writeln!(out).unwrap();
    emit_ranges("kCasedNotIgnorable", &ranges_of(|cp| props[cp as usize].1), &mut out);
    writeln!(out).unwrap();
    emit_ranges("kDebugEscaped", &ranges_of(escaped), &mut out);
    writeln!(out, "}}  // namespace\n").unwrap();
    for (t, n) in [("CaseRange", "kUpperRanges"), ("CaseMulti", "kUpperMulti"), ("CaseRange", "kLowerRanges"),
                   ("CaseMulti", "kLowerMulti"), ("CodeRange", "kCaseIgnorable"),
                   ("CodeRange", "kCasedNotIgnorable"), ("CodeRange", "kDebugEscaped")] {
        writeln!(out, "const std::span<const {}> {}({});", t, snake(&n[1..]), n).unwrap();
    }
    writeln!(out, "\n}}  // namespace seq::utf8::tables").unwrap();
    print!("{}", out);
}
