//! Indicator engine: computes every catalogue indicator for every period on Stadtteil,
//! Sozialraum and city level from the canonical frames. Filtering and summing run in polars
//! (lazy); city and Sozialraum values are always computed from summed counts, never as a
//! mean of district rates. The result is the table of (not yet disclosure-controlled)
//! values with change, deviation from the city and rank.

mod aggregate;

use crate::catalogue::{Art, Einheit, Indicator, Zeitbezug};
use crate::domain::{Date, Period};
use crate::ingest::Dataset;
use crate::project::Project;
use aggregate::Sums;
use serde::Serialize;
use std::collections::BTreeMap;

/// Level of the spatial hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ebene {
    /// A Stadtteil (lowest level).
    Stadtteil,
    /// A Sozialraum.
    Sozialraum,
    /// The whole city.
    Stadt,
}

/// Why a cell has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Luecke {
    /// The sources have no rows for it.
    KeineDaten,
    /// A contributing source cell is a symbol (`.`, `x`, `/`, `...`).
    Unvollstaendig,
    /// The denominator is 0.
    NennerNull,
}

impl Luecke {
    /// Official symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Luecke::KeineDaten => "–",
            Luecke::Unvollstaendig => "...",
            Luecke::NennerNull => "x",
        }
    }
}

/// One computed value.
#[derive(Debug, Clone, Serialize)]
pub struct Kennzahl {
    /// Indicator id.
    pub indikator: String,
    /// Period.
    pub zeit: Period,
    /// Level.
    pub ebene: Ebene,
    /// Area key: Stadtteil nr, Sozialraum id or "stadt".
    pub gebiet: String,
    /// Area name.
    pub name: String,
    /// Breakdown value (Schulform, Altersgruppe …), if the indicator has one.
    pub gruppe: Option<String>,
    /// The value in the indicator's unit.
    pub wert: Option<f64>,
    /// Summed numerator (after weights and factors).
    pub zaehler: Option<f64>,
    /// Summed denominator.
    pub nenner: Option<f64>,
    /// Why there is no value.
    pub luecke: Option<Luecke>,
    /// Change to the same period a year earlier (percentage points for shares).
    pub veraenderung: Option<f64>,
    /// Relative change in percent (counts and indices).
    pub veraenderung_prozent: Option<f64>,
    /// Difference to the city value of the same period and group.
    pub abweichung_stadt: Option<f64>,
    /// Rank among the Stadtteile (1 = highest value).
    pub rang: Option<u32>,
}

/// All computed values.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tabelle {
    /// Rows ordered by indicator, period, level, area, group.
    pub zeilen: Vec<Kennzahl>,
    /// Footnotes (e.g. rounded sources).
    pub hinweise: Vec<String>,
}

/// Which part of the catalogue to compute.
#[derive(Debug, Clone, Default)]
pub struct Auswahl {
    /// Indicator ids (empty: all).
    pub indikatoren: Vec<String>,
}

/// Input rows up to which indicators are computed in parallel.
const PARALLEL_MAX_ROWS: usize = 5_000_000;

/// Computes the selected indicators.
pub fn compute(project: &Project, data: &Dataset, auswahl: &Auswahl) -> anyhow::Result<Tabelle> {
    use rayon::prelude::*;
    let mut out = Tabelle::default();
    let selected: Vec<&Indicator> = project
        .katalog
        .indicators
        .iter()
        .filter(|ind| {
            auswahl.indikatoren.is_empty() || auswahl.indikatoren.iter().any(|i| i == &ind.id)
        })
        .collect();
    // Indicators are independent (collected in catalogue order). Side by side on sets of up to
    // a few million rows; beyond, one after the other, as each aggregation holds copies of
    // its table.
    let rows: usize = data.tables.values().map(|t| t.height()).sum();
    let parts: Vec<Vec<Kennzahl>> = if rows <= PARALLEL_MAX_ROWS {
        selected
            .par_iter()
            .map(|ind| compute_one(project, data, ind))
            .collect::<anyhow::Result<_>>()?
    } else {
        selected
            .iter()
            .map(|ind| compute_one(project, data, ind))
            .collect::<anyhow::Result<_>>()?
    };
    out.zeilen = parts.into_iter().flatten().collect();
    for q in &project.quellen {
        if let Some(r) = q.rounded_to {
            out.hinweise.push(format!(
                "Die Fallzahlen der Quelle „{}“ sind auf Vielfache von {r} gerundet; Summen können von der Summe der Einzelwerte abweichen (Rundungsdifferenzen).",
                q.note.clone().unwrap_or_else(|| q.name.clone())
            ));
        }
    }
    Ok(out)
}

/// The denominator period belonging to a numerator period.
pub fn align(p: Period, z: Zeitbezug) -> Period {
    let dec31 = |y: i32| {
        Period::Stichtag(Date {
            year: y,
            month: 12,
            day: 31,
        })
    };
    match z {
        Zeitbezug::Gleich => p,
        Zeitbezug::Vorjahr3112 => match p {
            Period::Stichtag(d) if d.month == 12 && d.day == 31 => dec31(d.year - 1),
            other => dec31(other.year() - 1),
        },
        Zeitbezug::Jahr3112 => dec31(p.year()),
    }
}

fn compute_one(
    project: &Project,
    data: &Dataset,
    ind: &Indicator,
) -> anyhow::Result<Vec<Kennzahl>> {
    let def = &ind.def;
    let quotensumme = def.art == Art::Quotensumme;
    let num = aggregate::sums(
        data,
        &def.zaehler,
        def.aufschluesselung.as_ref(),
        quotensumme,
    )?;
    let den_breakdown = def
        .aufschluesselung
        .as_ref()
        .filter(|a| a.nenner_aufgeschluesselt);
    let den = match &def.nenner {
        Some(n) => Some(aggregate::sums(data, n, den_breakdown, quotensumme)?),
        None => None,
    };
    let g = &project.gebiete;
    let sr_of = |nr: &str| g.by_nr(nr).map(|s| s.sozialraum.clone());
    let levels = |nr: &str| -> Vec<(Ebene, String)> {
        let mut v = vec![(Ebene::Stadtteil, nr.to_string())];
        if let Some(sr) = sr_of(nr) {
            v.push((Ebene::Sozialraum, sr));
        }
        v.push((Ebene::Stadt, "stadt".to_string()));
        v
    };
    type LevelKey = (Period, Ebene, String, Option<String>, Option<i64>);
    // Numerator and denominator are summed separately on every level: city and Sozialraum
    // values come from summed counts, never from district rates.
    let mut num_lv: BTreeMap<LevelKey, Sums> = BTreeMap::new();
    for (k, s) in &num {
        for (lv, area) in levels(&k.gebiet) {
            let e = num_lv
                .entry((k.zeit, lv, area, k.gruppe.clone(), k.alter))
                .or_default();
            *e = e.plus(*s);
        }
    }
    let mut den_lv: BTreeMap<LevelKey, Sums> = BTreeMap::new();
    if let Some(d) = &den {
        for (k, s) in d {
            for (lv, area) in levels(&k.gebiet) {
                let e = den_lv
                    .entry((k.zeit, lv, area, k.gruppe.clone(), k.alter))
                    .or_default();
                *e = e.plus(*s);
            }
        }
    }
    // Periods and groups the numerator covers; an area with a denominator but no numerator
    // rows in a covered period counts 0 (complete listings such as schools or Kitas).
    let covered: std::collections::BTreeSet<(Period, Option<String>)> =
        num.keys().map(|k| (k.zeit, k.gruppe.clone())).collect();
    let zaehler_zeit = def.nenner.as_ref().map(|n| n.zeitbezug);
    let mut cells: BTreeMap<(Period, Ebene, String, Option<String>), Cell> = BTreeMap::new();
    for ((p, lv, area, grp, age), s) in &num_lv {
        let c = cells
            .entry((*p, *lv, area.clone(), grp.clone()))
            .or_default();
        let den_v = zaehler_zeit.map(|z| {
            let dg = if den_breakdown.is_some() {
                grp.clone()
            } else {
                None
            };
            den_lv
                .get(&(align(*p, z), *lv, area.clone(), dg, *age))
                .copied()
                .unwrap_or(Sums::MISSING)
        });
        c.add(*age, *s, den_v);
    }
    // numerator keys, borrowed: the check below runs for every denominator cell and group
    type BorrowedKey<'k> = (Period, Ebene, &'k str, Option<&'k str>, Option<i64>);
    let num_keys: std::collections::HashSet<BorrowedKey> = num_lv
        .keys()
        .map(|(p, lv, area, grp, age)| (*p, *lv, area.as_str(), grp.as_deref(), *age))
        .collect();
    if let Some(z) = zaehler_zeit {
        for (p, grp) in &covered {
            let dp = align(*p, z);
            let dg = if den_breakdown.is_some() {
                grp.clone()
            } else {
                None
            };
            for ((q, lv, area, g2, age), d) in
                den_lv.range((dp, Ebene::Stadtteil, String::new(), None, None)..)
            {
                if *q != dp {
                    break;
                }
                if *g2 != dg || num_keys.contains(&(*p, *lv, area.as_str(), grp.as_deref(), *age)) {
                    continue;
                }
                let c = cells
                    .entry((*p, *lv, area.clone(), grp.clone()))
                    .or_default();
                c.add(
                    *age,
                    Sums {
                        rows: 1,
                        ..Sums::MISSING
                    },
                    Some(*d),
                );
            }
        }
    }

    let mut rows: Vec<Kennzahl> = cells
        .into_iter()
        .map(|((zeit, ebene, gebiet, gruppe), c)| {
            let (wert, zaehler, nenner, luecke) = c.value(def.einheit, quotensumme);
            Kennzahl {
                indikator: ind.id.clone(),
                zeit,
                ebene,
                name: area_name(project, ebene, &gebiet),
                gebiet,
                gruppe,
                wert,
                zaehler,
                nenner,
                luecke,
                veraenderung: None,
                veraenderung_prozent: None,
                abweichung_stadt: None,
                rang: None,
            }
        })
        .collect();
    if def.einheit == Einheit::Index {
        to_index(&mut rows);
    }
    derive(&mut rows, def.einheit);
    Ok(rows)
}

fn area_name(project: &Project, ebene: Ebene, key: &str) -> String {
    match ebene {
        Ebene::Stadtteil => project
            .gebiete
            .by_nr(key)
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        Ebene::Sozialraum => project
            .gebiete
            .sozialraum(key)
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        Ebene::Stadt => project.kommune.clone(),
    }
}

/// Sums for one cell; for the Quotensumme per age.
#[derive(Debug, Default, Clone)]
struct Cell {
    num: Sums,
    den: Option<Sums>,
    by_age: BTreeMap<i64, (Sums, Sums)>,
}

impl Cell {
    fn add(&mut self, age: Option<i64>, num: Sums, den: Option<Sums>) {
        self.num = self.num.plus(num);
        if let Some(d) = den {
            match age {
                Some(a) => {
                    let e = self.by_age.entry(a).or_default();
                    e.0 = e.0.plus(num);
                    e.1 = e.1.plus(d);
                }
                None => self.den = Some(self.den.unwrap_or_default().plus(d)),
            }
        }
    }

    fn value(
        &self,
        unit: Einheit,
        quotensumme: bool,
    ) -> (Option<f64>, Option<f64>, Option<f64>, Option<Luecke>) {
        if quotensumme {
            let mut total = 0.0;
            for (n, d) in self.by_age.values() {
                match (n.total(), d.total()) {
                    (Ok(n), Ok(d)) if d > 0.0 => total += n / d,
                    (Err(l), _) | (_, Err(l)) => return (None, None, None, Some(l)),
                    _ => {}
                }
            }
            let num: f64 = self
                .by_age
                .values()
                .filter_map(|(n, _)| n.total().ok())
                .sum();
            return (Some(100.0 * total), Some(num), None, None);
        }
        let num = match self.num.total() {
            Ok(n) => n,
            Err(l) => return (None, None, None, Some(l)),
        };
        let Some(den) = self.den else {
            return (Some(num), Some(num), None, None);
        };
        let den = match den.total() {
            Ok(d) => d,
            Err(l) => return (None, Some(num), None, Some(l)),
        };
        if den == 0.0 {
            return (None, Some(num), Some(den), Some(Luecke::NennerNull));
        }
        let v = match unit {
            Einheit::Prozent => 100.0 * num / den,
            _ => num / den,
        };
        (Some(v), Some(num), Some(den), None)
    }
}

/// Index: each series relative to its first period with a value (= 100).
fn to_index(rows: &mut [Kennzahl]) {
    let mut base: BTreeMap<(Ebene, String, Option<String>, crate::domain::PeriodKind), f64> =
        BTreeMap::new();
    rows.sort_by_key(|r| r.zeit);
    for r in rows.iter_mut() {
        let k = (r.ebene, r.gebiet.clone(), r.gruppe.clone(), r.zeit.kind());
        if let Some(v) = r.wert {
            let b = *base.entry(k).or_insert(v);
            r.wert = (b > 0.0).then(|| 100.0 * v / b);
        }
    }
}

/// Change to a year earlier, deviation from the city, rank among Stadtteile.
fn derive(rows: &mut [Kennzahl], unit: Einheit) {
    rows.sort_by(|a, b| {
        (a.zeit, a.ebene, &a.gebiet, &a.gruppe).cmp(&(b.zeit, b.ebene, &b.gebiet, &b.gruppe))
    });
    let index: BTreeMap<(Period, Ebene, String, Option<String>), usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.zeit, r.ebene, r.gebiet.clone(), r.gruppe.clone()), i))
        .collect();
    let values: Vec<Option<f64>> = rows.iter().map(|r| r.wert).collect();
    for r in rows.iter_mut() {
        let Some(v) = r.wert else { continue };
        let prev = previous_year(r.zeit)
            .and_then(|p| index.get(&(p, r.ebene, r.gebiet.clone(), r.gruppe.clone())));
        let city = index.get(&(r.zeit, Ebene::Stadt, "stadt".to_string(), r.gruppe.clone()));
        let prev_v = prev.and_then(|&j| values[j]);
        let city_v = city.and_then(|&j| values[j]);
        if let Some(p) = prev_v {
            r.veraenderung = Some(v - p);
            if matches!(unit, Einheit::Anzahl | Einheit::Index) && p != 0.0 {
                r.veraenderung_prozent = Some(100.0 * (v / p - 1.0));
            }
        }
        // a deviation from the city makes sense for rates and indices, not for counts
        if r.ebene != Ebene::Stadt && unit != Einheit::Anzahl {
            r.abweichung_stadt = city_v.map(|c| v - c);
        }
    }
    // competition ranking (1, 2, 2, 4) among the Stadtteile of one period and group
    let mut groups: BTreeMap<(Period, Option<String>), Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.ebene == Ebene::Stadtteil && r.wert.is_some() {
            groups
                .entry((r.zeit, r.gruppe.clone()))
                .or_default()
                .push(i);
        }
    }
    for idx in groups.values() {
        for &i in idx {
            let v = rows[i].wert.unwrap_or(f64::NAN);
            let higher = idx
                .iter()
                .filter(|&&j| rows[j].wert.is_some_and(|w| w > v))
                .count();
            rows[i].rang = Some(higher as u32 + 1);
        }
    }
}

/// The same period a year earlier.
pub fn previous_year(p: Period) -> Option<Period> {
    Some(match p {
        Period::Stichtag(d) => Period::Stichtag(
            Date::new(d.year - 1, d.month, d.day)
                .or_else(|| Date::new(d.year - 1, d.month, d.day - 1))?,
        ),
        Period::Schuljahr(y) => Period::Schuljahr(y - 1),
        Period::Kalenderjahr(y) => Period::Kalenderjahr(y - 1),
        Period::Monat { year, month } => Period::Monat {
            year: year - 1,
            month,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kita_over_previous_year_population() {
        let p = Period::Stichtag(Date::new(2026, 3, 1).unwrap());
        assert_eq!(
            align(p, Zeitbezug::Vorjahr3112),
            Period::Stichtag(Date::new(2025, 12, 31).unwrap())
        );
        let dec = Period::Stichtag(Date::new(2025, 12, 31).unwrap());
        assert_eq!(
            align(dec, Zeitbezug::Vorjahr3112),
            Period::Stichtag(Date::new(2024, 12, 31).unwrap())
        );
        assert_eq!(
            align(
                Period::Monat {
                    year: 2026,
                    month: 10
                },
                Zeitbezug::Vorjahr3112
            ),
            Period::Stichtag(Date::new(2025, 12, 31).unwrap())
        );
        assert_eq!(
            align(Period::Schuljahr(2024), Zeitbezug::Jahr3112),
            Period::Stichtag(Date::new(2024, 12, 31).unwrap())
        );
        assert_eq!(
            previous_year(Period::Monat {
                year: 2026,
                month: 10
            }),
            Some(Period::Monat {
                year: 2025,
                month: 10
            })
        );
    }
}
