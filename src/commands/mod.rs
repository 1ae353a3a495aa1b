//! One `run` per subcommand; the glue between the CLI and the pipeline stages.

pub mod bench;
pub mod catalogue;
pub mod completions;
pub mod export;
pub mod faktencheck;
pub mod indicators;
pub mod init;
pub(crate) mod pdf;
pub mod report;
pub mod sample;
pub mod validate;

use crate::diag::Diagnostics;
use crate::exit::ExitStatus;
use crate::output::printer::Printer;
use crate::project::{self, Project};
use std::path::Path;

/// `--daten`: the folder the deliveries of this run are read from (set once per process,
/// before any command runs).
static DATENORDNER: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();

/// Sets the `--daten` folder of this run.
pub fn datenordner(ordner: Option<std::path::PathBuf>) {
    let _ = DATENORDNER.set(ordner);
}

/// Loads the project (its sources from the `--daten` folder, if one is given); on
/// configuration errors prints them and returns the exit status.
pub(crate) fn load_project(
    config: &Path,
    printer: &Printer,
) -> Result<(Project, Diagnostics), ExitStatus> {
    let loaded = project::load(config).and_then(|(mut p, mut d)| {
        if let Some(Some(ordner)) = DATENORDNER.get() {
            p.sources_from(ordner, &mut d);
        }
        if d.has_errors() { Err(d) } else { Ok((p, d)) }
    });
    match loaded {
        Ok(ok) => Ok(ok),
        Err(diags) => {
            report_problems(printer, &diags);
            Err(ExitStatus::DataProblems)
        }
    }
}

/// The one publication of the project's current data: from the cache when nothing changed
/// (`no_cache` skips it), else read, validated, computed, protected and kept. `diags` are the
/// project file's own problems; data problems are printed, and an error stops the run.
pub(crate) fn publication(
    project: &Project,
    diags: Diagnostics,
    printer: &Printer,
    no_cache: bool,
) -> anyhow::Result<Result<crate::disclosure::Ergebnis, ExitStatus>> {
    let key = (!no_cache).then(|| crate::cache::key(project));
    if let Some((ergebnis, warnungen)) = key.as_deref().and_then(|k| crate::cache::load(project, k))
    {
        if warnungen > 0 {
            printer.info(&format!(
                "Daten unverändert seit dem letzten Lauf ({}); beim Einlesen gab es {} – `bildungsmonitor validate` zeigt sie.",
                crate::cache::ORDNER,
                if warnungen == 1 { "eine Warnung".to_string() } else { format!("{warnungen} Warnungen") }
            ));
        }
        return Ok(Ok(ergebnis));
    }
    let warnungen = diags.warning_count();
    let data = match load_sources(project, diags, printer) {
        Ok(d) => d,
        Err(status) => return Ok(Err(status)),
    };
    let warnungen = warnungen + data.1;
    let ergebnis = veroeffentlichen(project, data.0)?;
    if let Some(k) = &key {
        crate::cache::store(project, k, &ergebnis, warnungen);
    }
    Ok(Ok(ergebnis))
}

/// Reads all sources of a loaded project (`diags`: the project's own problems); prints
/// problems; refuses to go on while an error remains. With the data, the number of warnings
/// the data gave.
pub(crate) fn load_sources(
    project: &Project,
    mut diags: Diagnostics,
    printer: &Printer,
) -> Result<(crate::ingest::Dataset, usize), ExitStatus> {
    let (data, data_diags) = crate::ingest::load(project);
    let data_warnings = data_diags.warning_count();
    diags.extend(data_diags);
    match data {
        Some(d) if !diags.has_errors() => {
            // warnings go to stderr in every format: stdout carries the JSON or CSV
            if !diags.is_empty() {
                printer.diagnostics(&diags);
            }
            Ok((d, data_warnings))
        }
        _ => {
            report_problems(printer, &diags);
            Err(ExitStatus::DataProblems)
        }
    }
}

/// Computes every indicator of the catalogue at every level and period and protects them
/// together: the one publication of a data state. Every command shows a selection of it, so
/// a number has the same status in every report, sheet and export, whatever was selected.
pub(crate) fn veroeffentlichen(
    project: &Project,
    data: crate::ingest::Dataset,
) -> anyhow::Result<crate::disclosure::Ergebnis> {
    let table = crate::indicators::compute(project, &data, &crate::indicators::Auswahl::default())?;
    // the read tables are not needed any more: at federal scale they are 4 GB
    drop(data);
    let mut published = crate::disclosure::protect(
        table,
        &project.katalog,
        &project.geheimhaltung,
        &project.gebiete,
    );
    // a rank of Stadtteile by the schools that stand there would compare schools, not areas
    let schulort: Vec<&str> = project
        .katalog
        .indicators
        .iter()
        .filter(|i| project.bezug(&i.def) == crate::domain::Bezug::Schulort)
        .map(|i| i.id.as_str())
        .collect();
    for v in &mut published.zeilen {
        if schulort.contains(&&*v.kennzahl.indikator) {
            v.kennzahl.rang = None;
        }
    }
    crate::disclosure::every_area(&mut published, &project.gebiete);
    Ok(published)
}

/// The project's map geometry (`gebiete.geojson`), read once per run; `None` without one.
pub(crate) fn geometrie(project: &Project) -> anyhow::Result<Option<crate::charts::Geometrie>> {
    use anyhow::Context;
    project
        .gebiete
        .geojson
        .as_ref()
        .map(|p| {
            let bytes =
                std::fs::read(p).with_context(|| format!("{} nicht lesbar", p.display()))?;
            crate::charts::geometry(&bytes, &project.gebiete.geojson_schluessel)
        })
        .transpose()
}

/// Prints diagnostics in the chosen format (JSON on stdout, text on stderr).
pub(crate) fn report_problems(printer: &Printer, diags: &Diagnostics) {
    if printer.format == crate::cli::OutputFormat::Json {
        let written = printer.json(&serde_json::json!({
            "version": 1,
            "ok": !diags.has_errors(),
            "errors": diags.error_count(),
            "warnings": diags.warning_count(),
            "diagnostics": diags.sorted(),
        }));
        // the problems are the message: if stdout takes none, stderr says so
        if let Err(e) = written {
            printer.failure(&anyhow::Error::new(e).context("Meldungen nicht ausgegeben"));
        }
    } else {
        printer.diagnostics(diags);
    }
}
