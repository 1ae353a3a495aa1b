//! Parquet input for very large sets: columns are read by polars and handed to the sink as
//! cells; positions are data row and column number.

use super::reader::{Cell, Locator, RowPos, Sink};
use crate::diag::{Diagnostic, Diagnostics, Location};
use polars::prelude::*;
use polars_io::prelude::{ParquetReader, SerReader};
use std::path::Path;

enum Col {
    Text(StringChunked),
    Num(Float64Chunked),
}

/// Reads a Parquet file into the sink.
pub fn read(path: &Path, sink: &mut dyn Sink, diags: &mut Diagnostics) {
    let df = match crate::diag::without_panic(|| {
        std::fs::File::open(path)
            .map_err(PolarsError::from)
            .and_then(|f| ParquetReader::new(f).finish())
    }) {
        Some(Ok(df)) => df,
        Some(Err(e)) => {
            diags.push(Diagnostic::error(
                "V009",
                Location::file(path),
                format!("Parquet-Datei nicht lesbar: {e}"),
            ));
            return;
        }
        // polars' metadata reader gives up on some damaged files with a panic
        None => {
            diags.push(
                Diagnostic::error(
                    "V009",
                    Location::file(path),
                    "Parquet-Datei nicht lesbar: die Metadaten sind beschädigt",
                )
                .hint("Die Datei neu exportieren lassen; sie ist unvollständig oder verändert."),
            );
            return;
        }
    };
    let headers: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let loc = Locator::Record { path };
    if !sink.header(&headers, RowPos::Record { row: 0 }, &loc) {
        return;
    }
    let mut cols = Vec::with_capacity(headers.len());
    for c in df.columns() {
        let s = c.as_materialized_series();
        let col = if s.dtype().is_primitive_numeric() {
            s.cast(&DataType::Float64)
                .ok()
                .and_then(|s| s.f64().ok().cloned())
                .map(Col::Num)
        } else {
            s.cast(&DataType::String)
                .ok()
                .and_then(|s| s.str().ok().cloned())
                .map(Col::Text)
        };
        match col {
            Some(c) => cols.push(c),
            None => {
                diags.push(Diagnostic::error(
                    "V009",
                    Location::file(path),
                    format!(
                        "Spalte „{}“ hat einen nicht unterstützten Typ {}",
                        s.name(),
                        s.dtype()
                    ),
                ));
                return;
            }
        }
    }
    let mut cells: Vec<Cell> = Vec::with_capacity(cols.len());
    for row in 0..df.height() {
        cells.clear();
        for c in &cols {
            cells.push(match c {
                Col::Text(ca) => ca.get(row).map_or(Cell::Empty, Cell::Text),
                Col::Num(ca) => ca.get(row).map_or(Cell::Empty, Cell::Number),
            });
        }
        sink.row(&cells, RowPos::Record { row }, &loc);
    }
}
