//! `bildungsmonitor init DIR`: scaffold a project an analyst can start from – the sample, or
//! (`--from ORDNER`) a project that reads the deliveries in a folder.

use crate::cli::InitArgs;
use crate::exit::ExitStatus;
use crate::inspect::{self, Art, Befund};
use crate::output::{atomic, printer::Printer};
use crate::sample::{self, Options};
use anyhow::{Context, bail};
use std::path::Path;

/// Creates `DIR/bildungsmonitor.toml` and `DIR/daten/` with the sample data, or with `--from`
/// the project for a folder of deliveries.
pub fn run(args: &InitArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let dir = &args.dir;
    if let Some(from) = &args.from {
        return from_folder(args, from, printer);
    }
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("{} ist kein lesbarer Ordner", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} ist nicht leer; `init` legt Projekte nur in leeren oder neuen Ordnern an, damit nichts überschrieben wird",
                dir.display()
            );
        }
    }
    let opts = Options {
        stadtteile: 40,
        sozialraeume: None,
        jahre: 10,
        seed: 2026,
    };
    super::sample::write_sample(opts, &dir.join("daten"))?;
    let config = dir.join("bildungsmonitor.toml");
    let kommune = args.kommune.as_deref().unwrap_or("Musterstadt");
    atomic::write(&config, sample::project_config("daten", kommune).as_bytes())?;
    if printer.format == crate::cli::OutputFormat::Json {
        printer.json(&serde_json::json!({
            "version": 1,
            "config": config.display().to_string(),
            "daten": dir.join("daten").display().to_string(),
        }))?;
    } else {
        printer.success(&format!("Projekt angelegt in {}", dir.display()));
        printer.info(&format!(
            "Weiter mit:  cd {} && bildungsmonitor validate",
            dir.display()
        ));
    }
    Ok(ExitStatus::Success)
}

/// `init DIR --from ORDNER`.
fn from_folder(args: &InitArgs, from: &Path, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let dir = &args.dir;
    if !from.is_dir() {
        bail!("{} ist kein Ordner mit Lieferungen", from.display());
    }
    let config = dir.join("bildungsmonitor.toml");
    if config.exists() {
        bail!(
            "{} gibt es schon; `init --from` überschreibt keine Projektdatei (einen neuen Ordner angeben)",
            config.display()
        );
    }
    let befund = inspect::inspect(from, dir)
        .with_context(|| format!("{} ist nicht lesbar", from.display()))?;
    let vorhanden = befund
        .dateien
        .iter()
        .find(|d| matches!(d.art, Art::Gebiete))
        .map(|d| d.pfad.clone());
    if vorhanden.is_none() && befund.gebiete.is_empty() {
        bail!(
            "in {} wurde keine Lieferung mit Gebietsnummern erkannt: Dateien mit einer Spalte wie „Stadtteil-Nr.“ und Zählgrößen ablegen, oder eine Gebietsdatei (nr;name)",
            from.display()
        );
    }
    let gebiete_neu = dir.join("gebiete.csv");
    if vorhanden.is_none() && gebiete_neu.exists() {
        bail!(
            "{} gibt es schon; `init --from` überschreibt sie nicht",
            gebiete_neu.display()
        );
    }
    let kommune = args
        .kommune
        .clone()
        .or_else(|| befund.kommune.clone())
        .unwrap_or_else(|| "Meine Kommune".into());
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{} lässt sich nicht anlegen", dir.display()))?;
    let gebiete_csv = inspect::gebiete_csv(&befund);
    let berichte = filled_reports(&befund, &kommune, dir, vorhanden.as_deref(), &gebiete_csv)?;
    let text = inspect::project_text(
        &befund,
        &kommune,
        vorhanden.as_deref().unwrap_or("gebiete.csv"),
        &berichte,
    );
    let mut batch = atomic::OutputBatch::new();
    if vorhanden.is_none() {
        batch.add(&gebiete_neu, gebiete_csv.as_bytes())?;
    }
    batch.add(&config, text.as_bytes())?;
    batch.commit()?;
    report(printer, &befund, &config, &berichte)
}

/// The indicators the deliveries fill (checked by reading them with the project), as one
/// report per topic.
fn filled_reports(
    befund: &Befund,
    kommune: &str,
    dir: &Path,
    vorhanden: Option<&str>,
    gebiete_csv: &str,
) -> anyhow::Result<Vec<(String, String, Vec<String>)>> {
    let temp = |suffix: &str| {
        tempfile::Builder::new()
            .prefix(".bildungsmonitor-init-")
            .suffix(suffix)
            .tempfile_in(dir)
            .with_context(|| format!("{} ist nicht beschreibbar", dir.display()))
    };
    let gebiete = temp(".csv")?;
    std::fs::write(gebiete.path(), gebiete_csv)?;
    let gebiete_name = gebiete
        .path()
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    let text = inspect::project_text(befund, kommune, vorhanden.unwrap_or(&gebiete_name), &[]);
    let config = temp(".toml")?;
    std::fs::write(config.path(), text)?;
    let Ok((project, _)) = crate::project::load(config.path()) else {
        return Ok(Vec::new());
    };
    let (Some(data), _) = crate::ingest::load(&project) else {
        return Ok(Vec::new());
    };
    let table = crate::indicators::compute(&project, &data, &Default::default())?;
    let mut by_topic: Vec<(crate::catalogue::Thema, Vec<String>)> = Vec::new();
    for ind in &project.katalog.indicators {
        let filled = table
            .zeilen
            .iter()
            .any(|r| *r.indikator == *ind.id && r.wert.is_some());
        if !filled {
            continue;
        }
        match by_topic.iter_mut().find(|(t, _)| *t == ind.def.thema) {
            Some((_, list)) => list.push(ind.id.clone()),
            None => by_topic.push((ind.def.thema, vec![ind.id.clone()])),
        }
    }
    Ok(by_topic
        .into_iter()
        .map(|(thema, inds)| {
            let id = crate::inspect::norm_id(thema.label());
            (id, thema.label().to_string(), inds)
        })
        .collect())
}

fn report(
    printer: &Printer,
    befund: &Befund,
    config: &Path,
    berichte: &[(String, String, Vec<String>)],
) -> anyhow::Result<ExitStatus> {
    let quellen = befund
        .dateien
        .iter()
        .filter(|d| matches!(d.art, Art::Quelle(_)))
        .count();
    let offen: Vec<&str> = befund
        .dateien
        .iter()
        .filter(|d| matches!(d.art, Art::Unbekannt(_)))
        .map(|d| d.pfad.as_str())
        .collect();
    if printer.format == crate::cli::OutputFormat::Json {
        printer.json(&serde_json::json!({
            "version": 1,
            "config": config.display().to_string(),
            "quellen": quellen,
            "nicht_erkannt": offen,
            "berichte": berichte.iter().map(|(id, _, i)| serde_json::json!({ "id": id, "indikatoren": i })).collect::<Vec<_>>(),
        }))?;
        return Ok(ExitStatus::Success);
    }
    printer.success(&format!(
        "{} geschrieben: {quellen} Quellen, {} Berichte mit {} Kennzahlen",
        config.display(),
        berichte.len(),
        berichte.iter().map(|b| b.2.len()).sum::<usize>()
    ));
    if !offen.is_empty() {
        printer.info(&format!(
            "Nicht erkannt (als FRAGE in der Datei): {}",
            offen.join(", ")
        ));
    }
    printer.info("Zeilen mit „FRAGE“ prüfen, dann: bildungsmonitor validate");
    Ok(ExitStatus::Success)
}
