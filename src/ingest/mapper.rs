//! Maps one source's rows onto its canonical table: finds the columns, applies value
//! mappings and symbols, parses every cell and reports each problem at its cell.

use super::reader::{Cell, Locator, RowPos, Sink, Split};
use super::table::{TableBuilder, Val};
use super::values::{NumberError, PeriodError, parse_number, parse_period, plain_digits, symbol};
use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::domain::{Date, MissingReason, Period, PeriodKind};
use crate::fxhash::FxHashMap;
use crate::project::{AreaKey, ColumnRef, Gebietsgliederung, Quelle, Unbekannte};
use crate::schema::{Field, FieldType, Role, TableSchema};
use crate::suggest::did_you_mean;
use std::collections::{BTreeMap, BTreeSet};

/// Longest value (bytes) of any field: names and labels are far shorter.
const MAX_VALUE_BYTES: usize = 10_000;

/// Diagnostics of one code beyond this many per source are only counted.
const MAX_PER_CODE: usize = 25;

/// The area of a Gesamtstadt row (no Stadtteil has this index).
pub const GESAMTSTADT: u32 = u32::MAX;

/// What one source gave.
pub struct Gelesen {
    /// Statistics of the rows.
    pub stats: SourceStats,
    /// Rows of the Stadtteile.
    pub rows: TableBuilder,
    /// Rows of the whole city.
    pub city: TableBuilder,
    /// Problems found.
    pub diags: Diagnostics,
}

/// Lookup of area keys.
pub struct AreaIndex<'a> {
    gebiete: &'a Gebietsgliederung,
    // looked up once per row: FxHash instead of SipHash
    by_nr: FxHashMap<&'a str, u32>,
    by_name: FxHashMap<&'a str, u32>,
    by_ags: FxHashMap<&'a str, u32>,
}

impl<'a> AreaIndex<'a> {
    /// Indexes the Gebietsgliederung.
    pub fn new(gebiete: &'a Gebietsgliederung) -> Self {
        let mut idx = AreaIndex {
            gebiete,
            by_nr: FxHashMap::default(),
            by_name: FxHashMap::default(),
            by_ags: FxHashMap::default(),
        };
        for (i, s) in gebiete.stadtteile.iter().enumerate() {
            idx.by_nr.insert(s.nr.as_str(), i as u32);
            idx.by_name.insert(s.name.as_str(), i as u32);
            if let Some(a) = &s.ags {
                idx.by_ags.insert(a.as_str(), i as u32);
            }
        }
        idx
    }

    fn lookup(&self, key: AreaKey, v: &str) -> Option<u32> {
        match key {
            AreaKey::Nr => self.by_nr.get(v),
            AreaKey::Name => self.by_name.get(v),
            AreaKey::Ags => self.by_ags.get(v),
        }
        .copied()
    }

    fn suggestion(&self, key: AreaKey, v: &str) -> Option<String> {
        let s = &self.gebiete.stadtteile;
        match key {
            AreaKey::Nr => did_you_mean(v, s.iter().map(|x| x.nr.as_str())).map(|nr| {
                let name = self
                    .gebiete
                    .by_nr(nr)
                    .map(|x| x.name.as_str())
                    .unwrap_or("");
                format!("{nr} ({name})")
            }),
            AreaKey::Name => did_you_mean(v, s.iter().map(|x| x.name.as_str())).map(str::to_string),
            AreaKey::Ags => {
                did_you_mean(v, s.iter().filter_map(|x| x.ags.as_deref())).map(str::to_string)
            }
        }
    }
}

/// One output row per source row: key assignments (field, value), and the columns
/// (column, measures) whose values add up in it.
type UnpivotGroup = (Vec<(usize, String)>, Vec<(usize, Vec<usize>)>);

/// Where a canonical field's value comes from.
#[derive(Debug, Clone)]
enum Plan {
    Column(usize),
    Constant(String),
    Unpivot,
    Absent,
}

/// Per-source statistics for the summary.
#[derive(Debug, Default, Clone)]
pub struct SourceStats {
    /// Canonical rows produced.
    pub rows: usize,
    /// Source rows skipped by the filter or as unknown areas.
    pub skipped: usize,
    /// Distinct periods.
    pub periods: BTreeSet<Period>,
    /// Periods per area (for gap checks).
    pub area_periods: BTreeMap<u32, BTreeSet<Period>>,
    /// The fields the source gives (a column, a fixed value or an unpivoted header).
    pub fields: Vec<&'static str>,
    /// Every age or age group of the rows with its text and first line, by the row's coded
    /// fields (a hash of Betreuungsart, Geschlecht …: Kita children by single age next to
    /// Hort children in one group do not overlap) and first and last age.
    pub ages: BTreeMap<(u64, i64, i64), (String, u32)>,
}

/// The sink that turns one source into canonical rows.
pub struct Mapper<'a> {
    q: &'a Quelle,
    schema: &'static TableSchema,
    areas: &'a AreaIndex<'a>,
    /// Rows read (moved into the table's builder by the caller).
    out: TableBuilder,
    /// Rows of the whole city (a Gesamtstadt row of the delivery), kept apart from the
    /// Stadtteile: they give the city total where the parts are incomplete.
    city: TableBuilder,
    /// Problems found, at most [`MAX_PER_CODE`] per code.
    diags: Vec<Diagnostic>,
    source: u16,
    plans: Vec<Plan>,
    quality: Vec<Option<usize>>,
    /// Output rows per source row: key assignments, and (column, measures) adding to them.
    unpivot: Vec<UnpivotGroup>,
    filter: Vec<(usize, Vec<String>)>,
    exclude: Vec<(usize, Vec<String>)>,
    counts: BTreeMap<&'static str, usize>,
    unknown_areas: BTreeMap<String, usize>,
    /// Statistics of this source.
    pub stats: SourceStats,
    vals: Vec<Val>,
    cur_period: Option<Period>,
    ok: bool,
    /// The profile's value mapping per schema field.
    value_maps: Vec<Option<ValueMap<'a>>>,
    /// Per code field: every cell text that is a valid code, before or after the value
    /// mapping, with its code (the common cells; anything else takes the full way).
    code_texts: Vec<Vec<(&'a str, u16)>>,
    /// (part, total) field indices of the schema's `darunter` relations.
    parts: Vec<(usize, usize)>,
    /// Last period text and its value: keys repeat row after row.
    memo_period: Option<(String, Period)>,
    /// Last area text, the period it was checked for, and its index.
    memo_area: Option<(String, Option<Period>, u32)>,
    /// Last (area, period) recorded in the statistics.
    last_seen: Option<(u32, Period)>,
    /// The upper end and text of the age group read for the current row (`3 bis unter 6`).
    band: Option<(i64, String)>,
    /// The last age interval recorded in the statistics.
    last_ages: Option<(u64, i64, i64)>,
    /// A symbol of the profile is all digits (then digits are looked up first).
    digit_symbol: bool,
}

/// A profile's value mapping of one field (`[quellen.X.werte]`) and the byte lengths of its
/// keys: most cells have a length no key has (ages `0`…`89` beside `90 und älter`) and need
/// no lookup.
#[derive(Debug, Clone, Copy)]
struct ValueMap<'a> {
    map: &'a BTreeMap<String, String>,
    /// Bit n: a key of n bytes; bit 63: a key of 63 bytes or more.
    lengths: u64,
}

impl<'a> ValueMap<'a> {
    fn new(map: &'a BTreeMap<String, String>) -> Self {
        let lengths = map.keys().fold(0, |m, k| m | length_bit(k.len()));
        ValueMap { map, lengths }
    }

    /// The value `t` is mapped to, if any.
    fn get(&self, t: &str) -> Option<&'a str> {
        if self.lengths & length_bit(t.len()) == 0 {
            return None;
        }
        self.map.get(t).map(String::as_str)
    }
}

/// The cell texts of a code field that read as a valid code: the mapped texts whose value
/// is a code, then the codes themselves unless the mapping takes them elsewhere. Empty for
/// other fields, and for long mappings (searched one by one, a long list would cost more
/// than the B-tree it saves).
fn code_texts<'a>(f: &Field, map: Option<&'a BTreeMap<String, String>>) -> Vec<(&'a str, u16)> {
    let FieldType::Code(codes) = f.ty else {
        return Vec::new();
    };
    let mut texts: Vec<(&'a str, u16)> = map
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str(), code_index(codes, v)?)))
        .collect();
    for (i, c) in codes.iter().enumerate() {
        if !map.is_some_and(|m| m.contains_key(*c)) {
            texts.push((c, i as u16));
        }
    }
    if texts.len() > MAX_CODE_TEXTS {
        texts.clear();
    }
    texts
}

/// The index of `t` among the allowed codes of a field.
fn code_index(codes: &[&str], t: &str) -> Option<u16> {
    codes.iter().position(|c| *c == t).map(|i| i as u16)
}

/// The longest list of code texts searched one by one.
const MAX_CODE_TEXTS: usize = 24;

fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

impl<'a> Mapper<'a> {
    /// A mapper writing into `out`.
    pub fn new(
        q: &'a Quelle,
        schema: &'static TableSchema,
        areas: &'a AreaIndex<'a>,
        source: u16,
    ) -> Self {
        Mapper {
            q,
            schema,
            areas,
            out: TableBuilder::new(schema),
            city: TableBuilder::new(schema),
            diags: Vec::new(),
            source,
            plans: Vec::new(),
            quality: Vec::new(),
            unpivot: Vec::new(),
            filter: Vec::new(),
            exclude: Vec::new(),
            counts: BTreeMap::new(),
            unknown_areas: BTreeMap::new(),
            stats: SourceStats::default(),
            vals: Vec::new(),
            cur_period: None,
            ok: true,
            value_maps: schema
                .fields
                .iter()
                .map(|f| q.values.get(f.name).map(ValueMap::new))
                .collect(),
            code_texts: schema
                .fields
                .iter()
                .map(|f| code_texts(f, q.values.get(f.name)))
                .collect(),
            parts: schema
                .parts
                .iter()
                .filter_map(|(part, total)| {
                    let i = |n: &str| schema.fields.iter().position(|f| f.name == n);
                    Some((i(part)?, i(total)?))
                })
                .collect(),
            memo_period: None,
            memo_area: None,
            last_seen: None,
            band: None,
            last_ages: None,
            digit_symbol: q
                .symbols
                .iter()
                .any(|(s, _)| s.bytes().all(|b| b.is_ascii_digit())),
        }
    }

    fn report(&mut self, d: Diagnostic) {
        let n = self.counts.entry(d.code).or_insert(0);
        *n += 1;
        if *n <= MAX_PER_CODE {
            self.diags.push(d);
        }
    }

    /// Pushes summaries for capped codes and unknown areas; call after the reader finished.
    /// Returns the statistics, the rows read, the Gesamtstadt rows and the problems found.
    pub fn finish(mut self) -> Gelesen {
        let path = self.q.path.clone();
        for (code, n) in &self.counts {
            if *n > MAX_PER_CODE {
                let sev_err = self
                    .diags
                    .iter()
                    .any(|d| d.code == *code && d.severity == crate::diag::Severity::Error);
                let msg = format!(
                    "insgesamt {n} Fälle von {code} in dieser Datei (nur die ersten {MAX_PER_CODE} gezeigt)"
                );
                let d = if sev_err {
                    Diagnostic::error(code, Location::file(&path), msg)
                } else {
                    Diagnostic::warning(code, Location::file(&path), msg)
                };
                self.diags.push(d.summarising(*n, MAX_PER_CODE));
            }
        }
        if self.q.unknown_areas == Unbekannte::Warnung && !self.unknown_areas.is_empty() {
            let total: usize = self.unknown_areas.values().sum();
            let examples: Vec<&str> = self
                .unknown_areas
                .keys()
                .take(5)
                .map(String::as_str)
                .collect();
            self.diags.push(Diagnostic::warning(
                "V308",
                Location::file(&path),
                format!(
                    "{total} Zeilen mit {} Gebieten außerhalb der Gebietsgliederung übersprungen (z. B. {})",
                    self.unknown_areas.len(),
                    examples.join(", ")
                ),
            ));
        }
        Gelesen {
            stats: self.stats,
            rows: self.out,
            city: self.city,
            diags: self.diags.into_iter().collect(),
        }
    }

    fn find_column(
        &mut self,
        r: &ColumnRef,
        headers: &[String],
        what: &str,
        pos: RowPos,
        loc: &Locator,
    ) -> Option<usize> {
        match r {
            ColumnRef::Position(n) if *n <= headers.len() => Some(n - 1),
            ColumnRef::Position(n) => {
                self.report(
                    Diagnostic::error(
                        "V008",
                        loc.at(pos, 0),
                        format!(
                            "Spalte #{n} für „{what}“ gibt es nicht: die Datei hat {} Spalten",
                            headers.len()
                        ),
                    )
                    .hint("Die Zuordnung in [quellen.….spalten] prüfen."),
                );
                None
            }
            ColumnRef::Header(h) => {
                if let Some(i) = headers.iter().position(|x| x == h.trim()) {
                    return Some(i);
                }
                let mut d = Diagnostic::error(
                    "V008",
                    loc.at(pos, 0),
                    format!("Spalte „{h}“ für „{what}“ fehlt in der Kopfzeile"),
                );
                if let Some(s) = did_you_mean(h, headers.iter().map(String::as_str)) {
                    d = d.hint(format!("Meinten Sie „{s}“?"));
                }
                let shown: Vec<String> = headers
                    .iter()
                    .enumerate()
                    .map(|(i, h)| {
                        if h.is_empty() {
                            format!("#{}", i + 1)
                        } else {
                            format!("„{h}“")
                        }
                    })
                    .collect();
                self.report(d.hint(format!("Spalten der Datei: {}.", shown.join(", "))));
                None
            }
        }
    }
}

impl Sink for Mapper<'_> {
    fn header(&mut self, headers: &[String], pos: RowPos, loc: &Locator) -> bool {
        let q = self.q;
        let unpivot_keys: BTreeSet<&str> = q
            .unpivot
            .iter()
            .flat_map(|u| {
                u.columns.iter().flat_map(|(_, k, m)| {
                    k.keys()
                        .map(String::as_str)
                        .chain(m.iter().map(String::as_str))
                })
            })
            .collect();
        let mut plans = Vec::with_capacity(self.schema.fields.len());
        for f in self.schema.fields {
            let plan = if let Some(c) = q.constants.get(f.name) {
                Plan::Constant(c.clone())
            } else if unpivot_keys.contains(f.name) {
                Plan::Unpivot
            } else if let Some(r) = q.columns.get(f.name) {
                match self.find_column(r, headers, f.name, pos, loc) {
                    Some(i) => Plan::Column(i),
                    None => {
                        self.ok = false;
                        Plan::Absent
                    }
                }
            } else if let Some(i) = headers.iter().position(|h| h == f.name) {
                Plan::Column(i)
            } else if matches!(f.ty, FieldType::Period | FieldType::Area) {
                let mut d = Diagnostic::error(
                    "V008",
                    loc.at(pos, 0),
                    format!("Pflichtfeld „{}“ ({}) hat keine Spalte", f.name, f.doc),
                );
                if let Some(s) = did_you_mean(f.name, headers.iter().map(String::as_str)) {
                    d = d.hint(format!("Meinten Sie die Spalte „{s}“?"));
                }
                self.report(d.hint(format!(
                    "Im Quellprofil unter [quellen.{}.spalten] „{} = \"Spaltenkopf\"“ eintragen.",
                    q.name, f.name
                )));
                self.ok = false;
                Plan::Absent
            } else {
                Plan::Absent
            };
            plans.push(plan);
        }
        // quality columns (`<header>_q`, GENESIS ffcsv) next to measure columns
        self.quality = plans
            .iter()
            .map(|p| match p {
                Plan::Column(i) => {
                    let qn = format!("{}_q", headers[*i]);
                    headers.iter().position(|h| *h == qn)
                }
                _ => None,
            })
            .collect();
        if let Some(u) = &q.unpivot {
            self.plan_unpivot(u, headers, pos, loc);
        }
        for (r, values) in &q.filter {
            if let Some(i) = self.find_column(r, headers, "filter", pos, loc) {
                self.filter.push((i, values.clone()));
            } else {
                self.ok = false;
            }
        }
        for (r, values) in &q.exclude {
            if let Some(i) = self.find_column(r, headers, "ausschliessen", pos, loc) {
                self.exclude.push((i, values.clone()));
            } else {
                self.ok = false;
            }
        }
        self.check_measures(&plans, headers, pos, loc);
        self.stats.fields = plans
            .iter()
            .zip(self.schema.fields)
            .filter(|(p, f)| {
                !matches!(p, Plan::Absent)
                    || q.unpivot.as_ref().is_some_and(|u| u.measure == f.name)
            })
            .map(|(_, f)| f.name)
            .collect();
        self.plans = plans;
        self.ok
    }

    fn reserve(&mut self, rows: usize) {
        self.out.reserve(rows * self.unpivot.len().max(1));
    }

    fn row(&mut self, cells: &[Cell], pos: RowPos, loc: &Locator) {
        let matches = |i: usize, values: &[String]| match cells.get(i) {
            Some(Cell::Text(t)) => values.iter().any(|v| v == t.trim()),
            Some(Cell::Number(n)) => values.iter().any(|v| v.parse::<f64>().ok() == Some(*n)),
            _ => false,
        };
        if self.filter.iter().any(|(i, v)| !matches(*i, v))
            || self.exclude.iter().any(|(i, v)| matches(*i, v))
        {
            self.stats.skipped += 1;
            return;
        }
        let line = match pos {
            RowPos::Text { line, .. } => line as u32,
            RowPos::Sheet { row } => row,
            RowPos::Record { row } => row as u32,
        };
        let mut vals = std::mem::take(&mut self.vals);
        // every slot is written below: a value is parsed straight into its slot, as
        // returning the 32-byte value and copying it stalled the processor on every field
        vals.resize(self.plans.len(), Val::Null);
        self.cur_period = None;
        self.band = None;
        let mut row_ok = true;
        let mut skip_row = false;
        // taken for the row so that parsing (which needs `&mut self`) can borrow the plans
        let plans = std::mem::take(&mut self.plans);
        for ((fi, plan), slot) in plans.iter().enumerate().zip(vals.iter_mut()) {
            let parsed = match plan {
                Plan::Absent | Plan::Unpivot => {
                    *slot = Val::Null;
                    Ok(())
                }
                Plan::Constant(c) => self.parse_text_field(fi, c, None, pos, loc, slot),
                &Plan::Column(ci) => {
                    let cell = cells.get(ci).copied().unwrap_or(Cell::Empty);
                    let qcell = self.quality[fi].and_then(|qi| cells.get(qi).copied());
                    self.parse_cell(fi, cell, qcell, ci, pos, loc, slot)
                }
            };
            match parsed {
                Ok(()) => {}
                Err(Skip::Row) => skip_row = true,
                Err(Skip::Bad) => row_ok = false,
            }
        }
        self.plans = plans;
        if skip_row {
            self.stats.skipped += 1;
            self.vals = vals;
            return;
        }
        if self.unpivot.is_empty() {
            if row_ok && self.check_parts(&vals, pos, loc) {
                self.accept(&mut vals, line);
            }
        } else {
            let unpivot = std::mem::take(&mut self.unpivot);
            let band = self.band.take();
            for (keys, contributions) in &unpivot {
                self.band = band.clone();
                let mut row = vals.clone();
                let mut ok = row_ok;
                for (fi, value) in keys {
                    if self
                        .parse_text_field(*fi, value, None, pos, loc, &mut row[*fi])
                        .is_err()
                    {
                        ok = false;
                    }
                }
                for (ci, measures) in contributions {
                    let cell = cells.get(*ci).copied().unwrap_or(Cell::Empty);
                    for &mi in measures {
                        let mut v = Val::Null;
                        match self.parse_cell(mi, cell, None, *ci, pos, loc, &mut v) {
                            Ok(()) => row[mi] = add(&row[mi], v),
                            Err(_) => ok = false,
                        }
                    }
                }
                if ok && self.check_parts(&row, pos, loc) {
                    self.accept(&mut row, line);
                }
            }
            self.unpivot = unpivot;
        }
        self.vals = vals;
    }
}

impl Split for Mapper<'_> {
    fn fork(&self) -> Self {
        Mapper {
            q: self.q,
            schema: self.schema,
            areas: self.areas,
            out: TableBuilder::new(self.schema),
            city: TableBuilder::new(self.schema),
            diags: Vec::new(),
            source: self.source,
            plans: self.plans.clone(),
            quality: self.quality.clone(),
            unpivot: self.unpivot.clone(),
            filter: self.filter.clone(),
            exclude: self.exclude.clone(),
            counts: BTreeMap::new(),
            unknown_areas: BTreeMap::new(),
            stats: SourceStats::default(),
            vals: Vec::new(),
            cur_period: None,
            ok: self.ok,
            value_maps: self.value_maps.clone(),
            code_texts: self.code_texts.clone(),
            parts: self.parts.clone(),
            memo_period: None,
            memo_area: None,
            last_seen: None,
            band: None,
            last_ages: None,
            digit_symbol: self.digit_symbol,
        }
    }

    fn join(&mut self, parts: &mut [Self]) {
        let mut outs: Vec<&mut TableBuilder> = parts.iter_mut().map(|p| &mut p.out).collect();
        self.out.append_all(&mut outs);
        for part in parts.iter_mut() {
            self.city.append(std::mem::replace(
                &mut part.city,
                TableBuilder::new(self.schema),
            ));
        }
        for part in parts {
            self.join_one(part);
        }
    }
}

impl Mapper<'_> {
    /// Takes over one fork's problems and statistics (its rows were taken over before); the
    /// fork keeps its memos of the last period and area, which stay right.
    fn join_one(&mut self, part: &mut Self) {
        // what the part showed, as long as its code has room left (file order is kept);
        // shown = min(count, MAX_PER_CODE) holds on both sides
        let mut shown: BTreeMap<&'static str, usize> = self
            .counts
            .iter()
            .map(|(c, n)| (*c, (*n).min(MAX_PER_CODE)))
            .collect();
        for d in part.diags.drain(..) {
            let s = shown.entry(d.code).or_insert(0);
            if *s < MAX_PER_CODE {
                *s += 1;
                self.diags.push(d);
            }
        }
        for (code, n) in std::mem::take(&mut part.counts) {
            *self.counts.entry(code).or_insert(0) += n;
        }
        for (area, n) in std::mem::take(&mut part.unknown_areas) {
            *self.unknown_areas.entry(area).or_insert(0) += n;
        }
        let stats = std::mem::take(&mut part.stats);
        part.last_seen = None;
        self.stats.rows += stats.rows;
        self.stats.skipped += stats.skipped;
        self.stats.periods.extend(stats.periods);
        for (k, v) in stats.ages {
            match self.stats.ages.entry(k) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(v);
                }
                std::collections::btree_map::Entry::Occupied(mut e) if v.1 < e.get().1 => {
                    e.insert(v);
                }
                _ => {}
            }
        }
        part.last_ages = None;
        for (area, periods) in stats.area_periods {
            self.stats
                .area_periods
                .entry(area)
                .or_default()
                .extend(periods);
        }
    }
}

/// Why a field yielded no value.
enum Skip {
    /// The value is wrong (a diagnostic was reported).
    Bad,
    /// The row is to be skipped without error (unknown area with `unbekannte = warnung/ignorieren`).
    Row,
}

impl Mapper<'_> {
    /// The unpivoted columns: per distinct set of key values, the columns and the measures
    /// they add to (columns with the same keys feed one row).
    fn plan_unpivot(
        &mut self,
        u: &crate::project::Unpivot,
        headers: &[String],
        pos: RowPos,
        loc: &Locator,
    ) {
        let field_index = |name: &str| self.schema.fields.iter().position(|f| f.name == name);
        let mut groups: Vec<UnpivotGroup> = Vec::new();
        let mut missing = false;
        for (h, keys, measures) in &u.columns {
            let r = if let Some(n) = h.strip_prefix('#').and_then(|n| n.parse().ok()) {
                ColumnRef::Position(n)
            } else {
                ColumnRef::Header(h.clone())
            };
            let Some(ci) = self.find_column(&r, headers, &u.measure, pos, loc) else {
                missing = true;
                continue;
            };
            let keys: Vec<(usize, String)> = keys
                .iter()
                .filter_map(|(k, v)| field_index(k).map(|fi| (fi, v.clone())))
                .collect();
            let measures: Vec<usize> = measures.iter().filter_map(|m| field_index(m)).collect();
            // columns with the same keys feed the same output row (their values add up)
            match groups.iter_mut().find(|(k, _)| *k == keys) {
                Some((_, cols)) => cols.push((ci, measures)),
                None => groups.push((keys, vec![(ci, measures)])),
            }
        }
        self.unpivot = groups;
        if missing {
            self.ok = false;
        }
    }

    /// A source needs a measure (V008), and a part ("darunter") its total in the same row.
    fn check_measures(&mut self, plans: &[Plan], headers: &[String], pos: RowPos, loc: &Locator) {
        let q = self.q;
        if !plans.iter().zip(self.schema.fields).any(|(p, f)| {
            f.role == Role::Measure
                && (!matches!(p, Plan::Absent)
                    || q.unpivot.as_ref().is_some_and(|u| u.measure == f.name))
        }) {
            let measures: Vec<&str> = self
                .schema
                .fields
                .iter()
                .filter(|f| f.role == Role::Measure)
                .map(|f| f.name)
                .collect();
            self.report(
                Diagnostic::error(
                    "V008",
                    loc.at(pos, 0),
                    format!(
                        "keine Zählgröße der Tabelle „{}“ hat eine Spalte (möglich: {})",
                        self.schema.id,
                        measures.join(", ")
                    ),
                )
                .hint(format!(
                    "Im Quellprofil unter [quellen.{}.spalten] mindestens eine Zählgröße zuordnen, z. B. „{} = \"Spaltenkopf\"“.",
                    q.name, measures[0]
                )),
            );
            self.ok = false;
        }
        // a part ("darunter") is read against its total in the same row
        let given = |name: &str| {
            self.schema
                .fields
                .iter()
                .position(|f| f.name == name)
                .is_some_and(|i| !matches!(plans[i], Plan::Absent))
                || q.unpivot.as_ref().is_some_and(|u| u.measure == name)
        };
        for (part, total) in self.schema.parts {
            if given(part) && !given(total) {
                let mut d = Diagnostic::error(
                    "V008",
                    loc.at(pos, 0),
                    format!("„{part}“ ist ein Teil von „{total}“, aber „{total}“ hat keine Spalte"),
                );
                if let Some(s) = did_you_mean(total, headers.iter().map(String::as_str)) {
                    d = d.hint(format!("Meinten Sie die Spalte „{s}“?"));
                }
                self.report(d.hint(format!(
                    "Im Quellprofil unter [quellen.{}.spalten] „{total} = \"Spaltenkopf\"“ eintragen: ein Teil braucht seine Gesamtzahl in derselben Zeile.",
                    q.name
                )));
                self.ok = false;
            }
        }
    }

    /// A whole number, honouring `fuehrende_zahl` and `versatz`.
    fn read_int(&self, field: &str, t: &str) -> Option<i64> {
        let digits = if self.q.leading_number.iter().any(|f| f == field) {
            let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
            &t[..end]
        } else {
            t
        };
        let v: i64 = digits.parse().ok()?;
        Some(v + self.q.offsets.get(field).copied().unwrap_or(0))
    }

    /// An age group (`3 bis unter 6`), shifted by `versatz` like a single age.
    fn read_age_group(&self, t: &str, min: i64, max: i64) -> Option<(i64, i64)> {
        let off = self.q.offsets.get("alter").copied().unwrap_or(0);
        let (lo, hi) = super::values::parse_age_group(t, min - off, max - off)?;
        Some((lo + off, hi + off))
    }

    /// Writes the age group's upper end into `alter_bis` and records the row's ages.
    fn note_ages(&mut self, vals: &mut [Val], line: u32) {
        let band = self.band.take();
        let Some(ai) = self.schema.fields.iter().position(|f| f.name == "alter") else {
            return;
        };
        let Val::Int(lo) = vals[ai] else { return };
        let bi = ai + 1; // `alter_bis` follows `alter` (schema)
        let hi = match (&band, &vals[bi]) {
            (Some((hi, _)), _) => {
                vals[bi] = Val::Int(*hi);
                *hi
            }
            (None, Val::Int(hi)) => *hi,
            (None, _) => lo,
        };
        let mut h = crate::fxhash::FxHasher::default();
        for (f, v) in self.schema.fields.iter().zip(vals.iter()) {
            if let (FieldType::Code(_), Val::Code(c)) = (f.ty, v) {
                std::hash::Hash::hash(&(f.name, *c), &mut h);
            }
        }
        let key = (std::hash::Hasher::finish(&h), lo, hi);
        if self.last_ages != Some(key) {
            self.last_ages = Some(key);
            let text = band.map_or_else(|| lo.to_string(), |(_, t)| t);
            self.stats.ages.entry(key).or_insert((text, line));
        }
    }

    fn accept(&mut self, vals: &mut [Val], line: u32) {
        self.note_ages(vals, line);
        let mut period = None;
        let mut area = None;
        for v in vals.iter() {
            match v {
                Val::Period(p) => period = Some(*p),
                Val::Area(a) => area = Some(*a),
                _ => {}
            }
        }
        if let (Some(p), Some(a)) = (period, area) {
            if a == GESAMTSTADT {
                self.city.push(vals, self.source, line);
                self.stats.rows += 1;
                return;
            }
            // rows come in runs of the same area and period: record each run once
            if self.last_seen != Some((a, p)) {
                self.last_seen = Some((a, p));
                self.stats.periods.insert(p);
                self.stats.area_periods.entry(a).or_default().insert(p);
            }
            self.out.push(vals, self.source, line);
            self.stats.rows += 1;
        }
    }

    /// Parts may not exceed their totals within a row (`darunter` ≤ `insgesamt`).
    fn check_parts(&mut self, vals: &[Val], pos: RowPos, loc: &Locator) -> bool {
        let mut ok = true;
        for k in 0..self.parts.len() {
            let (pi, ti) = self.parts[k];
            let (part, total) = (self.schema.fields[pi].name, self.schema.fields[ti].name);
            let num = |v: &Val| match v {
                Val::Count(Some(x), _) => Some(*x as f64),
                Val::Amount(Some(x), _) => Some(*x),
                _ => None,
            };
            if let (Some(p), Some(t)) = (num(&vals[pi]), num(&vals[ti])) {
                let tolerance = self.q.rounded_to.map_or(0.0, f64::from);
                if p > t + tolerance {
                    let col = match self.plans[pi] {
                        Plan::Column(c) => c,
                        _ => 0,
                    };
                    self.report(
                        Diagnostic::error(
                            "V305",
                            loc.at(pos, col),
                            format!("„{part}“ ({p}) ist größer als „{total}“ ({t})"),
                        )
                        .hint(format!("„{part}“ ist ein Teil von „{total}“ (darunter); Spaltenzuordnung und Werte prüfen.")),
                    );
                    ok = false;
                }
            }
        }
        ok
    }

    /// Parses one cell for field `fi`.
    #[allow(clippy::too_many_arguments)]
    fn parse_cell(
        &mut self,
        fi: usize,
        cell: Cell,
        quality: Option<Cell>,
        col: usize,
        pos: RowPos,
        loc: &Locator,
        slot: &mut Val,
    ) -> Result<(), Skip> {
        let f = &self.schema.fields[fi];
        // no field of the data format holds this much: refused before any message quotes it
        // (200 cells of 40 MB each once cost 16 GB of copying)
        if let Cell::Text(t) = cell
            && t.len() > MAX_VALUE_BYTES
        {
            self.report(
                Diagnostic::error(
                    "V110",
                    loc.at(pos, col),
                    format!(
                        "Wert für „{}“ ist {} Zeichen lang (höchstens {})",
                        f.name,
                        crate::format::integer(t.chars().count() as i64),
                        crate::format::integer(MAX_VALUE_BYTES as i64)
                    ),
                )
                .hint("Ist die Spalte richtig zugeordnet und die Datei unbeschädigt?"),
            );
            return Err(Skip::Bad);
        }
        match (f.ty, cell) {
            (FieldType::Count | FieldType::Amount, _) => {
                self.parse_measure(fi, cell, quality, col, pos, loc, slot)
            }
            (_, Cell::Text(t)) => self.parse_text_field(fi, t, Some(col), pos, loc, slot),
            (_, Cell::Number(n)) => {
                let text = if n.fract() == 0.0 && n.abs() < 1e15 {
                    format!("{}", n as i64)
                } else {
                    format!("{n}")
                };
                self.parse_text_field(fi, &text, Some(col), pos, loc, slot)
            }
            (FieldType::Period, Cell::Date(d)) => match self.q.period_kind {
                PeriodKind::Stichtag => {
                    self.cur_period = Some(Period::Stichtag(d));
                    *slot = Val::Period(Period::Stichtag(d));
                    Ok(())
                }
                PeriodKind::Monat => {
                    let p = Period::Monat {
                        year: d.year,
                        month: d.month,
                    };
                    self.cur_period = Some(p);
                    *slot = Val::Period(p);
                    Ok(())
                }
                _ => {
                    self.report(
                        Diagnostic::error(
                            "V204",
                            loc.at(pos, col),
                            format!(
                                "Datum {d} passt nicht zur Zeitart „{}“",
                                self.q.period_kind.label()
                            ),
                        )
                        .hint("Schuljahre als Text „2025/26“ schreiben oder zeit.art anpassen."),
                    );
                    Err(Skip::Bad)
                }
            },
            (_, Cell::Date(d)) => {
                self.parse_text_field(fi, &d.to_string(), Some(col), pos, loc, slot)
            }
            (_, Cell::Error) => {
                self.report(
                    Diagnostic::error("V101", loc.at(pos, col), "Excel-Fehlerwert in der Zelle")
                        .hint("Die Formel in Excel korrigieren oder den Wert eintragen."),
                );
                Err(Skip::Bad)
            }
            (_, Cell::Empty) => self.parse_text_field(fi, "", Some(col), pos, loc, slot),
        }
    }

    /// Parses a textual key, attribute or time value (after the profile's value mapping).
    #[allow(clippy::too_many_arguments)]
    fn parse_text_field(
        &mut self,
        fi: usize,
        raw: &str,
        col: Option<usize>,
        pos: RowPos,
        loc: &Locator,
        slot: &mut Val,
    ) -> Result<(), Skip> {
        let f = &self.schema.fields[fi];
        let trimmed = super::values::trim(raw);
        if let Some(&(_, code)) = self.code_texts[fi].iter().find(|(c, _)| *c == trimmed) {
            *slot = Val::Code(code);
            return Ok(());
        }
        let mapped = self.value_maps[fi].and_then(|m| m.get(trimmed));
        let t = mapped.unwrap_or(trimmed);
        let at = || -> Location { col.map_or_else(|| loc.at(pos, 0), |c| loc.at(pos, c)) };
        if t.is_empty() {
            if f.role == Role::Attribute {
                *slot = Val::Null;
                return Ok(());
            }
            if f.role == Role::Key && !f.required {
                *slot = Val::Null;
                return Ok(());
            }
            let d =
                Diagnostic::error("V107", at(), format!("„{}“ ist leer", f.name)).hint(format!(
                    "Jede Zeile braucht einen Wert für „{}“ ({}).",
                    f.name, f.doc
                ));
            self.report(d);
            return Err(Skip::Bad);
        }
        match f.ty {
            FieldType::Period if self.memo_period.as_ref().is_some_and(|(k, _)| k == t) => {
                let p = self.memo_period.as_ref().map(|m| m.1);
                self.cur_period = p;
                *slot = p.map_or(Val::Null, Val::Period);
                Ok(())
            }
            FieldType::Period => match parse_period(t, self.q.period_kind, self.q.bare_year) {
                Ok(p) => {
                    self.cur_period = Some(p);
                    self.memo_period = Some((t.to_string(), p));
                    *slot = Val::Period(p);
                    Ok(())
                }
                Err(e) => {
                    let kind = self.q.period_kind;
                    let d = match e {
                        PeriodError::BadSchoolYear => Diagnostic::error("V202", at(), format!("„{t}“ ist kein Schuljahr in der Form JJJJ/JJ"))
                            .hint("Schuljahre als 2023/24 oder 2023/2024 schreiben; die zweite Jahreszahl folgt auf die erste."),
                        PeriodError::BareYear => Diagnostic::error("V203", at(), format!("„{t}“ ist eine bloße Jahreszahl; für {} ist nicht festgelegt, was sie bedeutet", kind.einen()))
                            .hint(match kind {
                                PeriodKind::Schuljahr => "Im Quellprofil zeit = { art = \"schuljahr\", nacktes_jahr = \"beginn\" } (2023 = 2023/24) oder \"ende\" (2023 = 2022/23) setzen.",
                                _ => "Im Quellprofil zeit = { art = \"stichtag\", nacktes_jahr = \"31.12.\" } setzen (Tag und Monat des Stichtags).",
                            }),
                        PeriodError::WrongKind(other) => Diagnostic::error("V204", at(), format!("„{t}“ ist ein {}, das Quellprofil erwartet {}", other.label(), kind.einen()))
                            .hint("zeit.art im Quellprofil prüfen oder die Spaltenzuordnung für „zeit“ korrigieren."),
                        PeriodError::Unreadable => Diagnostic::error("V201", at(), format!("„{t}“ ist {}", kind.kein_gueltiger()))
                            .hint(match kind {
                                PeriodKind::Stichtag => "Stichtage als 31.12.2025 oder 2025-12-31 schreiben.",
                                PeriodKind::Schuljahr => "Schuljahre als 2025/26 schreiben.",
                                PeriodKind::Monat => "Monate als 2026-10 oder 10/2026 schreiben.",
                                PeriodKind::Kalenderjahr => "Kalenderjahre als 2025 schreiben.",
                            }),
                    };
                    self.report(d);
                    Err(Skip::Bad)
                }
            },
            FieldType::Area => {
                // "01 Altstadt - Lehel" is Stadtteil 01 with `fuehrende_zahl = ["gebiet"]`
                let t = if self.q.leading_number.iter().any(|n| n == f.name) {
                    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
                    if end > 0 { &t[..end] } else { t }
                } else {
                    t
                };
                if let Some((k, p, i)) = &self.memo_area
                    && k == t
                    && *p == self.cur_period
                {
                    *slot = Val::Area(*i);
                    return Ok(());
                }
                let key = self.q.area_key;
                if let Some(i) = self.areas.lookup(key, t) {
                    let s = &self.areas.gebiete.stadtteile[i as usize];
                    if let Some(p) = self.cur_period
                        && (s.gueltig_ab.is_some_and(|a| reference_day(p) < a)
                            || s.gueltig_bis.is_some_and(|b| reference_day(p) > b))
                    {
                        let range = format!(
                            "{} bis {}",
                            s.gueltig_ab.map_or("…".into(), |d| d.to_string()),
                            s.gueltig_bis.map_or("…".into(), |d| d.to_string())
                        );
                        self.report(
                            Diagnostic::error("V302", at(), format!("{} {} gibt es zum Zeitpunkt {p} nicht (gültig {range})", s.nr, s.name))
                                .hint("Gebietsstand der Lieferung prüfen; bei Gebietsreformen die Werte dem neuen Gebiet zuordnen."),
                        );
                        return Err(Skip::Bad);
                    }
                    self.memo_area = Some((t.to_string(), self.cur_period, i));
                    *slot = Val::Area(i);
                    return Ok(());
                }
                if self.areas.gebiete.is_gesamtstadt(t) {
                    *slot = Val::Area(GESAMTSTADT);
                    return Ok(());
                }
                match self.q.unknown_areas {
                    Unbekannte::Fehler => {
                        let what = match key {
                            AreaKey::Nr => "Stadtteil-Nr.",
                            AreaKey::Name => "Stadtteilname",
                            AreaKey::Ags => "AGS",
                        };
                        let mut d = Diagnostic::error(
                            "V301",
                            at(),
                            format!(
                                "unbekanntes Gebiet: {what} „{t}“ steht nicht in der Gebietsgliederung"
                            ),
                        );
                        if let Some(s) = self.areas.suggestion(key, t) {
                            d = d.hint(format!("Meinten Sie {s}?"));
                        } else if let Some(s) = did_you_mean(
                            t,
                            self.areas.gebiete.gesamtstadt.iter().map(String::as_str),
                        ) {
                            d = d.hint(format!("Meinten Sie „{s}“ (Zeile für die ganze Stadt)?"));
                        }
                        d = d.hint("Schreibweise prüfen, das Gebiet in der Gebietsdatei ergänzen oder gebiet.unbekannte = \"warnung\" setzen, um solche Zeilen zu überspringen.");
                        self.report(d);
                        Err(Skip::Bad)
                    }
                    Unbekannte::Warnung | Unbekannte::Ignorieren => {
                        *self.unknown_areas.entry(t.to_string()).or_insert(0) += 1;
                        Err(Skip::Row)
                    }
                }
            }
            FieldType::Int { min, max } => match self.read_int(f.name, t) {
                Some(v) if (min..=max).contains(&v) => {
                    *slot = Val::Int(v);
                    Ok(())
                }
                None if f.name == "alter"
                    && let Some((lo, hi)) = self.read_age_group(t, min, max) =>
                {
                    *slot = Val::Int(lo);
                    if hi != lo {
                        self.band = Some((hi, t.to_string()));
                    }
                    Ok(())
                }
                _ => {
                    let mut d = Diagnostic::error(
                        "V105",
                        at(),
                        format!(
                            "„{t}“ ist für „{}“ keine ganze Zahl von {min} bis {max}",
                            f.name
                        ),
                    );
                    if f.name == "alter" && !t.chars().all(|c| c.is_ascii_digit()) {
                        d = d.hint(format!("Altersgruppen werden gelesen, wenn sie wie „3 bis unter 6“, „unter 3“, „0-2“ oder „65 und älter“ geschrieben sind; eine andere Schreibweise unter [quellen.{}.werte] zuordnen, z. B. alter = {{ \"{t}\" = \"3-5\" }}.", self.q.name));
                    } else if mapped.is_none() && t.chars().any(|c| !c.is_ascii_digit()) {
                        d = d.hint(format!("Eine Ausprägung wie „{t}“ lässt sich unter [quellen.{}.werte] auf eine Zahl abbilden, z. B. {} = {{ \"{t}\" = \"{min}\" }}.", self.q.name, f.name));
                    }
                    self.report(d);
                    Err(Skip::Bad)
                }
            },
            FieldType::Code(codes) => match code_index(codes, t) {
                Some(i) => {
                    *slot = Val::Code(i);
                    Ok(())
                }
                None => {
                    let mut d = Diagnostic::error(
                        "V106",
                        at(),
                        format!("„{t}“ ist kein erlaubter Wert für „{}“", f.name),
                    );
                    // the nearest allowed text: a code, or a text the profile maps to one
                    // („weiblch“ → „weiblich“, which stands for w)
                    let known: Vec<(&str, &str)> = codes
                        .iter()
                        .map(|c| (*c, *c))
                        .chain(
                            self.value_maps[fi]
                                .into_iter()
                                .flat_map(|m| m.map.iter())
                                .filter_map(|(k, v)| {
                                    code_index(codes, v).map(|i| (k.as_str(), codes[i as usize]))
                                }),
                        )
                        .collect();
                    let guess = did_you_mean(t, known.iter().map(|(text, _)| *text))
                        .and_then(|g| known.iter().find(|(text, _)| *text == g));
                    if let Some((s, _)) = guess {
                        d = d.hint(format!("Meinten Sie „{s}“?"));
                    }
                    // a usual spelling ("männlich" → m) makes the example
                    let usual = crate::schema::code_for(f.name, t).filter(|c| codes.contains(c));
                    let example = match usual.or(guess.map(|(_, code)| *code)) {
                        Some(code) => format!("\"{t}\" = \"{code}\""),
                        None => format!("\"{t}\" = \"…\" mit einem der erlaubten Werte"),
                    };
                    d = d.hint(format!(
                        "Erlaubt: {}. Eigene Bezeichnungen unter [quellen.{}.werte.{}] zuordnen, z. B. {example}.",
                        codes.join(", "),
                        self.q.name,
                        f.name,
                    ));
                    self.report(d);
                    Err(Skip::Bad)
                }
            },
            FieldType::Id | FieldType::Text => {
                *slot = Val::Str(t.to_string());
                Ok(())
            }
            FieldType::Count | FieldType::Amount => {
                let c = col.unwrap_or(0);
                self.parse_measure(fi, Cell::Text(t), None, c, pos, loc, slot)
            }
        }
    }

    /// Parses a count or amount, honouring symbols and the quality column.
    #[allow(clippy::too_many_arguments)]
    fn parse_measure(
        &mut self,
        fi: usize,
        cell: Cell,
        quality: Option<Cell>,
        col: usize,
        pos: RowPos,
        loc: &Locator,
        slot: &mut Val,
    ) -> Result<(), Skip> {
        let f = &self.schema.fields[fi];
        let is_count = f.ty == FieldType::Count;
        let missing = |r: MissingReason| -> Val {
            let zero = (r == MissingReason::Nichts).then_some(0);
            if is_count {
                Val::Count(zero, Some(r))
            } else {
                Val::Amount(zero.map(|z| z as f64), Some(r))
            }
        };
        let q_reason = match quality {
            Some(Cell::Text(t)) if !t.trim().is_empty() => symbol(t, &self.q.symbols),
            _ => None,
        };
        let value = match cell {
            Cell::Number(n) => Ok(n),
            Cell::Empty => {
                if let Some(r) = q_reason.or(self.q.empty) {
                    *slot = missing(r);
                    return Ok(());
                }
                if !f.required {
                    *slot = if is_count {
                        Val::Count(None, None)
                    } else {
                        Val::Amount(None, None)
                    };
                    return Ok(());
                }
                self.report(
                    Diagnostic::error("V108", loc.at(pos, col), format!("leere Zelle in der Pflichtspalte „{}“", f.name))
                        .hint("Einen Wert oder ein Zeichen der Zeichenerklärung eintragen: - (nichts vorhanden), . (geheim), x (nicht sinnvoll), / (unsicher), ... (später).")
                        .hint(format!("Bedeutet eine leere Zelle in dieser Lieferung „nichts vorhanden“, im Quellprofil [quellen.{}] leer = \"nichts\" setzen.", self.q.name)),
                );
                return Err(Skip::Bad);
            }
            // plain digits are by far the most common cell: no symbol can look like that
            // digits first (no symbol list to search), unless the profile made digits a symbol
            Cell::Text(t) => match plain_digits(t).filter(|_| !self.digit_symbol) {
                Some(v) => Ok(v),
                None => {
                    if t.trim().is_empty() {
                        return self.parse_measure(fi, Cell::Empty, quality, col, pos, loc, slot);
                    }
                    if let Some(r) = symbol(t, &self.q.symbols) {
                        *slot = missing(r);
                        return Ok(());
                    }
                    parse_number(t, self.q.decimal, self.q.thousands)
                        .map_err(|e| (e, t.trim().to_string()))
                }
            },
            Cell::Date(_) | Cell::Error => {
                Err((NumberError::NotANumber, "(keine Zahl)".to_string()))
            }
        };
        let v = match value {
            Ok(v) => v,
            Err((e, t)) => {
                let d = match e {
                    NumberError::Ambiguous => Diagnostic::error(
                        "V103",
                        loc.at(pos, col),
                        format!("„{t}“ ist mehrdeutig: Tausendertrennzeichen oder Dezimalzeichen?"),
                    )
                    .hint(format!(
                        "Die Quelle hat das Dezimalzeichen „{}“. Trennt „{}“ Tausender, tausenderzeichen = \"{}\" setzen; sonst dezimalzeichen anpassen.",
                        self.q.decimal,
                        if self.q.decimal == ',' { '.' } else { ',' },
                        if self.q.decimal == ',' { '.' } else { ',' }
                    )),
                    _ => {
                        let symbols: Vec<&str> = self.q.symbols.iter().map(|(s, _)| s.as_str()).collect();
                        Diagnostic::error("V101", loc.at(pos, col), format!("„{t}“ ist keine Zahl ({})", f.name)).hint(format!(
                            "Zahlen ohne Einheit schreiben. Bekannte Zeichen: {}; eigene Zeichen unter [quellen.{}.symbole] erklären, z. B. \"{t}\" = \"geheim\".",
                            symbols.join(" "),
                            self.q.name
                        ))
                    }
                };
                self.report(d);
                return Err(Skip::Bad);
            }
        };
        if v < 0.0 {
            self.report(
                Diagnostic::error(
                    "V102",
                    loc.at(pos, col),
                    format!("negative Anzahl „{}“ in „{}“", fmt_num(v), f.name),
                )
                .hint(
                    "Anzahlen und Stunden müssen ≥ 0 sein; bitte den Export der Quelldatei prüfen.",
                ),
            );
            return Err(Skip::Bad);
        }
        if !is_count {
            *slot = Val::Amount(Some(v), q_reason);
            return Ok(());
        }
        // v ≥ 0 here; a round trip through i64 shows a whole number without the libm call
        // of `fract` (once per count at federal scale)
        if v.is_nan() || v > 9.0e15 || (v as i64) as f64 != v {
            self.report(
                Diagnostic::error("V104", loc.at(pos, col), format!("„{}“ ist keine ganze Zahl, „{}“ zählt Personen", fmt_num(v), f.name))
                    .hint("Fallzahlen sind ganze Zahlen; steht hier ein Anteil oder ein Durchschnitt, ist die Spalte falsch zugeordnet."),
            );
            return Err(Skip::Bad);
        }
        let n = v as i64;
        if let Some(r) = self.q.rounded_to
            && n % i64::from(r) != 0
        {
            self.report(
                Diagnostic::warning("V109", loc.at(pos, col), format!("{n} ist kein Vielfaches von {r}, obwohl die Quelle als gerundet beschrieben ist"))
                    .hint("„gerundet_auf“ im Quellprofil prüfen."),
            );
        }
        *slot = Val::Count(Some(n), q_reason);
        Ok(())
    }
}

/// Sums two measure values; a missing part makes the sum missing (with the part's reason).
fn add(a: &Val, b: Val) -> Val {
    match (a, b) {
        (Val::Null, b) => b,
        (Val::Count(Some(x), ra), Val::Count(Some(y), rb)) => Val::Count(Some(x + y), ra.or(rb)),
        (Val::Count(_, ra), Val::Count(_, rb)) => Val::Count(None, ra.or(rb)),
        (Val::Amount(Some(x), ra), Val::Amount(Some(y), rb)) => Val::Amount(Some(x + y), ra.or(rb)),
        (Val::Amount(_, ra), Val::Amount(_, rb)) => Val::Amount(None, ra.or(rb)),
        (_, b) => b,
    }
}

/// The day a period refers to, for validity ranges of areas.
pub fn reference_day(p: Period) -> Date {
    let fallback = Date {
        year: p.year(),
        month: 12,
        day: 31,
    };
    match p {
        Period::Stichtag(d) => d,
        Period::Schuljahr(y) => Date::new(y, 9, 1).unwrap_or(fallback),
        Period::Kalenderjahr(y) => Date::new(y, 12, 31).unwrap_or(fallback),
        Period::Monat { year, month } => Date::new(year, month, 1).unwrap_or(fallback),
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}").replace('.', ",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_map_finds_every_key_and_nothing_else() {
        let long = "x".repeat(70);
        let longer = "y".repeat(64);
        let map: BTreeMap<String, String> = [
            ("90 und älter", "90"),
            ("männlich", "m"),
            ("", "leer"),
            (long.as_str(), "lang"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let m = ValueMap::new(&map);
        for (k, v) in &map {
            assert_eq!(m.get(k), Some(v.as_str()), "{k:?}");
        }
        for t in [
            "0",
            "89",
            "weiblich",
            "90 und jünger",
            longer.as_str(),
            "männlic",
        ] {
            assert_eq!(m.get(t), None, "{t:?}");
        }
    }

    /// The quick code lookup gives what the value mapping and the code list give, and
    /// nothing for texts that need the full way (unknown, mapped to a non-code, emptied).
    #[test]
    fn code_texts_agree_with_mapping_then_code_list() {
        let field = crate::schema::schema(crate::schema::TableKind::Bevoelkerung)
            .fields
            .iter()
            .find(|f| f.name == "geschlecht")
            .unwrap();
        let FieldType::Code(codes) = field.ty else {
            panic!("geschlecht is a code field")
        };
        let map: BTreeMap<String, String> = [
            ("männlich", "m"),
            ("weiblich", "w"),
            ("w", "d"),
            ("x", "unbekannt"),
            ("d", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for map in [None, Some(&map)] {
            let texts = code_texts(field, map);
            for t in [
                "m",
                "w",
                "d",
                "insgesamt",
                "männlich",
                "weiblich",
                "x",
                "",
                "M",
            ] {
                let slow = map.and_then(|m| m.get(t)).map_or(t, String::as_str);
                let want = codes.iter().position(|c| *c == slow).map(|i| i as u16);
                let quick = texts.iter().find(|(c, _)| *c == t).map(|&(_, i)| i);
                assert_eq!(quick, want, "{t:?} with {map:?}");
            }
        }
        let plain = ValueMap::new(&map);
        assert_eq!(plain.get("w"), Some("d"));
        let other = crate::schema::schema(crate::schema::TableKind::Bevoelkerung)
            .fields
            .iter()
            .find(|f| !matches!(f.ty, FieldType::Code(_)))
            .unwrap();
        assert!(code_texts(other, Some(&map)).is_empty());
        let long: BTreeMap<String, String> = (0..MAX_CODE_TEXTS)
            .map(|i| (format!("Schule {i}"), "m".to_string()))
            .collect();
        assert!(code_texts(field, Some(&long)).is_empty());
    }
}
