//! Checks across rows, sources and tables: duplicate keys, gaps in time series, part rows
//! above their total row, counts above their population, inconsistent school attributes.

use super::mapper::SourceStats;
use super::table::{Col, TableBuilder};
use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::domain::{Bezug, Period, PeriodKind};
use crate::fxhash::{FxBuild, FxHashMap, FxHasher};
use crate::project::{Gebietsgliederung, Quelle};
use crate::schema::{FieldType, Role, TableKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

/// Where the rows of a source are, for messages.
pub struct SourceLoc {
    /// The file.
    pub path: std::path::PathBuf,
    /// The sheet, for XLSX sources.
    pub sheet: Option<String>,
    /// The profile.
    pub quelle: Quelle,
}

impl SourceLoc {
    fn at(&self, line: u32) -> Location {
        match &self.sheet {
            Some(s) => Location::cell(&self.path, s, line, 0),
            None => Location::text(&self.path, line as usize, 1),
        }
    }

    fn describe(&self, line: u32) -> String {
        match &self.sheet {
            Some(s) => format!("{}:{s}!A{}", self.path.display(), line + 1),
            None => format!("{}:{line}", self.path.display()),
        }
    }
}

/// Shows at most this many diagnostics of one rule per table.
const MAX_SHOWN: usize = 25;

/// The key, and the coded attributes: without a school number, rows by Stadtteil and
/// Schulform are told apart by the Schulform (with one, V310 checks that it is one).
fn key_fields(t: &TableBuilder) -> Vec<usize> {
    t.schema
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.role == Role::Key || (f.role == Role::Attribute && matches!(f.ty, FieldType::Code(_)))
        })
        .map(|(i, _)| i)
        .collect()
}

/// First and last age of a row (the same for a single age).
type Ages = (i64, i64);

/// (year, area, ages) of a population count.
type PopKey = (i32, u32, Ages);

/// The ages of row `r`: its `alter`, up to its `alter_bis` where it is an age group.
fn age_of(t: &TableBuilder, age: &super::table::Ints, r: usize) -> Option<(i64, i64)> {
    let lo = age.get(r)?;
    let hi = match t.col("alter_bis") {
        Some(Col::Int(bis)) => bis.get(r).unwrap_or(lo),
        _ => lo,
    };
    Some((lo, hi))
}

fn hash_fields(t: &TableBuilder, row: usize, fields: &[usize], seed: u8) -> u64 {
    let mut h = FxHasher(u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    seed.hash(&mut h);
    for &fi in fields {
        match &t.cols[fi] {
            Col::Period(v) => v.get(row).hash(&mut h),
            Col::Area(v) => v[row].hash(&mut h),
            Col::Int(v) => v.get(row).hash(&mut h),
            Col::Code(v) => v[row].hash(&mut h),
            Col::Str(v) => v[row].hash(&mut h),
            Col::Count(v, _) => v.get(row).hash(&mut h),
            Col::Amount(v, _) => v[row].map(f64::to_bits).hash(&mut h),
        }
    }
    h.finish()
}

fn same_fields(t: &TableBuilder, a: usize, b: usize, fields: &[usize]) -> bool {
    fields.iter().all(|&fi| match &t.cols[fi] {
        Col::Period(v) => v.cmp_rows(a, b).is_eq(),
        Col::Area(v) => v[a] == v[b],
        Col::Int(v) => v.get(a) == v.get(b),
        Col::Code(v) => v[a] == v[b],
        Col::Str(v) => v[a] == v[b],
        Col::Count(v, _) => v.get(a) == v.get(b),
        Col::Amount(v, _) => v[a] == v[b],
    })
}

/// The order of two rows by their key fields; `None` for decimal keys, whose equality is
/// not an order's (0.0 = -0.0).
fn key_order(t: &TableBuilder, a: usize, b: usize, fields: &[usize]) -> Option<std::cmp::Ordering> {
    for &fi in fields {
        let order = match &t.cols[fi] {
            Col::Period(v) => v.cmp_rows(a, b),
            Col::Area(v) => v[a].cmp(&v[b]),
            Col::Int(v) => v.get(a).cmp(&v.get(b)),
            Col::Code(v) => v[a].cmp(&v[b]),
            Col::Str(v) => v[a].cmp(&v[b]),
            Col::Count(v, _) => v.get(a).cmp(&v.get(b)),
            Col::Amount(..) => return None,
        };
        if order.is_ne() {
            return Some(order);
        }
    }
    Some(std::cmp::Ordering::Equal)
}

fn describe_key(t: &TableBuilder, row: usize, fields: &[usize], g: &Gebietsgliederung) -> String {
    fields
        .iter()
        .filter_map(|&fi| {
            let f = &t.schema.fields[fi];
            let v = match &t.cols[fi] {
                Col::Period(v) => v.get(row).to_string(),
                Col::Area(v) => g
                    .stadtteile
                    .get(v[row] as usize)
                    .map_or_else(|| "Gesamtstadt".into(), |s| s.nr.clone()),
                Col::Int(v) => v.get(row)?.to_string(),
                Col::Code(v) => match f.ty {
                    FieldType::Code(codes) => codes[v[row]? as usize].to_string(),
                    _ => return None,
                },
                Col::Str(v) => v[row].clone()?,
                _ => return None,
            };
            Some(format!("{}={v}", f.name))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// V303: the same key twice (also across two sources of one table).
pub fn duplicates(
    t: &TableBuilder,
    sources: &[SourceLoc],
    g: &Gebietsgliederung,
    diags: &mut Diagnostics,
) {
    let keys = key_fields(t);
    use rayon::prelude::*;
    // Deliveries are mostly sorted by their keys (time, area, age, …): rows in strictly
    // increasing key order are all different, which one pass shows without hashing and
    // sorting millions of rows.
    if (1..t.len())
        .into_par_iter()
        .all(|r| key_order(t, r - 1, r, &keys) == Some(std::cmp::Ordering::Less))
    {
        return;
    }
    // One 64-bit hash per row: rows with equal hashes are compared field by field, so a
    // collision costs a comparison, never a wrong message.
    let mut hashed: Vec<(u64, u32)> = (0..t.len())
        .into_par_iter()
        .map(|r| (hash_fields(t, r, &keys, 0), r as u32))
        .collect();
    hashed.par_sort_unstable();
    let mut shown = 0;
    let mut total = 0;
    let mut run = 0;
    for j in 1..hashed.len() {
        if hashed[j].0 != hashed[run].0 {
            run = j;
            continue;
        }
        // the nearest earlier row of the run with the same key
        let Some(i) = (run..j)
            .rev()
            .find(|&i| same_fields(t, hashed[i].1 as usize, hashed[j].1 as usize, &keys))
        else {
            continue;
        };
        total += 1;
        if shown < MAX_SHOWN {
            shown += 1;
            let (ra, rb) = (hashed[i].1 as usize, hashed[j].1 as usize);
            let (first, second) = if (t.source[ra], t.line[ra]) <= (t.source[rb], t.line[rb]) {
                (ra, rb)
            } else {
                (rb, ra)
            };
            let src2 = &sources[t.source[second] as usize];
            let src1 = &sources[t.source[first] as usize];
            diags.push(
                Diagnostic::error(
                    "V303",
                    src2.at(t.line[second]),
                    format!(
                        "doppelter Schlüssel ({}); dieselbe Kombination steht schon in {}",
                        describe_key(t, second, &keys, g),
                        src1.describe(t.line[first])
                    ),
                )
                .hint("Jede Kombination der Schlüsselspalten darf nur einmal vorkommen: Doppelte Zeilen löschen oder fehlende Unterscheidungsmerkmale (z. B. Geschlecht, Betreuungsart) zuordnen."),
            );
        }
    }
    let what = format!("doppelte Schlüssel in Tabelle „{}“", t.schema.id);
    capped(diags, Diagnostic::error, "V303", total, shown, &what);
}

/// The line for `total` problems of a kind of which only `shown` were reported one by one;
/// the totals count them all.
fn capped(
    diags: &mut Diagnostics,
    severity: fn(&'static str, Location, String) -> Diagnostic,
    code: &'static str,
    total: usize,
    shown: usize,
    what: &str,
) {
    if total > shown {
        let message = format!("insgesamt {total} {what} (nur die ersten {shown} gezeigt)");
        diags.push(severity(code, Location::None, message).summarising(total, shown));
    }
}

/// Index of a period on its own time axis (years, or months).
fn axis(p: Period) -> i64 {
    match p {
        Period::Monat { year, month } => i64::from(year) * 12 + i64::from(month) - 1,
        other => i64::from(other.year()),
    }
}

fn axis_label(p: Period, i: i64) -> String {
    match p {
        Period::Monat { .. } => format!("{:02}/{}", i.rem_euclid(12) + 1, i.div_euclid(12)),
        Period::Schuljahr(_) => Period::Schuljahr(i as i32).key(),
        Period::Stichtag(d) => format!("{:02}.{:02}.{i}", d.day, d.month),
        Period::Kalenderjahr(_) => i.to_string(),
    }
}

/// V304: missing years or months inside a source's series, overall and per area.
pub fn gaps(
    src: &SourceLoc,
    stats: &SourceStats,
    others: &[&SourceStats],
    g: &Gebietsgliederung,
    diags: &mut Diagnostics,
) {
    let elsewhere: BTreeSet<(PeriodKind, i64)> = others
        .iter()
        .flat_map(|s| &s.periods)
        .map(|p| (p.kind(), axis(*p)))
        .collect();
    let mut by_kind: BTreeMap<PeriodKind, Vec<Period>> = BTreeMap::new();
    for p in &stats.periods {
        by_kind.entry(p.kind()).or_default().push(*p);
    }
    let path = &src.path;
    for periods in by_kind.values() {
        let present: BTreeSet<i64> = periods.iter().map(|p| axis(*p)).collect();
        let (Some(&lo), Some(&hi)) = (present.first(), present.last()) else {
            continue;
        };
        let kind = periods[0].kind();
        let missing: Vec<String> = (lo..=hi)
            .filter(|i| !present.contains(i) && !elsewhere.contains(&(kind, *i)))
            .map(|i| axis_label(periods[0], i))
            .collect();
        if !missing.is_empty() {
            diags.push(
                Diagnostic::warning("V304", Location::file(path), format!("Lücke in der Zeitreihe: {} fehlt", missing.join(", ")))
                    .hint("Fehlende Jahre nachliefern lassen; Kennzahlen für diese Zeitpunkte bleiben leer."),
            );
        }
    }
    let all: BTreeSet<i64> = stats.periods.iter().map(|p| axis(*p)).collect();
    let mut shown = 0;
    for (area, ps) in &stats.area_periods {
        let own: BTreeSet<i64> = ps.iter().map(|p| axis(*p)).collect();
        let (Some(&lo), Some(&hi)) = (own.first(), own.last()) else {
            continue;
        };
        let Some(sample) = ps.iter().next() else {
            continue;
        };
        let filled = |i: i64| {
            others.iter().any(|s| {
                s.area_periods.get(area).is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p.kind() == sample.kind() && axis(*p) == i)
                })
            })
        };
        let missing: Vec<String> = (lo..=hi)
            .filter(|&i| all.contains(&i) && !own.contains(&i) && !filled(i))
            .map(|i| axis_label(*sample, i))
            .collect();
        if !missing.is_empty() && shown < 10 {
            shown += 1;
            let s = &g.stadtteile[*area as usize];
            diags.push(Diagnostic::warning(
                "V304",
                Location::file(path),
                format!(
                    "{} {}: keine Zeilen für {}",
                    s.nr,
                    s.name,
                    missing.join(", ")
                ),
            ));
        }
    }
}

/// (total row and value, sum of the parts, number of parts) of one group.
type PartGroup = (Option<(usize, i64)>, i64, i64);

/// V307: rows of parts (m, w; Schulformen; Abschlussarten) above their `insgesamt` row.
pub fn part_rows(t: &TableBuilder, sources: &[SourceLoc], diags: &mut Diagnostics) {
    let keys = key_fields(t);
    let measures: Vec<usize> = t
        .schema
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.ty == FieldType::Count)
        .map(|(i, _)| i)
        .collect();
    for &fi in &keys {
        let FieldType::Code(codes) = t.schema.fields[fi].ty else {
            continue;
        };
        let Some(total_code) = codes.iter().position(|c| *c == "insgesamt") else {
            continue;
        };
        let Col::Code(vals) = &t.cols[fi] else {
            continue;
        };
        if !vals.contains(&Some(total_code as u16)) {
            continue;
        }
        let others: Vec<usize> = keys.iter().copied().filter(|&k| k != fi).collect();
        for &mi in &measures {
            let Col::Count(m, _) = &t.cols[mi] else {
                continue;
            };
            // group → (total row, total value, sum of parts, number of parts)
            let mut groups: HashMap<(u64, u64), PartGroup, FxBuild> = HashMap::default();
            for (r, code) in vals.iter().enumerate() {
                let Some(v) = m.get(r) else { continue };
                let e = groups
                    .entry((hash_fields(t, r, &others, 0), hash_fields(t, r, &others, 1)))
                    .or_insert((None, 0, 0));
                if *code == Some(total_code as u16) {
                    e.0 = Some((r, v));
                } else if code.is_some() {
                    e.1 += v;
                    e.2 += 1;
                }
            }
            let mut shown = 0;
            let mut list: Vec<_> = groups
                .into_values()
                .filter_map(|(t0, sum, n)| t0.map(|(r, tv)| (r, tv, sum, n)))
                .collect();
            list.sort_unstable();
            for (r, total, sum, n) in list {
                let src = &sources[t.source[r] as usize];
                let tolerance = src.quelle.rounded_to.map_or(0, |x| i64::from(x) * n);
                if sum > total + tolerance && shown < MAX_SHOWN {
                    shown += 1;
                    diags.push(
                        Diagnostic::error(
                            "V307",
                            src.at(t.line[r]),
                            format!(
                                "„{}“ insgesamt ist {total}, die Summe der Teile aber {sum} ({})",
                                t.schema.fields[mi].name, t.schema.fields[fi].name
                            ),
                        )
                        .hint("Die Insgesamt-Zeile muss mindestens die Summe ihrer Teile sein; Zuordnung der Ausprägungen prüfen."),
                    );
                }
            }
        }
    }
}

/// The 31.12. population Stichtag that belongs to a Kita period (KJH: 1.3. over 31.12. of the previous year).
fn population_year(p: Period) -> i32 {
    match p {
        Period::Stichtag(d) if d.month == 12 && d.day == 31 => d.year,
        other => other.year() - 1,
    }
}

/// (year, area, ages) → (sum of sexes, insgesamt row) of the population on 31.12., for ages
/// that touch `min_age..=max_age`; `None` without the columns.
fn population_by_age(
    pop: &TableBuilder,
    min_age: i64,
    max_age: i64,
) -> Option<HashMap<PopKey, (i64, Option<i64>), FxBuild>> {
    let (Some(Col::Int(p_age)), Some(Col::Count(p_n, _))) =
        (pop.col("alter"), pop.col("einwohner"))
    else {
        return None;
    };
    let p_sex = match pop.col("geschlecht") {
        Some(Col::Code(v)) => Some(v),
        _ => None,
    };
    let total_code = crate::schema::GESCHLECHT
        .iter()
        .position(|c| *c == "insgesamt")
        .map(|i| i as u16);
    let mut population: HashMap<PopKey, (i64, Option<i64>), FxBuild> = HashMap::default();
    for r in 0..pop.len() {
        let Period::Stichtag(d) = pop.periods().get(r) else {
            continue;
        };
        if d.month != 12 || d.day != 31 {
            continue;
        }
        let (Some(age), Some(n)) = (age_of(pop, p_age, r), p_n.get(r)) else {
            continue;
        };
        if age.1 < min_age || age.0 > max_age {
            continue;
        }
        let e = population
            .entry((d.year, pop.areas()[r], age))
            .or_insert((0, None));
        if p_sex.is_some_and(|s| s[r].is_some() && s[r] == total_code) {
            e.1 = Some(n);
        } else {
            e.0 += n;
        }
    }
    Some(population)
}

/// V306: more children in care than children of that age living in the area.
pub fn kita_above_population(
    kita: &TableBuilder,
    pop: &TableBuilder,
    sources: &[SourceLoc],
    g: &Gebietsgliederung,
    diags: &mut Diagnostics,
) {
    let (Some(Col::Int(k_age)), Some(Col::Count(k_n, _))) = (kita.col("alter"), kita.col("kinder"))
    else {
        return;
    };
    let mut children: HashMap<(Period, u32, Ages), (i64, usize), FxBuild> = HashMap::default();
    for r in 0..kita.len() {
        if sources[kita.source[r] as usize].quelle.bezug != Bezug::Wohnort {
            continue;
        }
        let (Some(age), Some(n)) = (age_of(kita, k_age, r), k_n.get(r)) else {
            continue;
        };
        let e = children
            .entry((kita.periods().get(r), kita.areas()[r], age))
            .or_insert((0, r));
        e.0 += n;
    }
    if children.is_empty() {
        return;
    }
    // only the ages children are counted at (a few of the population's 90 and more)
    let (min_age, max_age) = children.keys().fold((i64::MAX, i64::MIN), |(lo, hi), k| {
        (lo.min(k.2.0), hi.max(k.2.1))
    });
    let Some(population) = population_by_age(pop, min_age, max_age) else {
        return;
    };
    if population.is_empty() {
        return;
    }
    // in the order of the kita rows' keys (the messages' order)
    let mut children: Vec<_> = children.into_iter().collect();
    children.sort_unstable_by_key(|(k, _)| *k);
    let mut shown = 0;
    let mut total = 0;
    for ((period, area, age), (n, row)) in children {
        let year = population_year(period);
        let Some(&(parts, tot)) = population.get(&(year, area, age)) else {
            continue;
        };
        let residents = tot.unwrap_or(parts);
        if n > residents {
            total += 1;
            if shown >= MAX_SHOWN {
                continue;
            }
            shown += 1;
            let s = &g.stadtteile[area as usize];
            let quota = if residents > 0 {
                format!(
                    "Quote {} %",
                    crate::format::decimal(100.0 * n as f64 / residents as f64, 1)
                )
            } else {
                "keine Einwohner dieses Alters".to_string()
            };
            let src = &sources[kita.source[row] as usize];
            diags.push(
                Diagnostic::warning(
                    "V306",
                    src.at(kita.line[row]),
                    format!(
                        "{} {}, {period}: {n} betreute Kinder im Alter {}, aber nur {residents} Einwohner dieses Alters am 31.12.{year} ({quota})",
                        s.nr, s.name, ages(age.0, age.1)
                    ),
                )
                .hint("Bezug prüfen: Zählt die Quelle nach Wohnort (gebiet.bezug = \"wohnort\") oder nach Einrichtungsort? Sonst Gebietszuordnung und Stichtage prüfen."),
            );
        }
    }
    let what = "Fälle mit mehr betreuten Kindern als Einwohnern";
    capped(diags, Diagnostic::warning, "V306", total, shown, what);
}

/// V310: one school with two Schulformen or two Stadtteile in the same school year.
pub fn school_attributes(t: &TableBuilder, sources: &[SourceLoc], diags: &mut Diagnostics) {
    if t.schema.kind != TableKind::Schulen {
        return;
    }
    let (Some(Col::Str(school)), Some(Col::Code(form))) = (t.col("schule"), t.col("schulform"))
    else {
        return;
    };
    let areas = t.areas();
    // (Schulform, area, first row) of each school and year
    let mut seen: FxHashMap<(Period, &str), (Option<u16>, u32, usize)> = FxHashMap::default();
    let mut shown = 0;
    for r in 0..t.len() {
        let Some(s) = school[r].as_deref() else {
            continue;
        };
        let e = seen
            .entry((t.periods().get(r), s))
            .or_insert((form[r], areas[r], r));
        if (e.0 != form[r] || e.1 != areas[r]) && shown < MAX_SHOWN {
            shown += 1;
            let src = &sources[t.source[r] as usize];
            let first = &sources[t.source[e.2] as usize];
            diags.push(
                Diagnostic::error(
                    "V310",
                    src.at(t.line[r]),
                    format!("Schule {s} hat im selben Schuljahr eine andere Schulform oder einen anderen Stadtteil als in {}", first.describe(t.line[e.2])),
                )
                .hint("Jede Schule hat je Schuljahr genau eine Schulform und einen Standort; Schulnummern prüfen."),
            );
        }
    }
}

/// Whether column `fi` holds a value in any row.
fn has_values(t: &TableBuilder, fi: usize) -> bool {
    match &t.cols[fi] {
        Col::Period(_) | Col::Area(_) => true,
        Col::Int(v) => (0..t.len()).any(|r| v.get(r).is_some()),
        Col::Code(v) => v.iter().any(Option::is_some),
        Col::Str(v) => v.iter().any(Option::is_some),
        Col::Count(v, _) => (0..t.len()).any(|r| v.get(r).is_some()),
        Col::Amount(v, _) => v.iter().any(Option::is_some),
    }
}

/// V309: a Gesamtstadt row that differs from the sum of its Stadtteile, where every Stadtteil
/// value is known (with source-suppressed parts the city row is what gives the total).
pub fn reconcile(
    parts: &TableBuilder,
    city: &TableBuilder,
    sources: &[SourceLoc],
    diags: &mut Diagnostics,
) {
    // the city row's own keys: a field it leaves empty (the school number) is summed over
    let keys: Vec<usize> = key_fields(city)
        .into_iter()
        .filter(|&k| !matches!(city.cols[k], Col::Area(_)) && has_values(city, k))
        .collect();
    let mut shown = 0;
    let mut total = 0;
    for (mi, f) in city.schema.fields.iter().enumerate() {
        let (Col::Count(cm, _), Col::Count(pm, _)) = (&city.cols[mi], &parts.cols[mi]) else {
            continue;
        };
        // key → (sum of the parts, number of parts, a part unknown)
        let mut sums: HashMap<(u64, u64), (i64, i64, bool), FxBuild> = HashMap::default();
        for r in 0..parts.len() {
            let h = (
                hash_fields(parts, r, &keys, 0),
                hash_fields(parts, r, &keys, 1),
            );
            let e = sums.entry(h).or_insert((0, 0, false));
            match pm.get(r) {
                Some(v) => e.0 += v,
                None => e.2 = true,
            }
            e.1 += 1;
        }
        for r in 0..city.len() {
            let Some(tv) = cm.get(r) else { continue };
            let h = (
                hash_fields(city, r, &keys, 0),
                hash_fields(city, r, &keys, 1),
            );
            let Some(&(sum, n, false)) = sums.get(&h) else {
                continue;
            };
            let src = &sources[city.source[r] as usize];
            let tolerance = src.quelle.rounded_to.map_or(0, |x| i64::from(x) * n);
            if (sum - tv).abs() <= tolerance {
                continue;
            }
            total += 1;
            if shown < MAX_SHOWN {
                shown += 1;
                diags.push(
                    Diagnostic::warning(
                        "V309",
                        src.at(city.line[r]),
                        format!(
                            "Gesamtstadt-Zeile: „{}“ ist {}, die Summe der {n} Stadtteile aber {} (Differenz {})",
                            f.name,
                            crate::format::integer(tv),
                            crate::format::integer(sum),
                            crate::format::change((tv - sum) as f64, crate::catalogue::Einheit::Anzahl)
                        ),
                    )
                    .hint("Veröffentlicht wird für die Stadt der Wert der Gesamtstadt-Zeile. Nicht zugeordnete Fälle oder ein anderer Gebietsstand? Die Differenz wird wie eine Fallzahl geheimgehalten."),
                );
            }
        }
    }
    let what = format!(
        "Gesamtstadt-Zeilen in Tabelle „{}“, die von der Summe der Stadtteile abweichen",
        city.schema.id
    );
    capped(diags, Diagnostic::warning, "V309", total, shown, &what);
}

/// "0–2" or "7" for messages.
fn ages(lo: i64, hi: i64) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}–{hi}")
    }
}

/// V311: two ages or age groups of one source that overlap ("bis 2 Jahre" next to "bis 17
/// Jahre", or "insgesamt" next to single ages): every sum over them would count some
/// persons twice.
pub fn age_overlaps(loc: &SourceLoc, stats: &SourceStats, diags: &mut Diagnostics) {
    // rows of the same coded fields (Betreuungsart, Geschlecht …), sorted by first age
    let mut by_codes: BTreeMap<u64, Vec<AgeSeen>> = BTreeMap::new();
    for (&(codes, lo, hi), v) in &stats.ages {
        by_codes.entry(codes).or_default().push(((lo, hi), v));
    }
    let mut shown = 0;
    let mut total = 0;
    for groups in by_codes.values() {
        overlaps_of(loc, groups, &mut shown, &mut total, diags);
    }
    capped(
        diags,
        Diagnostic::error,
        "V311",
        total,
        shown,
        "Überschneidungen von Altersangaben",
    );
}

/// Ages of a source with the text and line they were first seen at.
type AgeSeen<'a> = (Ages, &'a (String, u32));

/// The overlapping ages among `groups` (sorted by first age) as V311.
fn overlaps_of(
    loc: &SourceLoc,
    groups: &[AgeSeen],
    shown: &mut usize,
    total: &mut usize,
    diags: &mut Diagnostics,
) {
    for (i, ((lo, hi), (text, line))) in groups.iter().enumerate() {
        // sorted by first age: the groups after this one that start inside it
        for ((lo2, hi2), (text2, line2)) in groups[i + 1..].iter().take_while(|((l, _), _)| l <= hi)
        {
            *total += 1;
            if *shown >= MAX_SHOWN {
                continue;
            }
            *shown += 1;
            let (first, second) = if line <= line2 {
                (line, line2)
            } else {
                (line2, line)
            };
            diags.push(
                Diagnostic::error(
                    "V311",
                    loc.at(*second),
                    format!(
                        "Altersangaben überschneiden sich: „{text2}“ (Alter {}) und „{text}“ (Alter {}, {}) zählen Personen doppelt",
                        ages(*lo2, *hi2),
                        ages(*lo, *hi),
                        loc.describe(*first)
                    ),
                )
                .hint("Summen- oder Zwischenzeilen mit ausschliessen überspringen, z. B. ausschliessen = { Alter = [\"insgesamt\"] }, oder sie mit filter auf eine Gliederung beschränken."),
            );
        }
    }
}

/// K002: an indicator a report, sheet or profile shows asks for ages that cut an age group
/// of the delivery (0–2 from a group 0–5): its share of the range is unknown, so the
/// indicator cannot be computed. Named with the group's text and place.
pub fn age_groups_cut(
    project: &crate::project::Project,
    locs: &[SourceLoc],
    stats: &[SourceStats],
    diags: &mut Diagnostics,
) {
    let used = project.used_indicators();
    for ind in project
        .katalog
        .indicators
        .iter()
        .filter(|i| used.contains(i.id.as_str()))
    {
        'sources: for (loc, st) in locs.iter().zip(stats) {
            let groups: Vec<(i64, i64)> = st.ages.keys().map(|&(_, lo, hi)| (lo, hi)).collect();
            let Some(((a, b), (lo, hi))) = ind.def.cut_age_group(loc.quelle.table, &groups) else {
                continue;
            };
            let Some((text, line)) = st
                .ages
                .iter()
                .find(|((_, l, h), _)| (*l, *h) == (lo, hi))
                .map(|(_, v)| v)
            else {
                continue;
            };
            let gefragt = if (a, b) == (lo, hi) {
                "braucht Einzelalter (Quotensummenverfahren)".to_string()
            } else {
                format!("fragt Alter {}", ages(a, b))
            };
            diags.push(
                Diagnostic::error(
                    "K002",
                    loc.at(*line),
                    format!(
                        "Kennzahl {} ({}) {gefragt}, die Quelle liefert die Altersgruppe „{text}“ (Alter {}): welcher Teil davon gemeint ist, ist unbekannt",
                        ind.id,
                        ind.def.titel,
                        ages(lo, hi)
                    ),
                )
                .hint("Die Kennzahl aus Berichten, Faktenchecks und Profil nehmen, eine Lieferung nach Einzelaltern oder passenden Gruppen besorgen, oder eine eigene Kennzahl mit den Altersgrenzen der Lieferung anlegen ([indikatoren.ID], docs/config.md)."),
            );
            break 'sources;
        }
    }
}

/// Merkmale als Zeilen: where a source delivers a [`schema::SPLITS`] field (Staatsangehörigkeit
/// deutsch/nichtdeutsch/insgesamt), its part rows give the part measure (`nichtdeutsch`) as if
/// it were a column: a part row counts wholly, a rest row not at all, and a total row gets the
/// sum of the part rows of its key (or total minus the rest rows). The fields the source thus
/// gives; V312 where a part has neither a rest nor a total to stand in.
pub fn split_rows(
    t: &mut TableBuilder,
    source_fields: &[&'static str],
    loc: &SourceLoc,
    diags: &mut Diagnostics,
) -> Vec<&'static str> {
    let mut derived = Vec::new();
    for &(kind, field, part_code, part, total) in crate::schema::SPLITS {
        let s = t.schema;
        let (Some(fi), Some(pi), Some(ti)) = (pos(t, field), pos(t, part), pos(t, total)) else {
            continue;
        };
        if s.kind != kind || !has_values(t, fi) {
            continue;
        }
        let FieldType::Code(codes) = s.fields[fi].ty else {
            continue;
        };
        let code = |c: &str| codes.iter().position(|x| *x == c).map(|i| i as u16);
        let (part_c, total_c) = (code(part_code), code("insgesamt"));
        if source_fields.contains(&part) {
            diags.push(
                Diagnostic::error("V312", Location::file(&loc.path), format!("„{part}“ kommt doppelt: als Spalte und aus dem Merkmal „{field}“"))
                    .hint(format!("Entweder die Spalte „{part}“ oder das Merkmal „{field}“ zuordnen, nicht beides.")),
            );
            continue;
        }
        let keys: Vec<usize> = key_fields(t).into_iter().filter(|&k| k != fi).collect();
        let mut groups: FxHashMap<u64, Vec<Vec<usize>>> = FxHashMap::default();
        for r in 0..t.len() {
            let bucket = groups.entry(hash_fields(t, r, &keys, 7)).or_default();
            match bucket.iter_mut().find(|g| same_fields(t, g[0], r, &keys)) {
                Some(g) => g.push(r),
                None => bucket.push(vec![r]),
            }
        }
        let mut alone = Vec::new();
        for g in groups.into_values().flatten() {
            if let Some(r) = split_group(t, &g, fi, pi, ti, part_c, total_c) {
                alone.push(r);
            }
        }
        alone.sort_unstable();
        for &r in alone.iter().take(MAX_SHOWN) {
            diags.push(
                Diagnostic::error("V312", loc.at(t.line[r]), format!("„{field}“ = {part_code} ohne Zeile für den Rest oder insgesamt: „{total}“ ist dann nur ein Teil"))
                    .hint(format!("Zu jeder {part_code}-Zeile gehört eine Zeile mit den übrigen Werten von „{field}“ oder mit insgesamt.")),
            );
        }
        capped(
            diags,
            Diagnostic::error,
            "V312",
            alone.len(),
            alone.len().min(MAX_SHOWN),
            "Teilzeilen ohne Gesamtzahl",
        );
        derived.push(part);
    }
    derived
}

fn pos(t: &TableBuilder, name: &str) -> Option<usize> {
    t.schema.fields.iter().position(|f| f.name == name)
}

/// One key's rows of a split field; the first part row when nothing stands for the rest.
fn split_group(
    t: &mut TableBuilder,
    rows: &[usize],
    fi: usize,
    pi: usize,
    ti: usize,
    part_c: Option<u16>,
    total_c: Option<u16>,
) -> Option<usize> {
    let Col::Code(codes) = &t.cols[fi] else {
        return None;
    };
    let code: Vec<Option<u16>> = rows.iter().map(|&r| codes[r]).collect();
    let value = |t: &TableBuilder, r: usize| match &t.cols[ti] {
        Col::Count(v, why) => (v.get(r), why[r]),
        _ => (None, None),
    };
    let sum = |t: &TableBuilder, want: &dyn Fn(Option<u16>) -> bool| {
        let mut total = Some(0);
        let mut why = None;
        for (&r, &c) in rows.iter().zip(&code) {
            if want(c) {
                let (v, w) = value(t, r);
                total = total.zip(v).map(|(a, b)| a + b);
                why = why.or(w);
            }
        }
        (total, why)
    };
    let is_part = |c: Option<u16>| c == part_c;
    let is_rest = |c: Option<u16>| c != part_c && c != total_c && c.is_some();
    let has = |f: &dyn Fn(Option<u16>) -> bool| code.iter().any(|&c| f(c));
    let (parts, rests, totals) = (has(&is_part), has(&is_rest), has(&|c| c == total_c));
    if parts && !rests && !totals {
        return rows
            .iter()
            .zip(&code)
            .find(|(_, c)| is_part(**c))
            .map(|(&r, _)| r);
    }
    let (part_sum, part_why) = sum(t, &is_part);
    let (rest_sum, rest_why) = sum(t, &is_rest);
    for (&r, &c) in rows.iter().zip(&code) {
        let (v, why) = if is_part(c) {
            value(t, r)
        } else if c == total_c {
            if parts {
                (part_sum, part_why)
            } else {
                let (tv, tw) = value(t, r);
                (tv.zip(rest_sum).map(|(a, b)| a - b), tw.or(rest_why))
            }
        } else {
            (Some(0), None)
        };
        if let Col::Count(col, reasons) = &mut t.cols[pi] {
            col.set(r, v);
            reasons[r] = if v.is_some() { None } else { why };
        }
    }
    None
}
