//! XLSX sheets (calamine) → the same rows as CSV, positions as `Blatt!C7`. The archive is
//! checked before anything is decompressed, so a zip bomb is refused cheaply.

use super::reader::{Cell, Locator, RowPos, Sink};
use super::values::excel_date;
use crate::diag::{Diagnostic, Diagnostics, Location};
use calamine::{DataRef, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

/// Largest uncompressed size of one archive member.
const MAX_MEMBER_BYTES: u64 = 256 << 20;
/// Largest uncompressed size of all members together.
const MAX_TOTAL_BYTES: u64 = 1 << 30;
/// Largest compression ratio of a member that is bigger than 1 MiB.
const MAX_RATIO: u64 = 200;

/// Reads one sheet into the sink. `start` is the 0-based (row, column) of the header.
pub fn read(
    path: &Path,
    bytes: &[u8],
    sheet: Option<&str>,
    start: (u32, u32),
    header_rows: usize,
    sink: &mut dyn Sink,
    diags: &mut Diagnostics,
) {
    if !archive_is_sane(path, bytes, diags) {
        return;
    }
    let mut wb: Xlsx<_> = match Xlsx::new(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(e) => {
            diags.push(
                Diagnostic::error("V009", Location::file(path), format!("Excel-Datei nicht lesbar: {e}"))
                    .hint("Die Datei in Excel öffnen und als „Excel-Arbeitsmappe (*.xlsx)“ neu speichern."),
            );
            return;
        }
    };
    let names = wb.sheet_names();
    let name = match sheet {
        Some(s) => s.to_string(),
        None => match names.first() {
            Some(n) => n.clone(),
            None => {
                diags.push(Diagnostic::error(
                    "V009",
                    Location::file(path),
                    "Arbeitsmappe enthält kein Blatt",
                ));
                return;
            }
        },
    };
    if !names.contains(&name) {
        let mut d = Diagnostic::error(
            "V009",
            Location::file(path),
            format!("Blatt „{name}“ nicht gefunden"),
        );
        if let Some(s) = crate::suggest::did_you_mean(&name, names.iter().map(String::as_str)) {
            d = d.hint(format!("Meinten Sie „{s}“?"));
        }
        diags.push(d.hint(format!("Vorhandene Blätter: {}.", names.join(", "))));
        return;
    }
    let rows = match sparse_cells(&mut wb, &name) {
        Ok(r) => r,
        Err(e) => {
            diags.push(Diagnostic::error(
                "V009",
                Location::file(path),
                format!("Blatt „{name}“ nicht lesbar: {e}"),
            ));
            return;
        }
    };
    let loc = Locator::Sheet {
        path,
        sheet: name.clone(),
        col0: start.1,
    };
    let Some(&r_end) = rows.keys().next_back() else {
        diags.push(Diagnostic::error(
            "V003",
            Location::cell(path, &name, start.0, start.1),
            "Blatt ist leer",
        ));
        return;
    };
    let get = |row: u32, col: u32| -> Option<&DataRef> {
        let cells = rows.get(&row)?;
        let i = cells.binary_search_by_key(&col, |(c, _)| *c).ok()?;
        Some(&cells[i].1)
    };
    // the header's width: its last cell (a stray cell far right in a data row is no column)
    let c_end = (start.0..start.0 + header_rows as u32)
        .filter_map(|r| rows.get(&r)?.last().map(|(c, _)| *c))
        .max()
        .unwrap_or(start.1);
    let width = c_end.saturating_sub(start.1) + 1;
    let mut header_parts: Vec<Vec<String>> = Vec::new();
    for h in 0..header_rows as u32 {
        let row = start.0 + h;
        header_parts.push(
            (0..width)
                .map(|j| match get(row, start.1 + j) {
                    Some(DataRef::String(s)) => s.trim().to_string(),
                    Some(DataRef::SharedString(s)) => s.trim().to_string(),
                    Some(DataRef::Empty) | None => String::new(),
                    Some(other) => calamine::Data::from(other.clone()).to_string(),
                })
                .collect(),
        );
    }
    let mut headers: Vec<String> = (0..width as usize)
        .map(|c| {
            header_parts
                .iter()
                .map(|r| r[c].as_str())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    while headers.last().is_some_and(String::is_empty) {
        headers.pop();
    }
    if !sink.header(&headers, RowPos::Sheet { row: start.0 }, &loc) {
        return;
    }
    let mut cells: Vec<Cell> = Vec::with_capacity(headers.len());
    for row in start.0 + header_rows as u32..=r_end {
        cells.clear();
        for j in 0..headers.len() as u32 {
            cells.push(match get(row, start.1 + j) {
                None | Some(DataRef::Empty) => Cell::Empty,
                Some(DataRef::String(s)) => Cell::Text(s.as_str()),
                Some(DataRef::SharedString(s)) => Cell::Text(s),
                Some(DataRef::DateTimeIso(s) | DataRef::DurationIso(s)) => Cell::Text(s.as_str()),
                Some(DataRef::Int(i)) => Cell::Number(*i as f64),
                Some(DataRef::Float(f)) => Cell::Number(*f),
                Some(DataRef::Bool(b)) => Cell::Text(if *b { "WAHR" } else { "FALSCH" }),
                Some(DataRef::DateTime(dt)) => {
                    excel_date(dt.as_f64()).map_or(Cell::Error, Cell::Date)
                }
                Some(DataRef::Error(_)) => Cell::Error,
            });
        }
        // The table ends at the first empty row; notes below it are not data.
        if cells.iter().all(Cell::is_blank) {
            break;
        }
        sink.row(&cells, RowPos::Sheet { row }, &loc);
    }
}

/// The sheet's cells by row, each row's cells by column, read one by one: a dense grid of the
/// sheet's dimension would be rows × columns (one cell at XFD1048576 asks for 550 GB), and a
/// shared string used by many cells stays one string.
fn sparse_cells<'a>(
    wb: &'a mut Xlsx<Cursor<&[u8]>>,
    name: &str,
) -> Result<BTreeMap<u32, Vec<(u32, DataRef<'a>)>>, calamine::XlsxError> {
    let mut reader = wb.worksheet_cells_reader(name)?;
    let mut rows: BTreeMap<u32, Vec<(u32, DataRef<'a>)>> = BTreeMap::new();
    while let Some(cell) = reader.next_cell()? {
        let (r, c) = cell.get_position();
        let value = cell.get_value().clone();
        if !matches!(value, DataRef::Empty) {
            rows.entry(r).or_default().push((c, value));
        }
    }
    for cells in rows.values_mut() {
        cells.sort_by_key(|(c, _)| *c);
        cells.dedup_by_key(|(c, _)| *c);
    }
    Ok(rows)
}

/// Refuses archives whose members would decompress to more than the limits.
fn archive_is_sane(path: &Path, bytes: &[u8], diags: &mut Diagnostics) -> bool {
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            diags.push(
                Diagnostic::error("V009", Location::file(path), format!("keine gültige XLSX-Datei (ZIP-Archiv): {e}"))
                    .hint("Ist es eine alte .xls-Datei oder eine umbenannte CSV? In Excel als .xlsx speichern."),
            );
            return false;
        }
    };
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let Ok(f) = zip.by_index_raw(i) else {
            diags.push(Diagnostic::error(
                "V009",
                Location::file(path),
                "beschädigtes ZIP-Archiv",
            ));
            return false;
        };
        let (size, packed) = (f.size(), f.compressed_size().max(1));
        total = total.saturating_add(size);
        if size > MAX_MEMBER_BYTES
            || total > MAX_TOTAL_BYTES
            || (size > (1 << 20) && size / packed > MAX_RATIO)
        {
            diags.push(
                Diagnostic::error(
                    "V010",
                    Location::file(path),
                    format!(
                        "Excel-Datei wird nicht entpackt: „{}“ wäre {} MiB groß (gepackt {} KiB)",
                        f.name().map(|n| n.to_string()).unwrap_or_default(),
                        size >> 20,
                        packed >> 10
                    ),
                )
                .hint("Die Datei ist beschädigt oder absichtlich präpariert; große Tabellen als CSV oder Parquet liefern."),
            );
            return false;
        }
    }
    true
}
