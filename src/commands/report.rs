//! `bildungsmonitor report`: the configured report modules as PDF, optionally re-rendered
//! whenever configuration, data or templates change (`--watch`).

use super::pdf;
use crate::cli::ReportArgs;
use crate::exit::ExitStatus;
use crate::output::printer::Printer;
use crate::project::Project;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Renders the modules once, or again on every change with `--watch`.
pub fn run(
    args: &ReportArgs,
    config: &Path,
    printer: &Printer,
    no_cache: bool,
) -> Result<ExitStatus> {
    if !args.watch {
        return einmal(args, config, printer, no_cache);
    }
    // the state before the first run: a file saved while it renders triggers the next run
    let mut stand = zeiten(&beobachtet(config));
    loop {
        let status = match einmal(args, config, printer, no_cache) {
            Ok(s) => s,
            Err(e) => {
                printer.failure(&e);
                ExitStatus::Failed
            }
        };
        let _ = status;
        printer
            .info("Warte auf Änderungen an Konfiguration, Daten oder Vorlagen (Strg+C beendet) …");
        loop {
            std::thread::sleep(Duration::from_millis(400));
            let jetzt = zeiten(&beobachtet(config));
            if jetzt != stand {
                stand = jetzt;
                // let an editor finish writing
                std::thread::sleep(Duration::from_millis(200));
                printer.info("Änderung erkannt – erzeuge neu.");
                break;
            }
        }
    }
}

fn einmal(
    args: &ReportArgs,
    config: &Path,
    printer: &Printer,
    no_cache: bool,
) -> Result<ExitStatus> {
    let t0 = Instant::now();
    let pruefen = |p: &Project| module(p, args).map(drop);
    let lauf = match pdf::vorbereiten(config, printer, &args.pdf, &pruefen, no_cache)? {
        Ok(l) => l,
        Err(status) => return Ok(status),
    };
    let module = module(&lauf.project, args)?;
    let ctx = lauf.kontext(args.pdf.period.as_deref());
    let ausgaben = pdf::rendern(
        &lauf,
        &module,
        |b| {
            Ok((
                args.pdf.out.join(format!("{}.pdf", b.id)),
                crate::report::modul(&ctx, b)?,
            ))
        },
        printer,
    )?;
    pdf::melden(printer, &ausgaben, &lauf, t0.elapsed())?;
    Ok(ExitStatus::Success)
}

fn module<'a>(p: &'a Project, args: &ReportArgs) -> Result<Vec<&'a crate::project::Bericht>> {
    if p.berichte.is_empty() {
        bail!(
            "keine Berichtsmodule konfiguriert; in {} Abschnitte [berichte.<id>] mit titel und indikatoren anlegen (docs/config.md)",
            p.config_path.display()
        );
    }
    for m in &args.module {
        if !p.berichte.iter().any(|b| &b.id == m) {
            let hint = crate::suggest::did_you_mean(m, p.berichte.iter().map(|b| b.id.as_str()))
                .map(|s| format!(" Meinten Sie „{s}“?"))
                .unwrap_or_default();
            bail!(
                "unbekanntes Modul „{m}“.{hint} Konfiguriert sind: {}",
                p.berichte
                    .iter()
                    .map(|b| b.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(p.berichte
        .iter()
        .filter(|b| args.module.is_empty() || args.module.contains(&b.id))
        .collect())
}

/// Files whose change triggers a new run: configuration, sources, areas, templates, logo.
fn beobachtet(config: &Path) -> Vec<PathBuf> {
    let mut v = vec![config.to_path_buf()];
    if let Ok((p, _)) = crate::project::load(config) {
        v.extend(p.quellen.iter().map(|q| q.path.clone()));
        v.extend(p.gebiete.geojson.clone());
        v.extend(p.logo.clone());
        v.extend(p.gestaltung.schriftdateien.iter().cloned());
        v.extend(p.faktenchecks.iter().filter_map(|f| f.text.clone()));
        if let Some(dir) = &p.vorlagen {
            let mut stack = vec![dir.clone()];
            while let Some(d) = stack.pop() {
                if let Ok(rd) = std::fs::read_dir(&d) {
                    for e in rd.flatten() {
                        let path = e.path();
                        if path.is_dir() {
                            stack.push(path);
                        } else {
                            v.push(path);
                        }
                    }
                }
            }
        }
    }
    v.sort();
    v
}

fn zeiten(files: &[PathBuf]) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    files
        .iter()
        .map(|f| {
            let m = std::fs::metadata(f).ok();
            (
                f.clone(),
                m.as_ref().and_then(|m| m.modified().ok()),
                m.map_or(0, |m| m.len()),
            )
        })
        .collect()
}
