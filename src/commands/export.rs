//! `bildungsmonitor export`: every published number of a run into one file.

use crate::cli::{ExportArgs, OutputFormat};
use crate::exit::ExitStatus;
use crate::export::{self, Format, Kontext};
use crate::output::{atomic, printer::Printer};
use anyhow::bail;
use std::path::Path;

/// Validates, computes, protects and writes all files as one atomic batch.
pub fn run(
    args: &ExportArgs,
    config: &Path,
    printer: &Printer,
    no_cache: bool,
) -> anyhow::Result<ExitStatus> {
    let mut targets = Vec::new();
    for out in &args.output {
        let ext = out
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase);
        let by_ext = match ext.as_deref() {
            Some("csv") => Some(Format::Csv),
            Some("xlsx") => Some(Format::Xlsx),
            Some("json") => Some(Format::Json),
            _ => None,
        };
        let by_flag = match printer.format {
            OutputFormat::Csv => Some(Format::Csv),
            OutputFormat::Xlsx => Some(Format::Xlsx),
            OutputFormat::Json => Some(Format::Json),
            _ => None,
        };
        // a file named .csv that holds JSON would open as garbage in Excel
        let format = match (by_flag, by_ext) {
            (Some(f), Some(e)) if f != e => bail!(
                "--format {} passt nicht zur Endung von {}: die Endung ändern oder --format weglassen",
                format!("{f:?}").to_lowercase(),
                out.display()
            ),
            (Some(f), _) | (None, Some(f)) => f,
            (None, None) => bail!(
                "Format für {} unklar: die Endung .csv, .xlsx oder .json verwenden oder --format csv|xlsx|json angeben",
                out.display()
            ),
        };
        targets.push((out, format));
    }
    let (project, diags) = match super::load_project(config, printer) {
        Ok(x) => x,
        Err(status) => return Ok(status),
    };
    let paths: Vec<&Path> = targets.iter().map(|(p, _)| p.as_path()).collect();
    refuse_inputs(&project, &paths)?;
    for id in &args.indicator {
        if project.katalog.get(id).is_none() {
            bail!("unbekannte Kennzahl „{id}“; die Kennungen zeigt `bildungsmonitor catalogue`");
        }
    }
    // the selection is a view of the one publication: it never changes what is suppressed
    let mut result = match super::publication(&project, diags, printer, no_cache)? {
        Ok(p) => p,
        Err(status) => return Ok(status),
    };
    if !args.indicator.is_empty() {
        result
            .zeilen
            .retain(|v| args.indicator.iter().any(|i| **i == *v.kennzahl.indikator));
    }
    let gesperrt = result.zeilen.iter().filter(|v| v.gesperrt).count();
    let ctx = Kontext {
        kommune: &project.kommune,
        stand: project.stand,
        katalog: &project.katalog,
    };
    let mut batch = atomic::OutputBatch::new();
    let targets: Vec<(&Path, Format)> = targets.iter().map(|(p, f)| (p.as_path(), *f)).collect();
    for f in export::stage_all(&targets, &result, &ctx)? {
        batch.keep(f);
    }
    let written = batch.commit()?;
    for out in &written {
        printer.success(&format!(
            "{} veröffentlichte Werte nach {} geschrieben ({} davon gesperrt).",
            crate::format::integer(result.zeilen.len() as i64),
            out.display(),
            crate::format::integer(gesperrt as i64)
        ));
    }
    Ok(ExitStatus::Success)
}

/// An output that is one of the project's inputs would destroy the data it was made from.
fn refuse_inputs(project: &crate::project::Project, targets: &[&Path]) -> anyhow::Result<()> {
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    let mut inputs: Vec<&Path> = vec![project.config_path.as_path()];
    inputs.extend(project.quellen.iter().map(|q| q.path.as_path()));
    inputs.extend(project.gebiete.geojson.as_deref());
    let inputs: Vec<std::path::PathBuf> = inputs.into_iter().filter_map(canon).collect();
    for t in targets {
        if let Some(c) = canon(t)
            && inputs.contains(&c)
        {
            bail!(
                "{} ist eine Eingabe des Projekts und wird nicht überschrieben; einen anderen Namen für --output wählen",
                t.display()
            );
        }
    }
    Ok(())
}
