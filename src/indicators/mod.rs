//! Indicator engine: computes every catalogue indicator for every period on Stadtteil,
//! Sozialraum and city level from the canonical frames. Filtering and summing run in polars
//! (lazy); city and Sozialraum values are always computed from summed counts, never as a
//! mean of district rates. The result is the table of (not yet disclosure-controlled)
//! values with change, deviation from the city and rank.

mod aggregate;
mod coverage;
mod frames;

pub use coverage::{Fehlend, Leer, empty, lacking};

use crate::catalogue::{Art, Einheit, Indicator, Zeitbezug};
use crate::domain::{Date, Period};
use crate::ingest::Dataset;
use crate::project::{Project, Stadtteil};
use aggregate::Sums;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Level of the spatial hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ebene {
    /// A Stadtteil (lowest level).
    Stadtteil,
    /// A Sozialraum.
    Sozialraum,
    /// A Bezirk above the Sozialräume.
    Bezirk,
    /// The whole city.
    Stadt,
}

/// Why a cell has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kennzahl {
    /// Indicator id.
    pub indikator: Arc<str>,
    /// Period.
    pub zeit: Period,
    /// Level.
    pub ebene: Ebene,
    /// Area key: Stadtteil nr, Sozialraum id or "stadt".
    pub gebiet: Arc<str>,
    /// Area name.
    pub name: Arc<str>,
    /// Breakdown value (Schulform, Altersgruppe …), if the indicator has one.
    pub gruppe: Option<Arc<str>>,
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

impl Kennzahl {
    /// Removes change, deviation and rank: values derived from other rows, made again from
    /// what is published.
    pub fn clear_derived(&mut self) {
        self.veraenderung = None;
        self.veraenderung_prozent = None;
        self.abweichung_stadt = None;
        self.rang = None;
    }
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
        // an indicator whose ages cut a delivered age group has no value (K002 where shown)
        .filter(|ind| cut_age_group(&ind.def, data).is_none())
        .collect();
    // Indicators are independent (collected in catalogue order). Side by side on sets of up to
    // a few million rows; beyond, one after the other, as each aggregation holds copies of
    // its table.
    let rows: usize = data.tables.values().map(|t| t.height()).sum();
    let areas = Areas::new(project);
    let frames = frames::Frames::new(data, &areas)?;
    if rows <= PARALLEL_MAX_ROWS {
        let parts: Vec<Vec<Kennzahl>> = selected
            .par_iter()
            .map(|ind| compute_one(&areas, &frames, ind))
            .collect::<anyhow::Result<_>>()?;
        out.zeilen = parts.into_iter().flatten().collect();
    } else {
        // each indicator's rows join the table as soon as they are made: their memory is
        // reused by the next indicator instead of all of them waiting for one copy at the
        // end (600 MB more at federal scale)
        for ind in &selected {
            out.zeilen.extend(compute_one(&areas, &frames, ind)?);
        }
    }
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

/// The first delivered age group the indicator's ages cut, with the range it asks for.
pub fn cut_age_group(
    def: &crate::catalogue::Definition,
    data: &Dataset,
) -> Option<((i64, i64), (i64, i64))> {
    let mut tables = vec![def.zaehler.tabelle];
    tables.extend(def.nenner.as_ref().map(|n| n.tabelle));
    tables
        .into_iter()
        .find_map(|t| def.cut_age_group(t, &data.altersgruppen(t)))
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

/// Stadtteile and Sozialräume as small integer ids, numbered in the order of their keys, so
/// that sums over areas run in the same order as over the text keys (same floating-point
/// results) while maps compare integers instead of strings.
pub(crate) struct Areas {
    /// Stadtteile by id: number, name, Sozialraum id.
    stadtteile: Vec<(Arc<str>, Arc<str>, Option<u32>)>,
    /// Sozialräume by id: key, name.
    sozialraeume: Vec<(Arc<str>, Arc<str>)>,
    /// Bezirke by id: key, name; and the Bezirk id of each Sozialraum id.
    bezirke: Vec<(Arc<str>, Arc<str>)>,
    bezirk_of: Vec<Option<u32>>,
    /// "stadt" and the city's name.
    stadt: (Arc<str>, Arc<str>),
    /// Id per Stadtteil of the Gebietsgliederung (by its index there; several entries of one
    /// number – validity periods – share an id).
    gliederung: Vec<Option<u32>>,
}

impl Areas {
    fn new(project: &Project) -> Self {
        let g = &project.gebiete;
        // one entry per number; of several (validity periods) the last, as `by_nr` has it
        let mut nrs: Vec<&Stadtteil> = Vec::with_capacity(g.stadtteile.len());
        for s in g.stadtteile.iter() {
            nrs.push(g.by_nr(&s.nr).unwrap_or(s));
        }
        nrs.sort_by(|a, b| a.nr.cmp(&b.nr));
        nrs.dedup_by(|a, b| a.nr == b.nr);
        let mut sr_keys: Vec<&str> = nrs
            .iter()
            .map(|s| s.sozialraum.as_str())
            .filter(|s| !s.is_empty())
            .collect();
        sr_keys.sort_unstable();
        sr_keys.dedup();
        let sozialraeume = sr_keys
            .iter()
            .map(|&k| {
                (
                    k.into(),
                    g.sozialraum(k).map_or("", |s| s.name.as_str()).into(),
                )
            })
            .collect();
        let sr_id = |k: &str| sr_keys.binary_search(&k).ok().map(|i| i as u32);
        let bezirke: Vec<(Arc<str>, Arc<str>)> = g
            .bezirke
            .iter()
            .map(|b| (b.nr.as_str().into(), b.name.as_str().into()))
            .collect();
        let bezirk_of = sr_keys
            .iter()
            .map(|k| {
                let b = g.bezirk_of.get(*k)?;
                g.bezirke
                    .binary_search_by(|x| x.nr.cmp(b))
                    .ok()
                    .map(|i| i as u32)
            })
            .collect();
        let rank: HashMap<&str, u32> = nrs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.nr.as_str(), i as u32))
            .collect();
        Areas {
            stadtteile: nrs
                .iter()
                .map(|s| {
                    (
                        s.nr.as_str().into(),
                        s.name.as_str().into(),
                        sr_id(&s.sozialraum),
                    )
                })
                .collect(),
            sozialraeume,
            bezirke,
            bezirk_of,
            stadt: ("stadt".into(), project.kommune.as_str().into()),
            gliederung: g
                .stadtteile
                .iter()
                .map(|s| rank.get(s.nr.as_str()).copied())
                .collect(),
        }
    }

    /// Number of Stadtteile.
    pub(crate) fn len(&self) -> usize {
        self.stadtteile.len()
    }

    /// Id of the Stadtteil at `index` of the Gebietsgliederung.
    pub(crate) fn of_gliederung(&self, index: u32) -> Option<u32> {
        self.gliederung.get(index as usize).copied().flatten()
    }

    /// The levels a Stadtteil counts on: itself, its Sozialraum and Bezirk, the city.
    fn levels(&self, id: u32) -> impl Iterator<Item = (Ebene, u32)> {
        let sr = self.stadtteile[id as usize].2;
        let bezirk = sr.and_then(|s| self.bezirk_of.get(s as usize).copied().flatten());
        [
            Some((Ebene::Stadtteil, id)),
            sr.map(|s| (Ebene::Sozialraum, s)),
            bezirk.map(|b| (Ebene::Bezirk, b)),
            Some((Ebene::Stadt, 0)),
        ]
        .into_iter()
        .flatten()
    }

    /// Key and name of an area (shared: a row holds them without a copy of the text).
    fn key_name(&self, ebene: Ebene, id: u32) -> (&Arc<str>, &Arc<str>) {
        let (key, name) = match ebene {
            Ebene::Stadtteil => {
                let (nr, name, _) = &self.stadtteile[id as usize];
                (nr, name)
            }
            Ebene::Sozialraum => {
                let (k, name) = &self.sozialraeume[id as usize];
                (k, name)
            }
            Ebene::Bezirk => {
                let (k, name) = &self.bezirke[id as usize];
                (k, name)
            }
            Ebene::Stadt => (&self.stadt.0, &self.stadt.1),
        };
        (key, name)
    }
}

/// (period, level, area id, group id, age)
type LevelKey = (Period, Ebene, u32, Option<u32>, Option<i64>);

/// Sums per level key, sorted by key.
#[derive(Default)]
struct LevelSums(Vec<(LevelKey, Sums)>);

impl LevelSums {
    fn get(&self, k: &LevelKey) -> Option<Sums> {
        self.0
            .binary_search_by(|(x, _)| x.cmp(k))
            .ok()
            .map(|i| self.0[i].1)
    }

    /// The entries of one period.
    fn period(&self, p: Period) -> &[(LevelKey, Sums)] {
        let from = self.0.partition_point(|(k, _)| k.0 < p);
        let to = self.0.partition_point(|(k, _)| k.0 <= p);
        &self.0[from..to]
    }
}

/// Breakdown values of one indicator as small integer ids (shared by numerator and
/// denominator, so that their cells meet).
#[derive(Default)]
pub(crate) struct Groups {
    ids: HashMap<String, u32>,
    labels: Vec<Arc<str>>,
}

impl Groups {
    pub(crate) fn id(&mut self, label: &str) -> u32 {
        if let Some(&i) = self.ids.get(label) {
            return i;
        }
        let i = self.labels.len() as u32;
        self.ids.insert(label.to_string(), i);
        self.labels.push(label.into());
        i
    }
}

fn compute_one(
    areas: &Areas,
    frames: &frames::Frames,
    ind: &Indicator,
) -> anyhow::Result<Vec<Kennzahl>> {
    let def = &ind.def;
    let quotensumme = def.art == Art::Quotensumme;
    let mut groups = Groups::default();
    let num = aggregate::sums(
        frames,
        &mut groups,
        &def.zaehler,
        def.aufschluesselung.as_ref(),
        quotensumme,
        None,
    )?;
    // The Quotensumme adds one share per age of the numerator; the denominator is read for
    // those ages only (at federal scale the population by single age is 20 million rows, of
    // which school leavers need a few ages). A numerator without ages has no shares.
    let ages = if quotensumme {
        let mut it = num.iter().filter_map(|(k, _)| k.alter);
        it.next()
            .map(|a| it.fold((a, a), |(lo, hi), x| (lo.min(x), hi.max(x))))
    } else {
        None
    };
    let den_breakdown = def
        .aufschluesselung
        .as_ref()
        .filter(|a| a.nenner_aufgeschluesselt);
    let den = match &def.nenner {
        Some(_) if quotensumme && ages.is_none() => None,
        Some(n) => Some(aggregate::sums(
            frames,
            &mut groups,
            n,
            den_breakdown,
            quotensumme,
            ages,
        )?),
        None => None,
    };
    // Numerator and denominator are summed separately on every level: city and Sozialraum
    // values come from summed counts, never from district rates.
    let on_levels = |sums: &[(aggregate::Key, Sums)], city: &[(aggregate::Key, Sums)]| {
        // Stadtteil keys are the input's own (unique); the far fewer Sozialraum and city keys
        // are summed in a hash map, in input order; then everything is sorted once
        let mut v: Vec<(LevelKey, Sums)> = Vec::with_capacity(sums.len() + sums.len() / 8);
        let mut upper: HashMap<LevelKey, Sums> = HashMap::new();
        for (k, s) in sums {
            for (ebene, area) in areas.levels(k.gebiet) {
                let key = (k.zeit, ebene, area, k.gruppe, k.alter);
                if ebene == Ebene::Stadtteil {
                    v.push((key, *s));
                } else {
                    let e = upper.entry(key).or_default();
                    *e = e.plus(*s);
                }
            }
        }
        for (k, s) in city {
            upper.insert((k.zeit, Ebene::Stadt, 0, k.gruppe, k.alter), *s);
        }
        v.extend(upper);
        v.sort_unstable_by_key(|e| e.0);
        LevelSums(v)
    };
    // the whole city as delivered (a Gesamtstadt row) replaces the sum of the Stadtteile:
    // it is known where source-suppressed parts are not
    let mut delivered = |teil: &crate::catalogue::Teil,
                         breakdown,
                         ages|
     -> anyhow::Result<Vec<(aggregate::Key, Sums)>> {
        match frames.gesamtstadt.as_deref() {
            Some(f) => aggregate::sums(f, &mut groups, teil, breakdown, quotensumme, ages),
            None => Ok(Vec::new()),
        }
    };
    let num_city = delivered(&def.zaehler, def.aufschluesselung.as_ref(), None)?;
    let den_city = match (&def.nenner, &den) {
        (Some(n), Some(_)) => delivered(n, den_breakdown, ages)?,
        _ => Vec::new(),
    };
    let num_lv = on_levels(&num, &num_city);
    let den_lv = den
        .as_deref()
        .map(|d| on_levels(d, &den_city))
        .unwrap_or_default();
    // Periods and groups the numerator covers; an area with a denominator but no numerator
    // rows in a covered period counts 0 (complete listings such as schools or Kitas).
    let covered: BTreeSet<(Period, Option<u32>)> =
        num.iter().map(|(k, _)| (k.zeit, k.gruppe)).collect();
    let zaehler_zeit = def.nenner.as_ref().map(|n| n.zeitbezug);
    let den_group = |grp: Option<u32>| if den_breakdown.is_some() { grp } else { None };
    // cells in key order: the numerator's level sums are sorted, so a cell's ages are adjacent
    type CellKey = (Period, Ebene, u32, Option<u32>);
    let mut cells: Vec<(CellKey, Cell)> = Vec::new();
    for &((p, lv, area, grp, age), s) in &num_lv.0 {
        let den_v = zaehler_zeit.map(|z| {
            den_lv
                .get(&(align(p, z), lv, area, den_group(grp), age))
                .unwrap_or(Sums::MISSING)
        });
        let key = (p, lv, area, grp);
        match cells.last_mut() {
            Some((k, c)) if *k == key => c.add(age, s, den_v),
            _ => {
                let mut c = Cell::default();
                c.add(age, s, den_v);
                cells.push((key, c));
            }
        }
    }
    // areas with a denominator only
    let mut extra: BTreeMap<CellKey, Cell> = BTreeMap::new();
    if let Some(z) = zaehler_zeit {
        for &(p, grp) in &covered {
            let dp = align(p, z);
            let dg = den_group(grp);
            for &((_, lv, area, g2, age), d) in den_lv.period(dp) {
                if g2 != dg || num_lv.get(&(p, lv, area, grp, age)).is_some() {
                    continue;
                }
                let key = (p, lv, area, grp);
                let cell = match cells.binary_search_by(|(k, _)| k.cmp(&key)) {
                    Ok(i) => &mut cells[i].1,
                    Err(_) => extra.entry(key).or_default(),
                };
                cell.add(
                    age,
                    Sums {
                        rows: 1,
                        ..Sums::MISSING
                    },
                    Some(d),
                );
            }
        }
    }

    cells.extend(extra);
    let indikator: Arc<str> = ind.id.as_str().into();
    let mut rows: Vec<Kennzahl> = cells
        .into_iter()
        .map(|((zeit, ebene, area, gruppe), c)| {
            let (wert, zaehler, nenner, luecke) = c.value(def.einheit, quotensumme);
            let (gebiet, name) = areas.key_name(ebene, area);
            Kennzahl {
                indikator: indikator.clone(),
                zeit,
                ebene,
                gebiet: gebiet.clone(),
                name: name.clone(),
                gruppe: gruppe.map(|g| groups.labels[g as usize].clone()),
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

/// Sums for one cell; for the Quotensumme per age.
#[derive(Debug, Default, Clone)]
struct Cell {
    num: Sums,
    den: Option<Sums>,
    by_age: BTreeMap<i64, (Sums, Sums)>,
    /// Numerator rows without an age (no share of an age can include them).
    ohne_alter: bool,
}

impl Cell {
    fn add(&mut self, age: Option<i64>, num: Sums, den: Option<Sums>) {
        self.num = self.num.plus(num);
        self.ohne_alter |= age.is_none();
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
            if self.ohne_alter {
                return (None, None, None, Some(Luecke::KeineDaten));
            }
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
    rows.sort_by_key(|r| r.zeit);
    let mut base: HashMap<(Ebene, &str, Option<&str>, crate::domain::PeriodKind), f64> =
        HashMap::new();
    // for rows with a value: the index, or none if the base is not positive
    let index: Vec<Option<Option<f64>>> = rows
        .iter()
        .map(|r| {
            let k = (r.ebene, &*r.gebiet, r.gruppe.as_deref(), r.zeit.kind());
            r.wert.map(|v| {
                let b = *base.entry(k).or_insert(v);
                (b > 0.0).then(|| 100.0 * v / b)
            })
        })
        .collect();
    for (r, v) in rows.iter_mut().zip(index) {
        if let Some(v) = v {
            r.wert = v;
        }
    }
}

/// Sort and look-up key of a row within one indicator.
pub(crate) type RowKey<'r> = (Period, Ebene, &'r str, Option<&'r str>);

pub(crate) fn row_key(r: &Kennzahl) -> RowKey<'_> {
    (r.zeit, r.ebene, &*r.gebiet, r.gruppe.as_deref())
}

/// Change to a year earlier, deviation from the city, rank among Stadtteile.
pub(crate) fn derive(rows: &mut [Kennzahl], unit: Einheit) {
    rows.sort_by(|a, b| row_key(a).cmp(&row_key(b)));
    // previous-year and city values, looked up by binary search in the sorted rows
    let value = |k: RowKey| -> Option<f64> {
        rows.binary_search_by(|r| row_key(r).cmp(&k))
            .ok()
            .and_then(|i| rows[i].wert)
    };
    // rows are sorted by period first
    let mut periods: Vec<Period> = rows.iter().map(|r| r.zeit).collect();
    periods.dedup();
    let related: Vec<(Option<f64>, Option<f64>)> = rows
        .iter()
        .map(|r| {
            if r.wert.is_none() {
                return (None, None);
            }
            let prev = previous_among(r.zeit, &periods)
                .and_then(|p| value((p, r.ebene, &*r.gebiet, r.gruppe.as_deref())));
            let city = value((r.zeit, Ebene::Stadt, "stadt", r.gruppe.as_deref()));
            (prev, city)
        })
        .collect();
    // competition ranking (1, 2, 2, 4) among the Stadtteile of one period and group:
    // 1 + number of strictly higher values, by binary search in the values sorted descending
    let mut groups: BTreeMap<(Period, Option<&str>), Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.ebene == Ebene::Stadtteil && r.wert.is_some() {
            groups
                .entry((r.zeit, r.gruppe.as_deref()))
                .or_default()
                .push(i);
        }
    }
    let mut ranks: Vec<(usize, u32)> = Vec::new();
    let mut sorted: Vec<f64> = Vec::new();
    for idx in groups.values() {
        sorted.clear();
        sorted.extend(
            idx.iter()
                .filter_map(|&i| rows[i].wert)
                .filter(|w| !w.is_nan()),
        );
        sorted.sort_unstable_by(|a, b| b.total_cmp(a));
        for &i in idx {
            let v = rows[i].wert.unwrap_or(f64::NAN);
            ranks.push((i, sorted.partition_point(|&w| w > v) as u32 + 1));
        }
    }
    drop(groups);
    for (r, (prev_v, city_v)) in rows.iter_mut().zip(related) {
        let Some(v) = r.wert else { continue };
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
    for (i, rang) in ranks {
        rows[i].rang = Some(rang);
    }
}

/// The period a year before `p` among the sorted `periods`: the same day a year earlier, or,
/// where a yearly Stichtag moved (15.3. → 1.3.), the one Stichtag of the year before.
pub fn previous_among(p: Period, periods: &[Period]) -> Option<Period> {
    let same = previous_year(p)?;
    if periods.binary_search(&same).is_ok() {
        return Some(same);
    }
    let Period::Stichtag(d) = p else {
        return None;
    };
    let of_year = |y: i32| {
        periods
            .iter()
            .filter(move |q| matches!(q, Period::Stichtag(e) if e.year == y))
    };
    let before: Vec<&Period> = of_year(d.year - 1).collect();
    match (of_year(d.year).count(), before.as_slice()) {
        (1, [before]) => Some(**before),
        _ => None,
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
    fn previous_year_of_a_moved_stichtag() {
        let d = |y, m, t| Period::Stichtag(Date::new(y, m, t).unwrap());
        let yearly = [d(2024, 3, 1), d(2025, 3, 15), d(2026, 3, 1)];
        assert_eq!(previous_among(d(2026, 3, 1), &yearly), Some(d(2025, 3, 15)));
        assert_eq!(previous_among(d(2025, 3, 15), &yearly), Some(d(2024, 3, 1)));
        // two Stichtage a year: only the same day counts
        let twice = [
            d(2024, 3, 1),
            d(2024, 10, 1),
            d(2025, 3, 15),
            d(2025, 10, 1),
        ];
        assert_eq!(previous_among(d(2025, 3, 15), &twice), None);
        assert_eq!(previous_among(d(2025, 10, 1), &twice), Some(d(2024, 10, 1)));
    }

    #[test]
    fn competition_ranking_with_ties() {
        let zeit = Period::Schuljahr(2025);
        let row = |gebiet: &str, wert: Option<f64>| Kennzahl {
            indikator: "x".into(),
            zeit,
            ebene: Ebene::Stadtteil,
            gebiet: gebiet.into(),
            name: "".into(),
            gruppe: None,
            wert,
            zaehler: None,
            nenner: None,
            luecke: None,
            veraenderung: None,
            veraenderung_prozent: None,
            abweichung_stadt: None,
            rang: None,
        };
        let mut rows = vec![
            row("01", Some(5.0)),
            row("02", Some(3.0)),
            row("03", Some(5.0)),
            row("04", Some(1.0)),
            row("05", None),
            row("06", Some(3.0)),
        ];
        derive(&mut rows, Einheit::Prozent);
        let ranks: Vec<(&str, Option<u32>)> = rows.iter().map(|r| (&*r.gebiet, r.rang)).collect();
        assert_eq!(
            ranks,
            [
                ("01", Some(1)),
                ("02", Some(3)),
                ("03", Some(1)),
                ("04", Some(5)),
                ("05", None),
                ("06", Some(3))
            ]
        );
    }

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
