//! What `report` and `faktencheck` share: load and protect the data once, build the Typst
//! engine once, render documents in parallel, write all PDFs as one atomic batch, print a
//! summary or a JSON manifest.

use crate::charts::Geometrie;
use crate::cli::{OutputFormat, PdfArgs};
use crate::disclosure::Ergebnis;
use crate::exit::ExitStatus;
use crate::output::{atomic::OutputBatch, printer::Printer};
use crate::project::Project;
use crate::render::{Engine, PdfEinstellungen, Vorlagen};
use crate::report::{Dokument, Kontext};
use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A prepared run.
pub(crate) struct Lauf {
    pub project: Project,
    pub ergebnis: Ergebnis,
    pub flaechen: Option<Geometrie>,
    pub engine: Engine,
    pub logo: Option<Vec<u8>>,
    pub pdf: PdfEinstellungen,
    pub entwurf: Option<String>,
    /// Wall time of reading, validating, computing and protecting.
    pub daten_zeit: Duration,
}

impl Lauf {
    pub fn kontext<'a>(&'a self, ziel: Option<&'a str>) -> Kontext<'a> {
        Kontext::new(
            &self.project,
            &self.ergebnis,
            self.flaechen.as_ref(),
            ziel,
            self.entwurf.clone(),
            &self.pdf,
        )
    }
}

/// Loads data, templates and fonts; `Err(status)` after printed data problems.
pub(crate) fn vorbereiten(
    config: &Path,
    printer: &Printer,
    args: &PdfArgs,
    pruefen: &dyn Fn(&Project) -> Result<()>,
    no_cache: bool,
) -> Result<Result<Lauf, ExitStatus>> {
    if let Some(p) = &args.period
        && !crate::report::ziel_gueltig(p)
    {
        bail!("Zeitpunkt „{p}“ nicht lesbar; als 2025, 2025/26, 01.03.2026 oder 2026-10 angeben");
    }
    let t0 = Instant::now();
    let (project, diags) = match super::load_project(config, printer) {
        Ok(x) => x,
        Err(status) => return Ok(Err(status)),
    };
    let projekt_zeit = t0.elapsed();
    // The selection, templates, fonts, map and logo before the data: a mistyped module or
    // Stadtteil should not wait for the whole data pipeline to be reported.
    pruefen(&project)?;
    let vorlagen = match &project.vorlagen {
        Some(dir) => Vorlagen::laden(dir).map_err(crate::render::vorlagenfehler)?,
        None => Vorlagen::eingebaut(),
    };
    let lint = crate::render::lint(&vorlagen);
    if !lint.is_empty() {
        return Err(crate::render::vorlagenfehler(anyhow::anyhow!(
            "Vorlagen nicht zulässig:\n{}\nVorlagen bekommen alle Daten über sys.inputs und dürfen nichts ausführen oder von der Uhr lesen.",
            lint.join("\n")
        )));
    }
    let mut schriften = Vec::new();
    for f in &project.gestaltung.schriftdateien {
        schriften.push(
            std::fs::read(f)
                .with_context(|| format!("Schriftdatei {} nicht lesbar", f.display()))?,
        );
    }
    let engine = Engine::new(&vorlagen, &schriften)?;
    let flaechen = super::geometrie(&project)?;
    let logo = match &project.logo {
        Some(p) => {
            Some(std::fs::read(p).with_context(|| format!("Logo {} nicht lesbar", p.display()))?)
        }
        None => None,
    };
    let t1 = Instant::now();
    let ergebnis = match super::publication(&project, diags, printer, no_cache)? {
        Ok(x) => x,
        Err(status) => return Ok(Err(status)),
    };
    let daten_zeit = projekt_zeit + t1.elapsed();
    let pdf = PdfEinstellungen::aus(project.stand);
    let entwurf = args.draft.then(|| {
        format!(
            "Daten sha256:{} · bildungsmonitor {}",
            &daten_hash(&project)[..16],
            env!("CARGO_PKG_VERSION")
        )
    });
    Ok(Ok(Lauf {
        project,
        ergebnis,
        flaechen,
        engine,
        logo,
        pdf,
        entwurf,
        daten_zeit,
    }))
}

/// SHA-256 over the configuration and every source file, in configuration order.
pub(crate) fn daten_hash(project: &Project) -> String {
    let mut h = Sha256::new();
    let mut add = |p: &Path| {
        h.update(p.to_string_lossy().as_bytes());
        h.update(std::fs::read(p).unwrap_or_default());
    };
    add(&project.config_path);
    for q in &project.quellen {
        add(&q.path);
    }
    if let Some(g) = &project.gebiete.geojson {
        add(g);
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One written PDF.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Ausgabe {
    pub datei: PathBuf,
    pub titel: String,
    pub seiten: usize,
    pub bytes: usize,
    pub sha256: String,
    pub gesperrte_werte: usize,
    pub warnungen: Vec<String>,
    #[serde(skip)]
    pdf: Vec<u8>,
}

/// Builds and renders the documents in parallel, in chunks so that memory stays flat over
/// hundreds of sheets (each finished PDF goes to a temporary file at once), and writes all
/// PDFs at once; nothing is written if one fails.
pub(crate) fn rendern<J: Sync>(
    lauf: &Lauf,
    jobs: &[J],
    bauen: impl Fn(&J) -> Result<(PathBuf, Dokument)> + Sync,
    printer: &Printer,
) -> Result<Vec<Ausgabe>> {
    let bar = if printer.is_interactive() && printer.format == OutputFormat::Human {
        let b = indicatif::ProgressBar::new(jobs.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} PDF {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let mut batch = OutputBatch::new();
    let mut out = Vec::with_capacity(jobs.len());
    let chunk = 4 * rayon::current_num_threads().max(1);
    for part in jobs.chunks(chunk) {
        let results: Vec<Result<Ausgabe>> = part
            .par_iter()
            .map(|job| {
                let (target, mut doc) = bauen(job)?;
                crate::charts::use_font(&mut doc.bilder, &lauf.project.gestaltung.schrift);
                let pdf = lauf
                    .engine
                    .render(
                        &doc.vorlage,
                        &doc.titel,
                        &doc.daten,
                        &doc.bilder,
                        lauf.logo.as_deref(),
                        &lauf.pdf,
                    )
                    .with_context(|| format!("{} nicht erzeugt", target.display()))?;
                match &bar {
                    Some(b) => {
                        b.inc(1);
                        b.set_message(target.display().to_string());
                    }
                    None => printer.detail(&format!("{} gesetzt", target.display())),
                }
                Ok(Ausgabe {
                    datei: target,
                    titel: doc.titel,
                    seiten: pdf.seiten,
                    bytes: pdf.bytes.len(),
                    sha256: hex(&Sha256::digest(&pdf.bytes)),
                    gesperrte_werte: doc.gesperrt,
                    warnungen: pdf.warnungen,
                    pdf: pdf.bytes,
                })
            })
            .collect();
        for r in results {
            let mut a = r?;
            batch.add(&a.datei, &a.pdf)?;
            a.pdf = Vec::new();
            out.push(a);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    batch.commit()?;
    Ok(out)
}

/// Prints the manifest (`--format json`) or one line per file.
pub(crate) fn melden(
    printer: &Printer,
    ausgaben: &[Ausgabe],
    lauf: &Lauf,
    gesamt: Duration,
) -> std::io::Result<()> {
    if printer.format == OutputFormat::Json {
        return printer.json(&serde_json::json!({
            "version": 1,
            "dateien": ausgaben,
            "gesperrte_zahlen": lauf.ergebnis.audit.len(),
            "warnungen": ausgaben.iter().flat_map(|a| a.warnungen.iter()).collect::<Vec<_>>(),
        }));
    }
    for a in ausgaben {
        for w in &a.warnungen {
            printer.info(&format!("Warnung ({}): {w}", a.datei.display()));
        }
        printer.success(&format!(
            "{} geschrieben: {} Seiten, {} KB",
            a.datei.display(),
            a.seiten,
            a.bytes / 1024
        ));
    }
    let seiten: usize = ausgaben.iter().map(|a| a.seiten).sum();
    printer.detail(&format!(
        "Zeit: gesamt {:.2} s – Daten (Einlesen, Prüfen, Kennzahlen, Geheimhaltung) {:.2} s, Diagramme + Satz + PDF + Schreiben {:.2} s für {} Dateien mit {seiten} Seiten",
        gesamt.as_secs_f64(),
        lauf.daten_zeit.as_secs_f64(),
        gesamt.saturating_sub(lauf.daten_zeit).as_secs_f64(),
        ausgaben.len()
    ));
    Ok(())
}

/// Readable, stable file names: lower case ASCII, umlauts transliterated, at most
/// [`MAX_TEIL`] characters (a name of 300 characters would make a file name the file system
/// refuses).
pub(crate) fn dateiname(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        if out.len() >= MAX_TEIL {
            break;
        }
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {
                if !out.ends_with('-') {
                    out.push('-');
                }
            }
        }
    }
    out.trim_matches('-').to_string()
}

/// Longest part of a file name taken from a name or title.
const MAX_TEIL: usize = 80;

#[cfg(test)]
mod tests {
    #[test]
    fn file_names() {
        assert_eq!(super::dateiname("Neustädter See"), "neustaedter-see");
        assert_eq!(
            super::dateiname("#read(\"/etc/passwd\")"),
            "read-etc-passwd"
        );
        let long = super::dateiname(&"Sehr langer Name ".repeat(30));
        assert!(
            long.len() <= super::MAX_TEIL && !long.ends_with('-'),
            "{long}"
        );
    }
}
