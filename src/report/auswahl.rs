//! Which rows a document shows: per indicator the period kind (yearly before monthly), the
//! latest period at or before `--period`, the ten periods before it for trends, and fast
//! lookup of one row by period, level, area and group.

use super::Kontext;
use crate::catalogue::Indicator;
use crate::disclosure::{Ergebnis, Veroeffentlicht};
use crate::domain::{Period, PeriodKind};
use crate::indicators::Ebene;
use std::collections::BTreeMap;
use std::sync::OnceLock;

type Key<'a> = (Period, Ebene, &'a str, Option<&'a str>);

/// Published rows by indicator, each with a lookup table, and the periods and groups chosen
/// for each indicator – both worked out on first use, once per run: at federal scale the
/// table has 7 million rows, a profile uses eight of 34 indicators, and 400 profiles ask for
/// the same choice.
pub(super) struct Index<'a> {
    by_ind: BTreeMap<&'a str, Zeilen<'a>>,
}

/// The rows of one indicator.
struct Zeilen<'a> {
    /// In the order of the published table.
    rows: Vec<&'a Veroeffentlicht>,
    /// Sorted by key, for lookup by binary search.
    sorted: OnceLock<Vec<(Key<'a>, &'a Veroeffentlicht)>>,
    schnitt: OnceLock<Option<Schnitt>>,
}

impl<'a> Zeilen<'a> {
    fn sorted(&self) -> &[(Key<'a>, &'a Veroeffentlicht)] {
        self.sorted.get_or_init(|| {
            let mut v: Vec<(Key<'a>, &'a Veroeffentlicht)> = self
                .rows
                .iter()
                .map(|r| {
                    let k = &r.kennzahl;
                    ((k.zeit, k.ebene, &*k.gebiet, k.gruppe.as_deref()), *r)
                })
                .collect();
            // stable, so that of two rows with one key the later is kept (as a map would)
            v.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out: Vec<(Key<'a>, &'a Veroeffentlicht)> = Vec::with_capacity(v.len());
            for e in v {
                match out.last_mut() {
                    Some(last) if last.0 == e.0 => *last = e,
                    _ => out.push(e),
                }
            }
            out
        })
    }
}

/// What `Auswahl` picks from the rows of one indicator.
#[derive(Clone)]
struct Schnitt {
    perioden: Vec<Period>,
    aktuell: Period,
    vorher: Option<Period>,
    gruppen: Vec<String>,
}

impl<'a> Index<'a> {
    pub(super) fn new(e: &'a Ergebnis) -> Index<'a> {
        let mut by_ind: BTreeMap<&str, Zeilen> = BTreeMap::new();
        for v in &e.zeilen {
            by_ind
                .entry(&*v.kennzahl.indikator)
                .or_insert_with(|| Zeilen {
                    rows: Vec::new(),
                    sorted: OnceLock::new(),
                    schnitt: OnceLock::new(),
                })
                .rows
                .push(v);
        }
        Index { by_ind }
    }
}

/// The rows of one indicator chosen for a document.
pub(super) struct Auswahl<'a> {
    /// The indicator.
    pub ind: &'a Indicator,
    rows: &'a [(Key<'a>, &'a Veroeffentlicht)],
    /// Periods for trends, ascending, ending with `aktuell` (at most 10).
    pub perioden: Vec<Period>,
    /// The period shown in bars, maps and tables.
    pub aktuell: Period,
    /// The period a year before `aktuell`, if there is data for it.
    pub vorher: Option<Period>,
    /// Breakdown groups in reading order (empty without breakdown).
    pub gruppen: Vec<String>,
    /// Counted where the school is: a Stadtteil value describes its schools, not its
    /// children, so no ranking, map or comparison of Stadtteile is drawn from it.
    pub schulort: bool,
}

impl<'a> Auswahl<'a> {
    /// `None` if the indicator has no rows (no data in this project).
    pub(super) fn new<'k: 'a>(ctx: &'a Kontext<'k>, id: &str) -> Option<Auswahl<'a>> {
        let ind = ctx.project.katalog.get(id)?;
        let zeilen = ctx.index.by_ind.get(id)?;
        let rows = zeilen.sorted();
        let Schnitt {
            perioden,
            aktuell,
            vorher,
            gruppen,
        } = zeilen
            .schnitt
            .get_or_init(|| schnitt(rows, ctx.ziel))
            .clone()?;
        Some(Auswahl {
            ind,
            rows,
            perioden,
            aktuell,
            vorher,
            gruppen,
            schulort: ctx.project.bezug(&ind.def) == crate::domain::Bezug::Schulort,
        })
    }

    /// One row.
    pub fn zeile(
        &self,
        p: Period,
        ebene: Ebene,
        gebiet: &str,
        gruppe: Option<&str>,
    ) -> Option<&'a Veroeffentlicht> {
        let key = (p, ebene, gebiet, gruppe);
        self.rows
            .binary_search_by(|(k, _)| k.cmp(&key))
            .ok()
            .map(|i| self.rows[i].1)
    }

    /// The published value of one row.
    pub fn wert(&self, p: Period, ebene: Ebene, gebiet: &str, gruppe: Option<&str>) -> Option<f64> {
        self.zeile(p, ebene, gebiet, gruppe)
            .filter(|v| !v.gesperrt)
            .and_then(|v| v.kennzahl.wert)
    }

    /// The city series over `perioden`.
    pub fn reihe(&self, ebene: Ebene, gebiet: &str, gruppe: Option<&str>) -> Vec<Option<f64>> {
        self.perioden
            .iter()
            .map(|p| self.wert(*p, ebene, gebiet, gruppe))
            .collect()
    }

    /// Short period labels for axes: the year for yearly Stichtage, else the German key.
    pub fn achse(&self) -> Vec<String> {
        self.perioden.iter().map(|p| kurz(*p)).collect()
    }
}

/// Period kind, periods, current period and groups of one indicator's rows.
fn schnitt(rows: &[(Key<'_>, &Veroeffentlicht)], ziel: Option<&str>) -> Option<Schnitt> {
    let ziel = ziel.and_then(parse_ziel);
    let mut kinds: BTreeMap<PeriodKind, usize> = BTreeMap::new();
    for ((p, ..), _) in rows {
        *kinds.entry(p.kind()).or_default() += 1;
    }
    // the kind asked for, else the yearly kind with most rows, monthly only if alone
    let kind = match ziel {
        Some(Ziel::Periode(p)) if kinds.contains_key(&p.kind()) => p.kind(),
        _ => kinds
            .iter()
            .max_by_key(|(k, n)| (**k != PeriodKind::Monat, **n))
            .map(|(k, _)| *k)?,
    };
    let mut perioden: Vec<Period> = rows
        .iter()
        .map(|(k, _)| k.0)
        .filter(|p| p.kind() == kind)
        .filter(|p| match ziel {
            None => true,
            Some(Ziel::Jahr(y)) => p.year() <= y,
            Some(Ziel::Periode(z)) if z.kind() == kind => *p <= z,
            Some(Ziel::Periode(z)) => p.year() <= z.year(),
        })
        .collect();
    perioden.sort();
    perioden.dedup();
    let aktuell = *perioden.last()?;
    if perioden.len() > 10 {
        perioden.drain(..perioden.len() - 10);
    }
    let vorher = crate::indicators::previous_among(aktuell, &perioden);
    let namen: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|(k, _)| k)
        .filter(|k| k.0 == aktuell)
        .filter_map(|k| k.3)
        .collect();
    let mut gruppen: Vec<String> = namen.into_iter().map(str::to_string).collect();
    gruppen.sort_by_key(|g| crate::labels::order(g));
    Some(Schnitt {
        perioden,
        aktuell,
        vorher,
        gruppen,
    })
}

/// Axis label of a period.
pub(super) fn kurz(p: Period) -> String {
    match p {
        Period::Stichtag(d) => d.year.to_string(),
        other => other.to_string(),
    }
}

enum Ziel {
    Jahr(i32),
    Periode(Period),
}

fn parse_ziel(s: &str) -> Option<Ziel> {
    let s = s.trim();
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok().map(Ziel::Jahr);
    }
    for kind in ["Monat", "Schuljahr", "Stichtag"] {
        if let Some(p) = Period::from_key(kind, s) {
            // "2025/26" must not read as Stichtag, "2026-10" not as Schuljahr
            if p.key() == s || p.to_string() == s || kind == "Stichtag" {
                return Some(Ziel::Periode(p));
            }
        }
    }
    crate::domain::Date::parse(s).map(|d| Ziel::Periode(Period::Stichtag(d)))
}

/// The year of a `--period` (`2025`, `2025/26`, `01.03.2025`, `2025-10`), as the periods'
/// own `year()` has it.
pub fn ziel_jahr(s: &str) -> Option<i32> {
    match parse_ziel(s)? {
        Ziel::Jahr(y) => Some(y),
        Ziel::Periode(p) => Some(p.year()),
    }
}

/// Whether `--period` is understood at all (for a clear error before rendering).
pub fn ziel_gueltig(s: &str) -> bool {
    parse_ziel(s).is_some()
}
