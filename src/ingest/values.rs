//! Parsing single cells: German numbers, statistical symbols and time keys. Pure functions,
//! table-tested; the caller turns an `Err` into a located diagnostic.

use crate::domain::{Date, MissingReason, Period, PeriodKind};
use crate::project::BareYear;

/// Why a number could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// Not a number at all (and not a known symbol).
    NotANumber,
    /// `1.234` in a file with decimal comma (or `1,234` with decimal point): thousands or decimals?
    Ambiguous,
    /// A separator in the wrong place (`1.23.4`, `12,34,5`).
    Malformed,
}

/// `s.trim()`, without looking at the characters when both ends are visible ASCII, as in
/// almost every cell (`str::trim` decodes and classifies characters from each end).
#[inline]
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&b)) if (b'!'..=b'~').contains(&a) && (b'!'..=b'~').contains(&b) => s,
        _ => s.trim(),
    }
}

/// A cell of plain digits (at most 15, so exact in an `f64`): by far the most common cell.
pub fn plain_digits(t: &str) -> Option<f64> {
    (!t.is_empty() && t.len() <= 15 && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.bytes().fold(0u64, |a, b| a * 10 + u64::from(b - b'0')) as f64)
}

/// Reads a number written with `decimal` and, optionally, `thousands` separators.
pub fn parse_number(s: &str, decimal: char, thousands: Option<char>) -> Result<f64, NumberError> {
    let t = s.trim();
    if let Some(v) = plain_digits(t) {
        return Ok(v);
    }
    let (neg, body) = match t.strip_prefix(['-', '\u{2212}']) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if body.is_empty() || !body.starts_with(|c: char| c.is_ascii_digit() || c == decimal) {
        return Err(NumberError::NotANumber);
    }
    let other = if decimal == ',' { '.' } else { ',' };
    let mut int_part = String::with_capacity(body.len());
    let mut frac_part = String::new();
    let mut seen_decimal = false;
    let mut group_len: Option<usize> = None; // digits since the last thousands separator
    let mut saw_thousands = false;
    for c in body.chars() {
        if c.is_ascii_digit() {
            if seen_decimal {
                frac_part.push(c);
            } else {
                int_part.push(c);
                if let Some(g) = group_len.as_mut() {
                    *g += 1;
                }
            }
        } else if c == decimal && !seen_decimal {
            if group_len.is_some_and(|g| g != 3) {
                return Err(NumberError::Malformed);
            }
            seen_decimal = true;
        } else if Some(c) == thousands && !seen_decimal {
            if int_part.is_empty()
                || group_len.is_some_and(|g| g != 3)
                || (!saw_thousands && int_part.len() > 3)
            {
                return Err(NumberError::Malformed);
            }
            saw_thousands = true;
            group_len = Some(0);
        } else if c == other && thousands.is_none() {
            return Err(NumberError::Ambiguous);
        } else if c == decimal || Some(c) == thousands {
            return Err(NumberError::Malformed);
        } else {
            return Err(NumberError::NotANumber);
        }
    }
    if group_len.is_some_and(|g| g != 3) {
        return Err(NumberError::Malformed);
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(NumberError::NotANumber);
    }
    let text = format!(
        "{}{}.{}",
        if neg { "-" } else { "" },
        if int_part.is_empty() { "0" } else { &int_part },
        if frac_part.is_empty() {
            "0"
        } else {
            &frac_part
        }
    );
    text.parse::<f64>().map_err(|_| NumberError::NotANumber)
}

/// The symbol meaning of a cell, if it is one of the source's symbols.
pub fn symbol(s: &str, symbols: &[(String, MissingReason)]) -> Option<MissingReason> {
    let t = trim(s);
    symbols.iter().find(|(sym, _)| sym == t).map(|(_, r)| *r)
}

/// Why a time key could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodError {
    /// Not recognisable at all.
    Unreadable,
    /// Looks like a school year but is not `YYYY/YY` of consecutive years.
    BadSchoolYear,
    /// A bare year where the profile does not say what it means.
    BareYear,
    /// A key of another kind (a month in a Stichtag source).
    WrongKind(PeriodKind),
}

const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
];

/// Reads a time key of the given kind.
pub fn parse_period(
    s: &str,
    kind: PeriodKind,
    bare: Option<BareYear>,
) -> Result<Period, PeriodError> {
    parse_period_as(s, kind, bare, true)
}

/// `explain`: on failure, check whether the key is of another kind (not when probing).
fn parse_period_as(
    s: &str,
    kind: PeriodKind,
    bare: Option<BareYear>,
    explain: bool,
) -> Result<Period, PeriodError> {
    let other_kind = |t: &str, kind: PeriodKind| {
        if explain {
            other_kind(t, kind)
        } else {
            Err(PeriodError::Unreadable)
        }
    };
    let t = s.trim();
    let bare_year = if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse::<i32>().ok()
    } else {
        None
    };
    match kind {
        PeriodKind::Stichtag => {
            if let Some(d) = Date::parse(t) {
                return Ok(Period::Stichtag(d));
            }
            if let Some(y) = bare_year {
                return match bare {
                    Some(BareYear::Tag { day, month }) => Date::new(y, month, day)
                        .map(Period::Stichtag)
                        .ok_or(PeriodError::Unreadable),
                    _ => Err(PeriodError::BareYear),
                };
            }
            other_kind(t, kind)
        }
        PeriodKind::Schuljahr => {
            let body = t
                .strip_prefix("Schuljahr")
                .or_else(|| t.strip_prefix("SJ"))
                .unwrap_or(t)
                .trim();
            if let Some(y) = bare_year {
                return match bare {
                    Some(BareYear::Beginn) => Ok(Period::Schuljahr(y)),
                    Some(BareYear::Ende) => Ok(Period::Schuljahr(y - 1)),
                    _ => Err(PeriodError::BareYear),
                };
            }
            if let Some((a, b)) = body.split_once(['/', '-']) {
                let (a, b) = (a.trim(), b.trim());
                if a.len() == 4
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
                {
                    let start: i32 = a.parse().map_err(|_| PeriodError::Unreadable)?;
                    let end_ok = match b.len() {
                        2 => b.parse::<i32>().ok() == Some((start + 1).rem_euclid(100)),
                        4 => b.parse::<i32>().ok() == Some(start + 1),
                        _ => false,
                    };
                    return if end_ok {
                        Ok(Period::Schuljahr(start))
                    } else {
                        Err(PeriodError::BadSchoolYear)
                    };
                }
                if body
                    .bytes()
                    .all(|c| c.is_ascii_digit() || c == b'/' || c == b'-')
                {
                    return Err(PeriodError::BadSchoolYear);
                }
            }
            other_kind(t, kind)
        }
        PeriodKind::Kalenderjahr => match bare_year {
            Some(y) => Ok(Period::Kalenderjahr(y)),
            None => other_kind(t, kind),
        },
        PeriodKind::Monat => {
            if let Some(p) = parse_month(t) {
                return Ok(p);
            }
            other_kind(t, kind)
        }
    }
}

fn parse_month(t: &str) -> Option<Period> {
    let num = |y: &str, m: &str| -> Option<Period> {
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return None;
        }
        let (year, month): (i32, u8) = (y.parse().ok()?, m.parse().ok()?);
        (1..=12)
            .contains(&month)
            .then_some(Period::Monat { year, month })
    };
    if let Some((a, b)) = t.split_once('-') {
        return num(a, b);
    }
    if let Some((a, b)) = t.split_once(['/', '.']) {
        return num(b, a);
    }
    let lower = t.to_lowercase();
    let (name, year) = lower.split_once(' ')?;
    let m = MONTHS
        .iter()
        .position(|n| *n == name || n.starts_with(name) && name.len() >= 3)?;
    num(year.trim(), &(m + 1).to_string())
}

/// Explains a key that is readable but of another kind.
fn other_kind(t: &str, kind: PeriodKind) -> Result<Period, PeriodError> {
    for other in [
        PeriodKind::Stichtag,
        PeriodKind::Schuljahr,
        PeriodKind::Monat,
    ] {
        if other != kind && parse_period_as(t, other, None, false).is_ok() {
            return Err(PeriodError::WrongKind(other));
        }
    }
    Err(PeriodError::Unreadable)
}

/// Date of an Excel serial number (days since 1899-12-30).
pub fn excel_date(serial: f64) -> Option<Date> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    Date::from_days_since_epoch(serial.floor() as i64 - 25_569) // 25 569 days to 1970-01-01
}

/// An age group as delivered: `0-2`, `3 bis unter 6`, `unter 3`, `bis 2 Jahre`,
/// `65 und älter`, `75+`, `insgesamt` … as the ages it holds (inclusive), within
/// `min..=max` (an open group ends at `max`). `None` for anything else.
pub fn parse_age_group(t: &str, min: i64, max: i64) -> Option<(i64, i64)> {
    let lower = t
        .to_lowercase()
        .replace('_', " ")
        .replace(['–', '—', '-'], " - ");
    let words: Vec<&str> = lower
        .split_whitespace()
        .filter(|w| {
            !matches!(
                *w,
                "jahre" | "jahren" | "jahr" | "j." | "lebensjahre" | "alter" | "im" | "von" | "zu"
            )
        })
        .collect();
    let num = |w: &str| w.trim_end_matches('+').parse::<i64>().ok();
    let group = match words.as_slice() {
        ["insgesamt" | "gesamt" | "zusammen" | "alle" | "summe"] => (min, max),
        [a, "-", b] | [a, "bis", b] => (num(a)?, num(b)?),
        [a, "bis", "unter", b] | [a, "-", "unter", b] | [a, "bis", "<", b] => {
            (num(a)?, num(b)? - 1)
        }
        ["unter" | "<", b] | ["bis", "unter", b] => (min, num(b)? - 1),
        ["bis" | "<=" | "höchstens", b] => (min, num(b)?),
        [a, "und" | "u.", "älter" | "mehr" | "darüber" | "ä."] | ["ab" | ">=", a] => {
            (num(a)?, max)
        }
        [a] if a.ends_with('+') => (num(a)?, max),
        ["über" | ">", a] => (num(a)? + 1, max),
        _ => return None,
    };
    (min <= group.0 && group.0 <= group.1 && group.1 <= max).then_some(group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_trim_is_str_trim() {
        let cases = [
            "",
            " ",
            "0",
            "männlich",
            " 12 ",
            "\t7",
            "7\r",
            "a\u{a0}",
            "\u{a0}a",
            "\u{3000}x\u{3000}",
            "\u{85}1",
            "~",
            "!x!",
            "\u{7f}",
            "x\u{7f}",
            "ä",
            "1 2",
            "\u{2003}",
        ];
        for c in cases {
            assert_eq!(trim(c), c.trim(), "{c:?}");
        }
    }

    #[test]
    fn german_numbers() {
        let de = |s| parse_number(s, ',', None);
        assert_eq!(de("12"), Ok(12.0));
        assert_eq!(de("37,4"), Ok(37.4));
        assert_eq!(de("-1,5"), Ok(-1.5));
        assert_eq!(de(" 0,25 "), Ok(0.25));
        assert_eq!(de("1.234"), Err(NumberError::Ambiguous));
        assert_eq!(de("12a"), Err(NumberError::NotANumber));
        assert_eq!(de("x"), Err(NumberError::NotANumber));
        assert_eq!(de("1,2,3"), Err(NumberError::Malformed));
        let th = |s| parse_number(s, ',', Some('.'));
        assert_eq!(th("1.234"), Ok(1234.0));
        assert_eq!(th("1.234.567,5"), Ok(1_234_567.5));
        assert_eq!(th("12.34"), Err(NumberError::Malformed));
        assert_eq!(th("1234.567"), Err(NumberError::Malformed));
        assert_eq!(th("1.234,5"), Ok(1234.5));
        let en = |s| parse_number(s, '.', None);
        assert_eq!(en("37.4"), Ok(37.4));
        assert_eq!(en("1,234"), Err(NumberError::Ambiguous));
        assert_eq!(parse_number("1 234", ',', Some(' ')), Ok(1234.0));
    }

    #[test]
    fn periods() {
        use PeriodKind::*;
        let d = |y, m, d| Period::Stichtag(Date::new(y, m, d).unwrap());
        assert_eq!(
            parse_period("31.12.2025", Stichtag, None),
            Ok(d(2025, 12, 31))
        );
        assert_eq!(
            parse_period("2026-03-01", Stichtag, None),
            Ok(d(2026, 3, 1))
        );
        assert_eq!(
            parse_period("2025", Stichtag, None),
            Err(PeriodError::BareYear)
        );
        assert_eq!(
            parse_period("2025", Stichtag, Some(BareYear::Tag { day: 31, month: 12 })),
            Ok(d(2025, 12, 31))
        );
        assert_eq!(
            parse_period("2023/24", Schuljahr, None),
            Ok(Period::Schuljahr(2023))
        );
        assert_eq!(
            parse_period("2023/2024", Schuljahr, None),
            Ok(Period::Schuljahr(2023))
        );
        assert_eq!(
            parse_period("SJ 1999/00", Schuljahr, None),
            Ok(Period::Schuljahr(1999))
        );
        assert_eq!(
            parse_period("2023/25", Schuljahr, None),
            Err(PeriodError::BadSchoolYear)
        );
        assert_eq!(
            parse_period("23/24", Schuljahr, None),
            Err(PeriodError::BadSchoolYear)
        );
        assert_eq!(
            parse_period("2023", Schuljahr, None),
            Err(PeriodError::BareYear)
        );
        assert_eq!(
            parse_period("2023", Schuljahr, Some(BareYear::Ende)),
            Ok(Period::Schuljahr(2022))
        );
        assert_eq!(
            parse_period("2026-10", Monat, None),
            Ok(Period::Monat {
                year: 2026,
                month: 10
            })
        );
        assert_eq!(
            parse_period("10/2026", Monat, None),
            Ok(Period::Monat {
                year: 2026,
                month: 10
            })
        );
        assert_eq!(
            parse_period("Oktober 2026", Monat, None),
            Ok(Period::Monat {
                year: 2026,
                month: 10
            })
        );
        assert_eq!(
            parse_period("2026-13", Monat, None),
            Err(PeriodError::Unreadable)
        );
        assert_eq!(
            parse_period("2026-10", Stichtag, None),
            Err(PeriodError::WrongKind(Monat))
        );
        assert_eq!(
            parse_period("2024", Kalenderjahr, None),
            Ok(Period::Kalenderjahr(2024))
        );
        // regression: an unreadable key once recursed between the kinds until the stack overflowed
        assert_eq!(
            parse_period("31.13.2022", Stichtag, None),
            Err(PeriodError::Unreadable)
        );
        assert_eq!(
            parse_period("xyz", Monat, None),
            Err(PeriodError::Unreadable)
        );
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_date(45_658.0), Date::new(2025, 1, 1));
        assert_eq!(excel_date(25_569.0), Date::new(1970, 1, 1));
        assert_eq!(excel_date(-3.0), None);
    }

    #[test]
    fn age_groups_as_deliveries_write_them() {
        let g = |t| parse_age_group(t, 0, 120);
        assert_eq!(g("0-2"), Some((0, 2)));
        assert_eq!(g("0 – 2 Jahre"), Some((0, 2)));
        assert_eq!(g("3 bis unter 6"), Some((3, 5)));
        assert_eq!(g("3 bis unter 6 Jahre"), Some((3, 5)));
        assert_eq!(g("0_bis_unter_1"), Some((0, 0)));
        assert_eq!(g("unter 3"), Some((0, 2)));
        assert_eq!(g("unter 3 Jahren"), Some((0, 2)));
        assert_eq!(g("bis 2 Jahre"), Some((0, 2)));
        assert_eq!(g("bis 17 Jahre"), Some((0, 17)));
        assert_eq!(g("65 und älter"), Some((65, 120)));
        assert_eq!(g("65 Jahre und mehr"), Some((65, 120)));
        assert_eq!(g("75+"), Some((75, 120)));
        assert_eq!(g("über 64"), Some((65, 120)));
        assert_eq!(g("Insgesamt"), Some((0, 120)));
        assert_eq!(g("6 bis 9"), Some((6, 9)));
        // not an age group, or outside the field's range
        assert_eq!(g("männlich"), None);
        assert_eq!(g("5 bis 3"), None);
        assert_eq!(parse_age_group("6 und älter", 0, 14), Some((6, 14)));
        assert_eq!(parse_age_group("0 bis 20", 0, 14), None);
    }
}
