//! The canonical frames prepared once per run for the aggregations. Ingest delivers period
//! and area as integers already (grouping 20 million population rows by text keys once per
//! indicator cost most of the indicator time at federal scale, and the text 1.4 GB); here
//! the area's index into the Gebietsgliederung becomes the [`Areas`] id, numbered in the
//! order of the Stadtteil numbers.

use super::Areas;
use crate::domain::Period;
use crate::ingest::Dataset;
use crate::schema::{self, FieldType, TableKind};
use anyhow::{Context, Result};
use polars::prelude::*;
use std::collections::{BTreeMap, HashSet};

/// Integer area column: id of the Stadtteil (see [`Areas`]).
pub const GEBIET_ID: &str = "_gebiet_id";
/// Integer period column: index into [`Frames::periods`].
pub const ZEIT_ID: &str = "_zeit_id";

/// Frames keyed by integers, and what the aggregations ask of the whole table.
pub struct Frames {
    /// Per table: the canonical frame with [`GEBIET_ID`] and [`ZEIT_ID`] for its `gebiet`
    /// and `zeit`.
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
        let prepared: Vec<(TableKind, DataFrame, Vec<&'static str>)> = data
            .tables
            .par_iter()
            .map(|(&kind, df)| {
                let (df, totals) = prepare(kind, df, areas)?;
                Ok((kind, df, totals))
            })
            .collect::<Result<_>>()?;
        let mut frames = Frames {
            tables: BTreeMap::new(),
            // the frames' period column indexes the data set's periods already
            periods: data.zeiten.clone(),
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

/// One table with the area as [`Areas`] id; the fields with total rows.
fn prepare(
    kind: TableKind,
    df: &DataFrame,
    areas: &Areas,
) -> Result<(DataFrame, Vec<&'static str>)> {
    // reading admits only Stadtteile of the Gebietsgliederung (indices into it)
    let gebiet = df.column("gebiet")?.u32()?;
    let ids: Vec<u32> = gebiet
        .into_no_null_iter()
        .map(|g| {
            areas.of_gliederung(g).with_context(|| {
                format!("Kennzahlen: Gebiet Nr. {g} fehlt in der Gebietsgliederung")
            })
        })
        .collect::<Result<_>>()?;
    let mut out = df.drop("gebiet")?;
    out.with_column(Column::new(GEBIET_ID.into(), ids))?;
    out.rename("zeit", ZEIT_ID.into())?;
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
