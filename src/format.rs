//! German number text: `1.234`, `37,4 %`, `−0,5`. Used by messages, charts, reports and
//! exports so that every published number looks the same.

/// A number with `digits` decimals, rounded half up (`format!` would round a tie such as
/// 1,25 to even), `.` as thousands and `,` as decimal separator, and the typographic minus
/// U+2212.
pub fn decimal(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let s = format!("{:.*}", digits, round_half_up(v, digits as i32).abs());
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

/// `v` rounded half up (kaufmännisch) to `digits` decimals. A value that lies on a tie in
/// decimal but just below it in binary (28,75 stored as 28,7499…) is taken as the tie: the
/// values rounded here come from counts, whose ties are exact.
pub fn round_half_up(v: f64, digits: i32) -> f64 {
    if !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(digits);
    let x = v.abs() * scale;
    let f = x.floor();
    let r = if x - f >= 0.5 - 1e-9 * x.max(1.0) {
        f + 1.0
    } else {
        f
    };
    (r / scale).copysign(v)
}

/// The share `100 · n / d` in tenths of a percent, rounded half up exactly in whole numbers,
/// for whole counts `n ≥ 0`, `d > 0` (else `None`).
pub fn share_tenths(n: f64, d: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() != 0.0 || d.fract() != 0.0 || n < 0.0 || d <= 0.0 || n >= EXACT || d >= EXACT {
        return None;
    }
    let (n, d) = (n as i128, d as i128);
    i64::try_from((2000 * n + d) / (2 * d)).ok()
}

/// A whole number with thousands separators.
pub fn integer(n: i64) -> String {
    decimal(n as f64, 0)
}

/// A percentage with one decimal and a no-break space before `%`.
pub fn percent(v: f64, digits: usize) -> String {
    format!("{}\u{a0}%", decimal(v, digits))
}

/// A value in the unit of an indicator: `37,4 %`, `1.234`, `104,2`, `1 : 10,3`.
pub fn value(v: f64, unit: crate::catalogue::Einheit) -> String {
    use crate::catalogue::Einheit;
    match unit {
        Einheit::Prozent => percent(v, 1),
        Einheit::Anzahl => decimal(v, 0),
        Einheit::Index => decimal(v, 1),
        Einheit::Verhaeltnis => format!("1 : {}", decimal(v, 1)),
    }
}

/// A change in the unit of an indicator with its sign: `+1,2` (percentage points), `−35`.
pub fn change(d: f64, unit: crate::catalogue::Einheit) -> String {
    use crate::catalogue::Einheit;
    let digits = if unit == Einheit::Anzahl { 0 } else { 1 };
    let s = decimal(d, digits);
    if d > 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        format!("+{s}")
    } else {
        s
    }
}

/// A count: whole numbers without decimals, weighted sums (½ of age 6) with one.
pub fn count(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        decimal(v, 0)
    } else {
        decimal(v, 1)
    }
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
        use crate::catalogue::Einheit;
        assert_eq!(value(10.3, Einheit::Verhaeltnis), "1 : 10,3");
        assert_eq!(change(1.25, Einheit::Prozent), "+1,3");
        assert_eq!(decimal(2.5, 0), "3");
        assert_eq!(decimal(-0.05, 1), "\u{2212}0,1");
        assert_eq!(change(-35.0, Einheit::Anzahl), "\u{2212}35");
        assert_eq!(change(0.01, Einheit::Prozent), "0,0");
        assert_eq!(count(2533.5), "2.533,5");
    }
}
