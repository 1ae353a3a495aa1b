//! `bildungsmonitor validate`: check the project and all its data, print every problem at
//! once and a summary per source.

use super::{load_project, report_problems};
use crate::cli::{OutputFormat, ValidateArgs};
use crate::diag::{Diagnostic, Location};
use crate::domain::Period;
use crate::exit::ExitStatus;
use crate::ingest::{self, SourceSummary};
use crate::output::printer::Printer;
use std::path::Path;

/// Runs the checks; exit status 1 if any error was found.
pub fn run(_args: &ValidateArgs, config: &Path, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let (project, mut diags) = match load_project(config, printer) {
        Ok(p) => p,
        Err(status) => return Ok(status),
    };
    let (dataset, data_diags) = ingest::load(&project);
    diags.extend(data_diags);
    let leer = match dataset.as_ref().filter(|_| !diags.has_errors()) {
        Some(data) => empty_indicators(&project, data, &mut diags)?,
        None => Vec::new(),
    };
    let sources: Vec<SourceSummary> = dataset.map(|d| d.sources).unwrap_or_default();
    let pruefung = Pruefung {
        fehlend: crate::indicators::lacking(&project.katalog.indicators, &sources),
        project: &project,
        sources,
        leer,
        diags,
    };
    if printer.format == OutputFormat::Json {
        printer.json(&pruefung.json())?;
    } else {
        pruefung.human(printer);
    }
    Ok(pruefung.status())
}

/// What the data cannot fill; a warning (K001) where a report, sheet or profile uses it.
fn empty_indicators(
    project: &crate::project::Project,
    data: &crate::ingest::Dataset,
    diags: &mut crate::diag::Diagnostics,
) -> anyhow::Result<Vec<crate::indicators::Leer>> {
    let table = crate::indicators::compute(project, data, &Default::default())?;
    let leer = crate::indicators::empty(&project.katalog.indicators, data, &table.zeilen);
    let used = project.used_indicators();
    for l in leer.iter().filter(|l| used.contains(l.id.as_str())) {
        let titel = project
            .katalog
            .get(&l.id)
            .map_or("", |i| i.def.titel.as_str());
        diags.push(
            Diagnostic::warning(
                "K001",
                Location::file(&project.config_path),
                format!("Kennzahl {} ({titel}) bleibt leer: {}", l.id, l.grund),
            )
            .hint(l.hinweis.clone()),
        );
    }
    Ok(leer)
}

/// Everything `validate` found.
struct Pruefung<'a> {
    project: &'a crate::project::Project,
    sources: Vec<SourceSummary>,
    leer: Vec<crate::indicators::Leer>,
    fehlend: Vec<crate::indicators::Fehlend>,
    diags: crate::diag::Diagnostics,
}

impl Pruefung<'_> {
    fn status(&self) -> ExitStatus {
        if self.diags.has_errors() {
            ExitStatus::DataProblems
        } else {
            ExitStatus::Success
        }
    }

    fn json(&self) -> serde_json::Value {
        let project = self.project;
        serde_json::json!({
            "version": 1,
            "ok": self.status() == ExitStatus::Success,
            "config": project.config_path.display().to_string(),
            "kommune": project.kommune,
            "stand": project.stand.iso(),
            "stadtteile": project.gebiete.stadtteile.len(),
            "sozialraeume": project.gebiete.sozialraeume.len(),
            "quellen": self.sources.iter().map(|s| serde_json::json!({
                "name": s.name,
                "tabelle": s.table.id(),
                "datei": s.path.display().to_string(),
                "zeilen": s.rows,
                "uebersprungen": s.skipped,
                "zeitpunkte": s.periods.iter().map(|p| p.key()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "leere_kennzahlen": self.leer,
            "fehlende_felder": self.fehlend,
            "errors": self.diags.error_count(),
            "warnings": self.diags.warning_count(),
            "diagnostics": self.diags.sorted(),
        })
    }

    fn human(&self, printer: &Printer) {
        let (project, g) = (self.project, &self.project.gebiete);
        printer.info(&format!(
            "Projekt {} – {}, Stand {}",
            project.config_path.display(),
            project.kommune,
            project.stand
        ));
        let ebene2 = match g.sozialraeume.len() {
            0 => String::new(),
            n => format!(", {} {}", n, plural(&g.ebene2, n)),
        };
        printer.info(&format!(
            "Gebietsgliederung: {} {}{ebene2}",
            g.stadtteile.len(),
            plural(&g.ebene1, g.stadtteile.len()),
        ));
        self.sources_table(printer);
        self.missing_fields(printer);
        let used = project.used_indicators();
        let unused: Vec<&str> = self
            .leer
            .iter()
            .map(|l| l.id.as_str())
            .filter(|id| !used.contains(id))
            .collect();
        if !unused.is_empty() {
            printer.info(&format!(
                "Ohne Daten (in keinem Bericht, Faktencheck oder Profil verwendet): {}; `--format json` nennt die Gründe.",
                unused.join(", ")
            ));
        }
        report_problems(printer, &self.diags);
    }

    fn sources_table(&self, printer: &Printer) {
        if self.sources.is_empty() {
            return;
        }
        printer.info(&format!(
            "{:<20} {:<20} {:>9}  Zeitraum",
            "Quelle", "Tabelle", "Zeilen"
        ));
        for s in &self.sources {
            printer.info(&format!(
                "{:<20} {:<20} {:>9}  {}",
                s.name,
                s.table.id(),
                crate::format::integer(s.rows as i64),
                coverage(&s.periods)
            ));
        }
    }

    /// Per source, the fields it does not give and the indicators that lose its rows.
    fn missing_fields(&self, printer: &Printer) {
        if self.fehlend.is_empty() {
            return;
        }
        printer.info("Felder, die eine Quelle nicht liefert (die Kennzahlen in Klammern fehlen für ihre Zeilen):");
        let mut by_source: Vec<(&str, Vec<String>)> = Vec::new();
        for f in &self.fehlend {
            let entry = format!("{} ({})", f.feld, f.kennzahlen.join(", "));
            match by_source.last_mut() {
                Some((q, list)) if *q == f.quelle => list.push(entry),
                _ => by_source.push((&f.quelle, vec![entry])),
            }
        }
        for (q, list) in by_source {
            printer.info(&format!("  {q}: {}", list.join("; ")));
        }
    }
}

/// "31.12.2016 – 31.12.2025 (10 Stichtage)".
fn coverage(periods: &[Period]) -> String {
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return "–".into();
    };
    let unit = match (first.kind(), periods.len()) {
        (crate::domain::PeriodKind::Stichtag, 1) => "Stichtag",
        (crate::domain::PeriodKind::Stichtag, _) => "Stichtage",
        (crate::domain::PeriodKind::Schuljahr, 1) => "Schuljahr",
        (crate::domain::PeriodKind::Schuljahr, _) => "Schuljahre",
        (crate::domain::PeriodKind::Monat, 1) => "Monat",
        (crate::domain::PeriodKind::Monat, _) => "Monate",
        (_, 1) => "Jahr",
        _ => "Jahre",
    };
    if first == last {
        format!("{first} (1 {unit})")
    } else {
        format!("{first} – {last} ({} {unit})", periods.len())
    }
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
