//! The canonical frames prepared once per run for the aggregations: area and period as
//! small integer columns instead of text. Grouping 20 million population rows by three text
//! columns (period, period kind, area) once per indicator cost most of the indicator time
//! at federal scale; integers group in a fraction of it and need no copy of the text.

use super::Areas;
use crate::domain::Period;
use crate::ingest::Dataset;
use crate::schema::{self, FieldType, TableKind};
use anyhow::{Context, Result};
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Integer area column: id of the Stadtteil (see [`Areas`]).
pub const GEBIET_ID: &str = "_gebiet_id";
/// Integer period column: index into [`Frames::periods`].
pub const ZEIT_ID: &str = "_zeit_id";

/// Frames keyed by integers, and what the aggregations ask of the whole table.
pub struct Frames {
    /// Per table: the canonical frame without its text keys, with [`GEBIET_ID`] and
    /// [`ZEIT_ID`].
    pub tables: BTreeMap<TableKind, DataFrame>,
    /// Periods by [`ZEIT_ID`].
    pub periods: Vec<Period>,
    /// Code fields that have `insgesamt` rows, per table.
    totals: HashSet<(TableKind, &'static str)>,
}

impl Frames {
    /// Prepares every table of `data` (in parallel).
    pub fn new(data: &Dataset, areas: &Areas) -> Result<Frames> {
        use rayon::prelude::*;
        // the aggregations pack the area id into 24 bits
        anyhow::ensure!(
            areas.len() < 1 << 24,
            "Kennzahlen: mehr als 16 Mio. Gebiete"
        );
        // periods of all tables, numbered in order
        let mut keys: Vec<(String, String)> = Vec::new();
        for df in data.tables.values() {
            let (zeit, art) = (df.column("zeit")?.str()?, df.column("zeitart")?.str()?);
            let distinct: HashSet<(&str, &str)> = zeit
                .iter()
                .zip(art.iter())
                .filter_map(|(z, a)| Some((z?, a?)))
                .collect();
            keys.extend(distinct.into_iter().map(|(z, a)| (z.into(), a.into())));
        }
        keys.sort_unstable();
        keys.dedup();
        let mut periods = Vec::new();
        let mut period_id: HashMap<(&str, &str), u32> = HashMap::new();
        for (z, a) in &keys {
            if let Some(p) = data.period(a, z) {
                period_id.insert((z.as_str(), a.as_str()), periods.len() as u32);
                periods.push(p);
            }
        }
        let prepared: Vec<(TableKind, DataFrame, Vec<&'static str>)> = data
            .tables
            .par_iter()
            .map(|(&kind, df)| {
                let (df, totals) = prepare(kind, df, areas, &period_id)?;
                Ok((kind, df, totals))
            })
            .collect::<Result<_>>()?;
        let mut frames = Frames {
            tables: BTreeMap::new(),
            periods,
            totals: HashSet::new(),
        };
        for (kind, df, totals) in prepared {
            frames.totals.extend(totals.into_iter().map(|f| (kind, f)));
            frames.tables.insert(kind, df);
        }
        Ok(frames)
    }

    /// Whether the code field `field` of `kind` has `insgesamt` rows.
    pub fn has_totals(&self, kind: TableKind, field: &'static str) -> bool {
        self.totals.contains(&(kind, field))
    }
}

/// One table: integer keys in, text keys out; the fields with total rows.
fn prepare(
    kind: TableKind,
    df: &DataFrame,
    areas: &Areas,
    period_id: &HashMap<(&str, &str), u32>,
) -> Result<(DataFrame, Vec<&'static str>)> {
    let gebiet = df.column("gebiet")?.str()?;
    let mut last: Option<(&str, u32)> = None;
    let mut ids: Vec<Option<u32>> = Vec::with_capacity(gebiet.len());
    for g in gebiet.iter() {
        ids.push(match g {
            None => None,
            // rows come in runs of one area: look up once per run
            Some(g) => Some(match last {
                Some((l, id)) if l == g => id,
                _ => {
                    // reading admits only Stadtteile of the Gebietsgliederung
                    let id = areas.id(g).with_context(|| {
                        format!("Kennzahlen: Gebiet „{g}“ fehlt in der Gebietsgliederung")
                    })?;
                    last = Some((g, id));
                    id
                }
            }),
        });
    }
    let (zeit, art) = (df.column("zeit")?.str()?, df.column("zeitart")?.str()?);
    let mut last: Option<(&str, &str, Option<u32>)> = None;
    let zeit_ids: Vec<Option<u32>> = zeit
        .iter()
        .zip(art.iter())
        .map(|(z, a)| {
            let (z, a) = (z?, a?);
            match last {
                Some((lz, la, id)) if lz == z && la == a => id,
                _ => {
                    let id = period_id.get(&(z, a)).copied();
                    last = Some((z, a, id));
                    id
                }
            }
        })
        .collect();
    let mut out = df.drop_many(["gebiet", "zeit", "zeitart"]);
    out.with_column(Column::new(GEBIET_ID.into(), ids))?;
    out.with_column(Column::new(ZEIT_ID.into(), zeit_ids))?;
    out.rechunk_mut();
    let mut totals = Vec::new();
    for f in schema::schema(kind).fields {
        let FieldType::Code(codes) = f.ty else {
            continue;
        };
        if !codes.contains(&"insgesamt") {
            continue;
        }
        let present = df
            .column(f.name)
            .ok()
            .and_then(|c| {
                c.str()
                    .ok()
                    .map(|ca| ca.iter().any(|v| v == Some("insgesamt")))
            })
            .unwrap_or(false);
        if present {
            totals.push(f.name);
        }
    }
    Ok((out, totals))
}
