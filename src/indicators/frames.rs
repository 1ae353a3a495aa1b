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

/// Period and area of a row in one integer, the upper part of the aggregations' group key:
/// index into [`Frames::periods`] << 40 | [`Areas`] id << 16 (null without a period).
pub const ORT_ZEIT: &str = "_ort_zeit";

/// Frames keyed by integers, and what the aggregations ask of the whole table.
pub struct Frames {
    /// Per table: the canonical frame with [`ORT_ZEIT`] for its `zeit` and `gebiet`.
    pub tables: BTreeMap<TableKind, DataFrame>,
    /// Periods by their index in [`ORT_ZEIT`].
    pub periods: Vec<Period>,
    /// Code fields that have `insgesamt` rows, per table.
    totals: HashSet<(TableKind, &'static str)>,
    /// The delivered Gesamtstadt rows as frames of their own (every row on area id 0).
    pub gesamtstadt: Option<Box<Frames>>,
}

impl Frames {
    /// Prepares every table of `data` (in parallel).
    pub fn new(data: &Dataset, areas: &Areas) -> Result<Frames> {
        let mut frames = Self::of(&data.tables, &data.zeiten, Some(areas))?;
        if !data.gesamtstadt.is_empty() {
            frames.gesamtstadt = Some(Box::new(Self::of(&data.gesamtstadt, &data.zeiten, None)?));
        }
        Ok(frames)
    }

    /// Frames of `tables`; without `areas` every row is on area id 0 (the Gesamtstadt).
    fn of(
        tables: &BTreeMap<TableKind, DataFrame>,
        zeiten: &[Period],
        areas: Option<&Areas>,
    ) -> Result<Frames> {
        use rayon::prelude::*;
        // the aggregations pack the area id into 24 bits
        anyhow::ensure!(
            areas.is_none_or(|a| a.len() < 1 << 24),
            "Kennzahlen: mehr als 16 Mio. Gebiete"
        );
        let prepared: Vec<(TableKind, DataFrame, Vec<&'static str>)> = tables
            .par_iter()
            .map(|(&kind, df)| {
                let (df, totals) = prepare(kind, df, areas)?;
                Ok((kind, df, totals))
            })
            .collect::<Result<_>>()?;
        let mut frames = Frames {
            tables: BTreeMap::new(),
            // the frames' period column indexes the data set's periods already
            periods: zeiten.to_vec(),
            totals: HashSet::new(),
            gesamtstadt: None,
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
    areas: Option<&Areas>,
) -> Result<(DataFrame, Vec<&'static str>)> {
    // reading admits only Stadtteile of the Gebietsgliederung (indices into it)
    let gebiet = df.column("gebiet")?.u32()?;
    let ids: Vec<u32> = match areas {
        Some(areas) => gebiet
            .into_no_null_iter()
            .map(|g| {
                areas.of_gliederung(g).with_context(|| {
                    format!("Kennzahlen: Gebiet Nr. {g} fehlt in der Gebietsgliederung")
                })
            })
            .collect::<Result<_>>()?,
        None => vec![0; gebiet.len()],
    };
    let zeit = df.column("zeit")?.u32()?;
    let ort_zeit = UInt64Chunked::from_iter_options(
        ORT_ZEIT.into(),
        zeit.iter()
            .zip(&ids)
            .map(|(z, &g)| z.map(|z| u64::from(z) << 40 | u64::from(g) << 16)),
    );
    let mut out = df.drop_many(["gebiet", "zeit"]);
    out.with_column(ort_zeit.into_column())?;
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
