//! German number text: `1.234`, `37,4 %`, `−0,5`. Used by messages, charts, reports and
//! exports so that every published number looks the same.

/// A number with `digits` decimals, `.` as thousands and `,` as decimal separator,
/// and the typographic minus U+2212.
pub fn decimal(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let s = format!("{:.*}", digits, v.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let mut out = String::with_capacity(s.len() + int.len() / 3 + 2);
    let negative = v < 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0');
    if negative {
        out.push('\u{2212}');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push(',');
        out.push_str(f);
    }
    out
}

/// A whole number with thousands separators.
pub fn integer(n: i64) -> String {
    decimal(n as f64, 0)
}

/// A percentage with one decimal and a no-break space before `%`.
pub fn percent(v: f64, digits: usize) -> String {
    format!("{}\u{a0}%", decimal(v, digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_format() {
        assert_eq!(decimal(1234.5, 1), "1.234,5");
        assert_eq!(decimal(1_234_567.0, 0), "1.234.567");
        assert_eq!(decimal(999.96, 1), "1.000,0");
        assert_eq!(decimal(-0.5, 1), "\u{2212}0,5");
        assert_eq!(decimal(-0.04, 1), "0,0");
        assert_eq!(decimal(12.0, 0), "12");
        assert_eq!(integer(16983), "16.983");
        assert_eq!(percent(37.44, 1), "37,4\u{a0}%");
        assert_eq!(decimal(f64::NAN, 1), "–");
    }
}
