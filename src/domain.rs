//! Domain types shared by every stage: dates, periods (Stichtag, Schuljahr, Monat,
//! Kalenderjahr) and the reasons why a cell holds no number.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar date (proleptic Gregorian), validated on construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date {
    /// Year, e.g. 2025.
    pub year: i32,
    /// Month 1..=12.
    pub month: u8,
    /// Day 1..=31.
    pub day: u8,
}

impl Date {
    /// A date, or `None` if it does not exist (31.02.).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parses `2025-12-31` or `31.12.2025`.
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        if let Some((y, rest)) = s.split_once('-') {
            let (m, d) = rest.split_once('-')?;
            if y.len() != 4 || m.len() != 2 || d.len() != 2 {
                return None;
            }
            return Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        }
        let mut it = s.split('.');
        let (d, m, y) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some()
            || y.len() != 4
            || d.is_empty()
            || d.len() > 2
            || m.is_empty()
            || m.len() > 2
        {
            return None;
        }
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// The day a file was last changed (UTC).
    pub fn from_system_time(t: std::time::SystemTime) -> Date {
        let secs = t
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Date::from_days_since_epoch(secs.div_euclid(86_400)).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// Days since 1970-01-01 (for SOURCE_DATE_EPOCH and date arithmetic).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's civil_from_days); `None` outside
    /// the years a `Date` can hold.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        Date::new(i32::try_from(y + i64::from(m <= 2)).ok()?, m as u8, d as u8)
    }

    /// ISO form `2025-12-31`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Display for Date {
    /// German form `31.12.2025`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}.{:02}.{:04}", self.day, self.month, self.year)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// What a table's time key means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    /// A reference day, e.g. 31.12. (Bevölkerung) or 1.3. (Kita).
    Stichtag,
    /// A school year 2025/26 (Schuljahresbeginn in autumn 2025).
    Schuljahr,
    /// A calendar year.
    Kalenderjahr,
    /// A calendar month, e.g. 2026-10 (monthly Kita figures).
    Monat,
}

impl PeriodKind {
    /// German name for messages.
    pub fn label(self) -> &'static str {
        match self {
            PeriodKind::Stichtag => "Stichtag",
            PeriodKind::Schuljahr => "Schuljahr",
            PeriodKind::Kalenderjahr => "Kalenderjahr",
            PeriodKind::Monat => "Monat",
        }
    }

    /// With the indefinite article in the accusative: "einen Stichtag", "ein Schuljahr".
    pub fn einen(self) -> String {
        match self {
            PeriodKind::Stichtag | PeriodKind::Monat => format!("einen {}", self.label()),
            PeriodKind::Schuljahr | PeriodKind::Kalenderjahr => format!("ein {}", self.label()),
        }
    }

    /// "kein gültiger Stichtag", "kein gültiges Schuljahr".
    pub fn kein_gueltiger(self) -> String {
        match self {
            PeriodKind::Stichtag | PeriodKind::Monat => format!("kein gültiger {}", self.label()),
            PeriodKind::Schuljahr | PeriodKind::Kalenderjahr => {
                format!("kein gültiges {}", self.label())
            }
        }
    }
}

/// One period of a time series, normalised from whatever the source wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// A reference day.
    Stichtag(Date),
    /// A school year, identified by the year it starts in (2025 = 2025/26).
    Schuljahr(i32),
    /// A calendar year.
    Kalenderjahr(i32),
    /// A month.
    Monat { year: i32, month: u8 },
}

impl Period {
    /// The kind of this period.
    pub fn kind(self) -> PeriodKind {
        match self {
            Period::Stichtag(_) => PeriodKind::Stichtag,
            Period::Schuljahr(_) => PeriodKind::Schuljahr,
            Period::Kalenderjahr(_) => PeriodKind::Kalenderjahr,
            Period::Monat { .. } => PeriodKind::Monat,
        }
    }

    /// The year used to line up different series (Stichtag year, Schuljahr start year).
    pub fn year(self) -> i32 {
        match self {
            Period::Stichtag(d) => d.year,
            Period::Schuljahr(y) | Period::Kalenderjahr(y) => y,
            Period::Monat { year, .. } => year,
        }
    }

    /// Parses a [`Period::key`] back, given the kind label (`Stichtag`, `Schuljahr` …).
    pub fn from_key(kind: &str, key: &str) -> Option<Period> {
        match kind {
            "Stichtag" => Date::parse(key).map(Period::Stichtag),
            "Schuljahr" => key.get(..4)?.parse().ok().map(Period::Schuljahr),
            "Kalenderjahr" => key.parse().ok().map(Period::Kalenderjahr),
            "Monat" => {
                let (y, m) = key.split_once('-')?;
                Some(Period::Monat {
                    year: y.parse().ok()?,
                    month: m.parse().ok()?,
                })
            }
            _ => None,
        }
    }

    /// Machine key used in exports and on the command line: `2025-12-31`, `2025/26`, `2025`, `2026-10`.
    pub fn key(self) -> String {
        match self {
            Period::Stichtag(d) => d.iso(),
            Period::Schuljahr(y) => format!("{y}/{:02}", (y + 1).rem_euclid(100)),
            Period::Kalenderjahr(y) => format!("{y}"),
            Period::Monat { year, month } => format!("{year}-{month:02}"),
        }
    }
}

impl fmt::Display for Period {
    /// German form: `31.12.2025`, `2025/26`, `2025`, `10/2026`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Stichtag(d) => write!(f, "{d}"),
            Period::Monat { year, month } => write!(f, "{month:02}/{year}"),
            other => f.write_str(&other.key()),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

impl Period {
    /// Parses any [`Period::key`]: the four forms differ in shape.
    pub fn from_any_key(key: &str) -> Option<Period> {
        let kind = match (key.len(), key.as_bytes().get(4)) {
            (10, Some(b'-')) => "Stichtag",
            (7, Some(b'/')) => "Schuljahr",
            (7, Some(b'-')) => "Monat",
            (4, None) => "Kalenderjahr",
            _ => return None,
        };
        Period::from_key(kind, key).filter(|p| p.key() == key)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        Period::from_any_key(&key)
            .ok_or_else(|| serde::de::Error::custom(format!("kein Zeitpunkt: {key}")))
    }
}

/// Why a cell holds no number (Zeichenerklärung of the statistical offices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingReason {
    /// `.`: Zahlenwert unbekannt oder geheimzuhalten.
    Geheim,
    /// `-`: nichts vorhanden (genau null); counted as 0 but flagged.
    Nichts,
    /// `x`: Tabellenfach gesperrt, weil Aussage nicht sinnvoll.
    Entfaellt,
    /// `/`: keine Angabe, da Zahlenwert nicht sicher genug.
    Unsicher,
    /// `...`: Angabe fällt später an.
    Spaeter,
    /// An empty cell where a value was expected.
    Leer,
}

impl MissingReason {
    /// The machine key (as serialised: `geheim`, `nichts`, …).
    pub fn key(self) -> &'static str {
        match self {
            MissingReason::Geheim => "geheim",
            MissingReason::Nichts => "nichts",
            MissingReason::Entfaellt => "entfaellt",
            MissingReason::Unsicher => "unsicher",
            MissingReason::Spaeter => "spaeter",
            MissingReason::Leer => "leer",
        }
    }

    /// The official symbol used when printing.
    pub fn symbol(self) -> &'static str {
        match self {
            MissingReason::Geheim => ".",
            MissingReason::Nichts => "-",
            MissingReason::Entfaellt => "x",
            MissingReason::Unsicher => "/",
            MissingReason::Spaeter => "...",
            MissingReason::Leer => "",
        }
    }

    /// German explanation for legends and messages.
    pub fn label(self) -> &'static str {
        match self {
            MissingReason::Geheim => "Zahlenwert unbekannt oder geheimzuhalten",
            MissingReason::Nichts => "nichts vorhanden",
            MissingReason::Entfaellt => "Tabellenfach gesperrt, weil Aussage nicht sinnvoll",
            MissingReason::Unsicher => "keine Angabe, da Zahlenwert nicht sicher genug",
            MissingReason::Spaeter => "Angabe fällt später an",
            MissingReason::Leer => "leere Zelle",
        }
    }

    /// The default symbol map of the statistical offices.
    pub fn default_symbols() -> Vec<(&'static str, MissingReason)> {
        vec![
            (".", MissingReason::Geheim),
            ("-", MissingReason::Nichts),
            ("–", MissingReason::Nichts),
            ("x", MissingReason::Entfaellt),
            ("X", MissingReason::Entfaellt),
            ("/", MissingReason::Unsicher),
            ("...", MissingReason::Spaeter),
            ("…", MissingReason::Spaeter),
        ]
    }
}

/// To which place a count refers (school statistics count by Schulort).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bezug {
    /// Where the children or pupils live.
    Wohnort,
    /// Where the Kita is.
    Einrichtungsort,
    /// Where the school is.
    Schulort,
}

impl Bezug {
    /// German label for footnotes.
    pub fn label(self) -> &'static str {
        match self {
            Bezug::Wohnort => "Wohnort",
            Bezug::Einrichtungsort => "Einrichtungsort",
            Bezug::Schulort => "Schulort",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_reason_key_is_its_serialised_name() {
        for (_, r) in MissingReason::default_symbols() {
            let json = serde_json::to_value(r).unwrap();
            assert_eq!(json.as_str(), Some(r.key()));
        }
        assert_eq!(
            serde_json::to_value(MissingReason::Leer).unwrap().as_str(),
            Some(MissingReason::Leer.key())
        );
    }

    #[test]
    fn dates_parse_both_forms() {
        assert_eq!(Date::parse("2025-12-31"), Date::new(2025, 12, 31));
        assert_eq!(Date::parse("01.03.2026"), Date::new(2026, 3, 1));
        assert_eq!(Date::parse("1.3.2026"), Date::new(2026, 3, 1));
        assert_eq!(Date::parse("31.02.2026"), None);
        assert_eq!(Date::parse("2026"), None);
        assert_eq!(Date::parse("29.02.2024"), Date::new(2024, 2, 29));
        assert_eq!(Date::parse("29.02.2100"), None);
    }

    #[test]
    fn epoch_days() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11_017);
        assert_eq!(Date::new(1969, 12, 31).unwrap().days_since_epoch(), -1);
        for d in [(2026, 11, 1), (2024, 2, 29), (1999, 12, 31)] {
            let date = Date::new(d.0, d.1, d.2).unwrap();
            assert_eq!(
                Date::from_days_since_epoch(date.days_since_epoch()),
                Some(date)
            );
        }
    }

    #[test]
    fn period_keys() {
        assert_eq!(Period::Schuljahr(2025).key(), "2025/26");
        assert_eq!(Period::Schuljahr(1999).key(), "1999/00");
        assert_eq!(
            Period::Monat {
                year: 2026,
                month: 3
            }
            .key(),
            "2026-03"
        );
        assert_eq!(
            Period::Stichtag(Date::new(2025, 12, 31).unwrap()).to_string(),
            "31.12.2025"
        );
    }
}
