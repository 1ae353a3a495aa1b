//! Ingest: reads every source of the project by its profile, validates it and lands it in
//! the canonical polars frames of `docs/data-format.md`. The only entry point is [`load`]:
//! it returns the data set *and* all problems found, so `validate` can print every problem
//! at once and later commands can refuse to write anything while an error remains.

mod decode;
mod mapper;
mod parquet;
mod reader;
mod rules;
pub mod sniff;
mod table;
pub mod values;
mod xlsx;

use crate::diag::Diagnostics;
use crate::domain::Period;
use crate::project::{Project, SourceFormat};
use crate::schema::{self, TableKind};
use mapper::{AreaIndex, Mapper};
use polars::prelude::DataFrame;
use rules::SourceLoc;
use std::collections::BTreeMap;
use std::path::PathBuf;
use table::TableBuilder;

pub use decode::MAX_TEXT_BYTES;
pub(crate) use reader::join_headers;

/// All canonical tables of a project.
pub struct Dataset {
    /// One frame per table that has at least one source.
    pub tables: BTreeMap<TableKind, DataFrame>,
    /// Rows for the whole city (a delivered Gesamtstadt row), per table: same columns,
    /// `gebiet` is [`mapper::GESAMTSTADT`].
    pub gesamtstadt: BTreeMap<TableKind, DataFrame>,
    /// Every period of the tables, ascending: a frame's `zeit` column indexes it.
    pub zeiten: Vec<Period>,
    /// What was read from each source.
    pub sources: Vec<SourceSummary>,
}

/// What one source contributed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceSummary {
    /// Profile name.
    pub name: String,
    /// Canonical table.
    pub table: TableKind,
    /// File.
    pub path: PathBuf,
    /// Canonical rows produced.
    pub rows: usize,
    /// Rows skipped by the filter or because their area is outside the Gebietsgliederung.
    pub skipped: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Distinct periods, sorted.
    pub periods: Vec<Period>,
    /// The fields of the table the source gives.
    pub fields: Vec<&'static str>,
    /// The age groups wider than one age (first, last age).
    pub altersgruppen: Vec<(i64, i64)>,
}

impl SourceSummary {
    fn of(q: &crate::project::Quelle, stats: &mapper::SourceStats, bytes: u64) -> Self {
        SourceSummary {
            name: q.name.clone(),
            table: q.table,
            path: q.path.clone(),
            rows: stats.rows,
            skipped: stats.skipped,
            bytes,
            periods: stats.periods.iter().copied().collect(),
            fields: stats.fields.clone(),
            altersgruppen: stats
                .ages
                .keys()
                .map(|&(_, lo, hi)| (lo, hi))
                .filter(|(lo, hi)| hi > lo)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
        }
    }
}

impl Dataset {
    /// The age groups wider than one age that the sources of `table` deliver.
    pub fn altersgruppen(&self, table: TableKind) -> Vec<(i64, i64)> {
        let mut out: Vec<(i64, i64)> = self
            .sources
            .iter()
            .filter(|s| s.table == table)
            .flat_map(|s| s.altersgruppen.iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Reads and validates every source. The data set is `None` if any error was found.
pub fn load(project: &Project) -> (Option<Dataset>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let areas = AreaIndex::new(&project.gebiete);
    let mut builders: BTreeMap<TableKind, TableBuilder> = BTreeMap::new();
    let mut city_builders: BTreeMap<TableKind, TableBuilder> = BTreeMap::new();
    let mut locs: Vec<SourceLoc> = Vec::new();
    let mut summaries = Vec::new();
    let mut all_stats = Vec::new();

    for (si, q) in project.quellen.iter().enumerate() {
        let builder = builders
            .entry(q.table)
            .or_insert_with(|| TableBuilder::new(schema::schema(q.table)));
        let sheet = (q.format == SourceFormat::Xlsx)
            .then(|| q.sheet.clone().unwrap_or_else(|| "Tabelle1".into()));
        let mut mapper = Mapper::new(q, schema::schema(q.table), &areas, si as u16);
        let mut local = Diagnostics::new();
        let bytes_read = read_source(q, &mut mapper, &mut local);
        let stats = {
            let mapper::Gelesen {
                mut stats,
                mut rows,
                mut city,
                diags: found,
            } = mapper.finish();
            let here = SourceLoc {
                path: q.path.clone(),
                sheet: sheet.as_ref().map(|_| actual_sheet(q)),
                quelle: q.clone(),
            };
            let derived = rules::split_rows(&mut rows, &stats.fields, &here, &mut local);
            rules::split_rows(&mut city, &stats.fields, &here, &mut local);
            stats.fields.extend(derived);
            builder.append(rows);
            if !city.is_empty() {
                city_builders
                    .entry(q.table)
                    .or_insert_with(|| TableBuilder::new(schema::schema(q.table)))
                    .append(city);
            }
            diags.extend(found);
            if stats.rows == 0
                && stats.skipped == 0
                && !local.has_errors()
                && !diags_for(&diags, &q.path)
            {
                local.push(
                    crate::diag::Diagnostic::error("V011", crate::diag::Location::file(&q.path), "Datei enthält keine Datenzeilen")
                        .hint("Ist es die richtige Datei? Stimmen „ueberspringen“ und „kopfzeilen“ im Quellprofil?"),
                );
            }
            diags.extend(local);
            stats
        };
        let loc = SourceLoc {
            path: q.path.clone(),
            sheet: sheet.map(|_| actual_sheet(q)),
            quelle: q.clone(),
        };
        summaries.push(SourceSummary::of(q, &stats, bytes_read));
        locs.push(loc);
        all_stats.push(stats);
    }
    // a gap in one source that another source of the table fills is none
    check_tables(
        project,
        &locs,
        &all_stats,
        &builders,
        &city_builders,
        &mut diags,
    );

    if diags.has_errors() {
        return (None, diags);
    }
    match into_frames(project, builders, city_builders, &mut diags) {
        Some((tables, gesamtstadt, zeiten)) => (
            Some(Dataset {
                tables,
                gesamtstadt,
                zeiten,
                sources: summaries,
            }),
            diags,
        ),
        None => (None, diags),
    }
}

/// Checks across rows and sources (gaps, age groups, duplicates, Gesamtstadt rows, parts,
/// schools, Kita against population).
fn check_tables(
    project: &Project,
    locs: &[SourceLoc],
    all_stats: &[mapper::SourceStats],
    builders: &BTreeMap<TableKind, TableBuilder>,
    city_builders: &BTreeMap<TableKind, TableBuilder>,
    diags: &mut Diagnostics,
) {
    for (i, (loc, stats)) in locs.iter().zip(all_stats).enumerate() {
        let others: Vec<&mapper::SourceStats> = all_stats
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i && locs[j].quelle.table == loc.quelle.table)
            .map(|(_, s)| s)
            .collect();
        rules::gaps(loc, stats, &others, &project.gebiete, diags);
        rules::age_overlaps(loc, stats, diags);
    }
    rules::age_groups_cut(project, locs, all_stats, diags);

    // rows refused for an error are missing from the sums: no reconciliation then
    let reconcile = !diags.has_errors();
    for (kind, t) in city_builders {
        rules::duplicates(t, locs, &project.gebiete, diags);
        if let Some(parts) = builders.get(kind).filter(|_| reconcile) {
            rules::reconcile(parts, t, locs, diags);
        }
    }
    for t in builders.values() {
        rules::duplicates(t, locs, &project.gebiete, diags);
        rules::part_rows(t, locs, diags);
        rules::school_attributes(t, locs, diags);
    }
    if let (Some(k), Some(p)) = (
        builders.get(&TableKind::KitaKinder),
        builders.get(&TableKind::Bevoelkerung),
    ) {
        rules::kita_above_population(k, p, locs, &project.gebiete, diags);
    }
}

/// The tables as polars frames, with every period of them; `None` after an internal error.
type Frames = (
    BTreeMap<TableKind, DataFrame>,
    BTreeMap<TableKind, DataFrame>,
    Vec<Period>,
);

fn into_frames(
    project: &Project,
    builders: BTreeMap<TableKind, TableBuilder>,
    city_builders: BTreeMap<TableKind, TableBuilder>,
    diags: &mut Diagnostics,
) -> Option<Frames> {
    let mut zeiten: Vec<Period> = builders
        .values()
        .chain(city_builders.values())
        .flat_map(TableBuilder::distinct_periods)
        .collect();
    zeiten.sort_unstable();
    zeiten.dedup();
    let names: Vec<String> = project.quellen.iter().map(|q| q.name.clone()).collect();
    let mut frames = |builders: BTreeMap<TableKind, TableBuilder>| {
        let mut tables = BTreeMap::new();
        for (kind, b) in builders {
            match b.into_frame(&zeiten, &names) {
                Ok(df) => {
                    tables.insert(kind, df);
                }
                Err(e) => {
                    diags.push(crate::diag::Diagnostic::error(
                        "V999",
                        crate::diag::Location::None,
                        format!("interner Fehler beim Aufbau der Tabelle „{kind}“: {e}"),
                    ));
                    return None;
                }
            }
        }
        Some(tables)
    };
    let tables = frames(builders)?;
    let gesamtstadt = frames(city_builders)?;
    Some((tables, gesamtstadt, zeiten))
}

/// Reads one source into its mapper by its format; the bytes read.
fn read_source(q: &crate::project::Quelle, mapper: &mut Mapper, local: &mut Diagnostics) -> u64 {
    let mut bytes_read = 0;
    match q.format {
        SourceFormat::Parquet => parquet::read(&q.path, mapper, local),
        SourceFormat::Xlsx => {
            if let Some(bytes) = decode::read_capped(&q.path, local) {
                bytes_read = bytes.len() as u64;
                // calamine gives up on some damaged sheets with a panic
                let read = crate::diag::without_panic(|| {
                    xlsx::read(
                        &q.path,
                        &bytes,
                        q.sheet.as_deref(),
                        q.start,
                        q.header_rows,
                        mapper,
                        local,
                    )
                });
                if read.is_none() {
                    local.push(
                        crate::diag::Diagnostic::error(
                            "V009",
                            crate::diag::Location::file(&q.path),
                            "Excel-Datei nicht lesbar: sie ist beschädigt",
                        )
                        .hint("Die Datei in Excel öffnen und als „Excel-Arbeitsmappe (*.xlsx)“ neu speichern."),
                    );
                }
            }
        }
        SourceFormat::Csv | SourceFormat::Ffcsv => {
            if let Some(mut file) = decode::open_capped(&q.path, local) {
                let layout = reader::TextLayout {
                    delimiter: q.delimiter,
                    skip_rows: q.skip_rows,
                    header_rows: q.header_rows,
                    genesis_footer: false,
                };
                bytes_read = reader::read_file(
                    &q.path,
                    &mut file,
                    q.encoding,
                    &layout,
                    mapper,
                    local,
                    reader::PIECE_BYTES,
                );
            }
        }
        // GENESIS tables are small and end in a footer: read whole
        SourceFormat::Genesis => {
            if let Some(bytes) = decode::read_capped(&q.path, local) {
                bytes_read = bytes.len() as u64;
                if let Some(text) = decode::decode(&q.path, &bytes, q.encoding, local) {
                    let layout = reader::TextLayout {
                        delimiter: q.delimiter,
                        skip_rows: q.skip_rows,
                        header_rows: q.header_rows,
                        genesis_footer: true,
                    };
                    reader::read_text(&q.path, &text, &layout, mapper, local);
                }
            }
        }
    }
    bytes_read
}

/// True if an error was already reported for this file.
fn diags_for(diags: &Diagnostics, path: &std::path::Path) -> bool {
    diags
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error && d.location.path() == Some(path))
}

/// The sheet name used for a source (the first sheet if none is configured).
fn actual_sheet(q: &crate::project::Quelle) -> String {
    q.sheet.clone().unwrap_or_else(|| "Tabelle1".into())
}
