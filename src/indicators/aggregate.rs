//! Filtering and summing one numerator or denominator with polars (lazy): the catalogue's
//! filter becomes an expression, the breakdown a grouping column, weights and factors a
//! multiplier; the result is one sum per period, Stadtteil, group (and age).

use super::Groups;
use super::Luecke;
use super::frames::{Frames, ORT_ZEIT};
use crate::catalogue::{Aufschluesselung, FilterValue, Teil, parse_filter_value};
use crate::domain::Period;
use crate::schema::{self, FieldType};
use anyhow::{Context, Result};
use polars::prelude::*;

/// Sums of one cell.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sums {
    /// Sum of the present values (weighted).
    pub sum: f64,
    /// Source rows whose value is a symbol (`.`, `x` …) or not delivered.
    pub missing: u64,
    /// Rows that contributed.
    pub rows: u64,
    /// Rows whose measure was not delivered at all (absent optional column).
    pub absent: u64,
}

impl Sums {
    /// No rows at all.
    pub const MISSING: Sums = Sums {
        sum: 0.0,
        missing: 0,
        rows: 0,
        absent: 0,
    };

    /// Adds two cells.
    pub fn plus(self, o: Sums) -> Sums {
        Sums {
            sum: self.sum + o.sum,
            missing: self.missing + o.missing,
            rows: self.rows + o.rows,
            absent: self.absent + o.absent,
        }
    }

    /// The total, or why there is none.
    pub fn total(self) -> std::result::Result<f64, Luecke> {
        if self.rows == 0 || self.absent == self.rows {
            Err(Luecke::KeineDaten)
        } else if self.missing > 0 || self.absent > 0 {
            Err(Luecke::Unvollstaendig)
        } else {
            Ok(self.sum)
        }
    }
}

/// Key of a sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    /// Period.
    pub zeit: Period,
    /// Stadtteil id (see [`Areas`]).
    pub gebiet: u32,
    /// Breakdown value id (see [`Groups`]).
    pub gruppe: Option<u32>,
    /// Age (Quotensumme only).
    pub alter: Option<i64>,
}

/// Sums of `teil` per period, Stadtteil, group (and age), sorted by key. `ages` limits the
/// rows to ages from..=to (the Quotensumme's denominator to the numerator's ages).
pub fn sums(
    frames: &Frames,
    groups: &mut Groups,
    teil: &Teil,
    breakdown: Option<&Aufschluesselung>,
    by_age: bool,
    ages: Option<(i64, i64)>,
) -> Result<Vec<(Key, Sums)>> {
    let mut out = Vec::new();
    let Some(df) = frames.tables.get(&teil.tabelle) else {
        return Ok(out);
    };
    let s = schema::schema(teil.tabelle);
    let mut lf = df.clone().lazy();
    let bands = df
        .column("alter_bis")
        .is_ok_and(|c| c.null_count() < c.len());

    // Filters from the definition.
    for (field, values) in &teil.filter {
        let Some(f) = s.field(field) else { continue };
        lf = lf.filter(filter_expr(field, f.ty, values, bands));
    }
    if let Some((from, to)) = ages {
        lf = lf.filter(
            col("alter")
                .gt_eq(lit(from))
                .and(col("alter").lt_eq(lit(to))),
        );
    }
    // Total rows: a code field with `insgesamt` that the definition does not mention is read
    // from its `insgesamt` rows where the table has them, otherwise from the parts.
    for f in s.fields {
        let FieldType::Code(codes) = f.ty else {
            continue;
        };
        if !codes.contains(&"insgesamt")
            || teil.filter.contains_key(f.name)
            || breakdown.is_some_and(|b| b.feld == f.name)
        {
            continue;
        }
        // without `insgesamt` rows every row is a part: no filter (at federal scale it
        // copied the 20 M population rows for each aggregation only to keep all of them)
        if frames.has_totals(teil.tabelle, f.name) {
            lf = lf.filter(col(f.name).eq(lit("insgesamt")));
        }
    }
    // A breakdown by a field with totals shows the parts only.
    if let Some(b) = breakdown
        && matches!(s.field(&b.feld).map(|f| f.ty), Some(FieldType::Code(c)) if c.contains(&"insgesamt"))
    {
        lf = lf.filter(col(b.feld.as_str()).neq(lit("insgesamt")));
    }
    // One integer key per row packs period, area, band and age: polars groups a single
    // integer column without encoding rows (several key columns cost a copy of every key
    // per aggregation). Raw breakdown values (no bands) stay a second, text key.
    anyhow::ensure!(
        frames.periods.len() < 1 << 16,
        "Kennzahlen: mehr als 65.535 Zeitpunkte"
    );
    let mut band_labels: Vec<&str> = Vec::new();
    let mut raw_group: Option<Expr> = None;
    let band = match breakdown {
        None => lit(0u32),
        Some(b) => {
            let f = s.field(&b.feld).context("Aufschlüsselungsfeld")?;
            if b.gruppen.is_empty() {
                raw_group = Some(col(&b.feld).cast(DataType::String).alias("gruppe"));
                lit(0u32)
            } else {
                anyhow::ensure!(
                    b.gruppen.len() < 255,
                    "Kennzahlen: mehr als 254 Gruppen in der Aufschlüsselung nach {}",
                    b.feld
                );
                // code 0: outside every band; the first matching band wins
                let mut e = lit(0u32);
                band_labels = b.gruppen.keys().map(String::as_str).collect();
                for (i, v) in b.gruppen.values().enumerate().rev() {
                    e = when(filter_expr(&b.feld, f.ty, std::slice::from_ref(v), bands))
                        .then(lit(i as u32 + 1))
                        .otherwise(e);
                }
                e
            }
        }
    };
    // period and area are packed once per run (see [`ORT_ZEIT`]); band and age only where
    // there are any (each term is a pass over every row)
    let mut packed = col(ORT_ZEIT);
    if !band_labels.is_empty() {
        packed = packed + band.cast(DataType::UInt64) * lit(1u64 << 8);
    }
    if by_age {
        anyhow::ensure!(
            matches!(s.field("alter").map(|f| f.ty), Some(FieldType::Int { min, max }) if min >= 0 && max < 255),
            "Kennzahlen: Quotensumme über eine Tabelle ohne Alter 0–254"
        );
        packed = packed + (col("alter").cast(DataType::UInt64) + lit(1u64)).fill_null(lit(0u64));
    }
    let packed = packed.alias("schluessel");
    // Weights per age (Konstanz: age 6 counts half); a factor of 1 is left out (exact either
    // way, but each product is a pass over every row).
    let mut value = col(&teil.wert).cast(DataType::Float64);
    if !teil.gewichte.is_empty() {
        let mut weight = lit(1.0);
        for (age, w) in teil.gewichte.iter().rev() {
            if let Ok(a) = age.parse::<i64>() {
                weight = when(col("alter").eq(lit(a)))
                    .then(lit(*w))
                    .otherwise(weight);
            }
        }
        value = value * weight;
    }
    if teil.faktor != 1.0 {
        value = value * lit(teil.faktor);
    }
    let grund = format!("{}_grund", teil.wert);
    let mut keys = vec![packed];
    keys.extend(raw_group.clone());
    let mut aggs = vec![
        value.sum().alias("summe"),
        len().cast(DataType::UInt64).alias("zeilen"),
    ];
    // missing values are counted only where the column has any
    let has_missing = df.column(&teil.wert).is_ok_and(|c| c.null_count() > 0);
    if has_missing {
        // missing values with a reason (`fehlend`) and without one (`ohne`)
        let missing = |reason: Expr| {
            col(&teil.wert)
                .is_null()
                .and(reason)
                .cast(DataType::UInt64)
                .sum()
        };
        aggs.push(missing(col(&grund).is_not_null()).alias("fehlend"));
        aggs.push(missing(col(&grund).is_null()).alias("ohne"));
    }
    let agg = lf.group_by(keys).agg(aggs);
    let res = anyhow::Context::context(agg.collect(), "Kennzahlen: polars-Auswertung")?;
    let schluessel = res.column("schluessel")?.u64()?.clone();
    let gruppe = match raw_group {
        Some(_) => Some(res.column("gruppe")?.str()?.clone()),
        None => None,
    };
    let summe = res.column("summe")?.f64()?.clone();
    let count = |name: &str| -> Result<Option<UInt64Chunked>> {
        Ok(if has_missing {
            Some(res.column(name)?.u64()?.clone())
        } else {
            None
        })
    };
    let (fehlend, ohne) = (count("fehlend")?, count("ohne")?);
    let zeilen = res.column("zeilen")?.u64()?.clone();
    for i in 0..res.height() {
        // null: a row without period or area
        let Some(k) = schluessel.get(i) else { continue };
        let (z, gebiet) = ((k >> 40) as usize, ((k >> 16) & 0xFF_FFFF) as u32);
        let (band, age) = ((k >> 8) & 0xFF, k & 0xFF);
        let label = match &gruppe {
            Some(g) => g.get(i),
            None => band_labels.get((band as usize).wrapping_sub(1)).copied(),
        };
        if breakdown.is_some() && label.is_none() {
            continue; // rows outside every band
        }
        out.push((
            Key {
                zeit: frames.periods[z],
                gebiet,
                gruppe: label.map(|l| groups.id(l)),
                alter: (age > 0).then(|| age as i64 - 1),
            },
            Sums {
                sum: summe.get(i).unwrap_or(0.0),
                missing: fehlend.as_ref().and_then(|c| c.get(i)).unwrap_or(0),
                rows: zeilen.get(i).unwrap_or(0),
                absent: ohne.as_ref().and_then(|c| c.get(i)).unwrap_or(0),
            },
        ));
    }
    // one entry per key (the group-by's); sorted, so that sums over areas run in key order
    out.sort_unstable_by_key(|e| e.0);
    Ok(out)
}

/// `values` as a polars expression: inclusions OR-ed, `!x` exclusions AND-ed. With `bands`
/// an age row holds the ages `alter` to `alter_bis` and is in a range when all of them are
/// (a range that cuts a group never gets here: [`super::cut_age_group`]).
fn filter_expr(field: &str, ty: FieldType, values: &[String], bands: bool) -> Expr {
    let upper = || {
        if bands && field == "alter" {
            col("alter_bis").fill_null(col("alter"))
        } else {
            col(field)
        }
    };
    let one = |v: &str| -> Expr {
        match parse_filter_value(ty, v) {
            Some(FilterValue::Range(a, b)) => col(field).gt_eq(lit(a)).and(upper().lt_eq(lit(b))),
            Some(FilterValue::Exact(s)) => col(field).eq(lit(s)),
            None => lit(false),
        }
    };
    let mut include: Option<Expr> = None;
    let mut exclude: Option<Expr> = None;
    for v in values {
        if let Some(neg) = v.strip_prefix('!') {
            let e = one(neg).not().or(col(field).is_null());
            exclude = Some(match exclude {
                Some(x) => x.and(e),
                None => e,
            });
        } else {
            let e = one(v);
            include = Some(match include {
                Some(x) => x.or(e),
                None => e,
            });
        }
    }
    match (include, exclude) {
        (Some(i), Some(e)) => i.and(e),
        (Some(i), None) => i,
        (None, Some(e)) => e,
        (None, None) => lit(true),
    }
}
