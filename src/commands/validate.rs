//! `bildungsmonitor validate`: check the project and print every problem at once.

use super::{load_project, report_problems};
use crate::cli::{OutputFormat, ValidateArgs};
use crate::exit::ExitStatus;
use crate::output::printer::Printer;
use std::path::Path;

/// Runs the checks; exit status 1 if any error was found.
pub fn run(_args: &ValidateArgs, config: &Path, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let (project, diags) = match load_project(config, printer) {
        Ok(p) => p,
        Err(status) => return Ok(status),
    };
    let status = if diags.has_errors() {
        ExitStatus::DataProblems
    } else {
        ExitStatus::Success
    };
    if printer.format == OutputFormat::Json {
        let sources: Vec<_> = project
            .quellen
            .iter()
            .map(|q| {
                serde_json::json!({
                    "name": q.name,
                    "tabelle": q.table.id(),
                    "datei": q.path.display().to_string(),
                    "format": q.format,
                })
            })
            .collect();
        printer.json(&serde_json::json!({
            "version": 1,
            "ok": status == ExitStatus::Success,
            "config": project.config_path.display().to_string(),
            "kommune": project.kommune,
            "stand": project.stand.iso(),
            "stadtteile": project.gebiete.stadtteile.len(),
            "sozialraeume": project.gebiete.sozialraeume.len(),
            "quellen": sources,
            "errors": diags.error_count(),
            "warnings": diags.warning_count(),
            "diagnostics": diags.sorted(),
        }));
        return Ok(status);
    }
    printer.info(&format!(
        "Projekt {} – {}, Stand {}",
        project.config_path.display(),
        project.kommune,
        project.stand
    ));
    printer.info(&format!(
        "Gebietsgliederung: {} {}, {} {}",
        project.gebiete.stadtteile.len(),
        plural(&project.gebiete.ebene1, project.gebiete.stadtteile.len()),
        project.gebiete.sozialraeume.len(),
        plural(&project.gebiete.ebene2, project.gebiete.sozialraeume.len()),
    ));
    for q in &project.quellen {
        printer.info(&format!(
            "  Quelle {:<20} {:<20} {}",
            q.name,
            q.table.id(),
            q.path.display()
        ));
    }
    report_problems(printer, &diags);
    Ok(status)
}

/// German plural of the level names used in the configuration.
pub(crate) fn plural(word: &str, n: usize) -> String {
    if n == 1 {
        return word.to_string();
    }
    match word {
        "Stadtteil" => "Stadtteile".into(),
        "Sozialraum" => "Sozialräume".into(),
        "Stadtbezirk" => "Stadtbezirke".into(),
        "Gemeinde" => "Gemeinden".into(),
        "Kreis" => "Kreise".into(),
        "Planungsraum" => "Planungsräume".into(),
        other => other.to_string(),
    }
}
