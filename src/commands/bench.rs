//! `bildungsmonitor bench`: generates data with `sample` and measures every stage of the
//! pipeline in this process – wall time, throughput, peak memory – so that "our overhead"
//! (everything but Typst) is visible. Build with `--release`; debug builds are ~10× slower.

use super::pdf::daten_hash;
use crate::cli::{BenchArgs, BenchBis, Lesemessung, OutputFormat, Scale};
use crate::exit::ExitStatus;
use crate::output::{atomic::OutputBatch, printer::Printer};
use crate::render::{Engine, PdfEinstellungen, Vorlagen};
use crate::report::{Dokument, Kontext, Profilgebiet};
use anyhow::{Result, bail};
use rayon::prelude::*;
use serde::Serialize;
use std::time::{Duration, Instant};

const EINLESEN: &str = "Einlesen + Prüfen";
const DIAGRAMME: &str = "Diagramme + Texte";
const TYPST: &str = "Typst: Satz + PDF (parallel)";
const SCHREIBEN: &str = "Schreiben (PDF, CSV, XLSX, JSON)";
/// Documents built and set at a time (the sample city's 50 in one part).
const TEIL: usize = 64;

/// One measured stage.
#[derive(Debug, Serialize)]
struct Stufe {
    stufe: &'static str,
    sekunden: f64,
    /// CPU time of all threads in the stage (user + system): over `sekunden`, how many
    /// cores the stage kept busy.
    cpu_sekunden: f64,
    menge: f64,
    einheit: &'static str,
    je_sekunde: f64,
    /// Peak resident memory of the process so far (MB).
    spitze_mb: f64,
}

/// Peak resident set size of this process (VmHWM), in MB; 0 where /proc is missing.
fn spitze_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time (user + system) of this process and its threads so far, in seconds; 0 where
/// /proc is missing. Linux counts it in USER_HZ = 100 ticks per second (fixed for user
/// space), so a stage's figure is good to about 0.01 s.
fn cpu_sekunden() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // the fields after the command name in parentheses; utime and stime are 14 and 15
            let rest = &s[s.rfind(')')? + 1..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

struct Messung {
    stufen: Vec<Stufe>,
}

impl Messung {
    fn stufe<T>(
        &mut self,
        name: &'static str,
        einheit: &'static str,
        f: impl FnOnce() -> Result<(T, f64)>,
    ) -> Result<T> {
        let (t0, c0) = (Instant::now(), cpu_sekunden());
        let (out, menge) = f()?;
        let s = t0.elapsed().as_secs_f64();
        let cpu = cpu_sekunden() - c0;
        // a stage run in parts: add up
        if let Some(st) = self.stufen.iter_mut().find(|st| st.stufe == name) {
            st.sekunden += s;
            st.cpu_sekunden += cpu;
            st.menge += menge;
            st.je_sekunde = if st.sekunden > 0.0 {
                st.menge / st.sekunden
            } else {
                0.0
            };
            st.spitze_mb = spitze_mb();
            return Ok(out);
        }
        self.stufen.push(Stufe {
            stufe: name,
            sekunden: s,
            cpu_sekunden: cpu,
            menge,
            einheit,
            je_sekunde: if s > 0.0 { menge / s } else { 0.0 },
            spitze_mb: spitze_mb(),
        });
        Ok(out)
    }
}

/// Runs the benchmark.
pub fn run(args: &BenchArgs, printer: &Printer) -> Result<ExitStatus> {
    if cfg!(debug_assertions) {
        printer.info(
            "Hinweis: Debug-Bau – Zeiten sind etwa zehnmal zu lang. Für echte Zahlen: cargo run --release -- bench",
        );
    }
    // bund: the ~11,000 Gemeinden of Germany in 400 Kreise
    let (n, kreise, jahre, name) = match args.scale {
        Scale::City => (40, None, 10, "city"),
        Scale::Land => (220, None, 10, "land"),
        Scale::Bund => (11_000, Some(400), 10, "bund"),
    };
    if let (Some(art), Some(dir)) = (args.lesemessung, &args.dir) {
        return lesemessung(dir, art, printer);
    }
    let tmp;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let mut m = Messung { stufen: Vec::new() };
    let t_gesamt = Instant::now();
    // 0. data (not part of the pipeline; reported for completeness). A child process
    // generates it, so that the peak memory below is the pipeline's own.
    let config = dir.join("bildungsmonitor.toml");
    let marker = dir.join("bench-skala.txt");
    let kennung = format!("{name} {n} {kreise:?} {jahre}\n");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(kennung.as_str()) && config.exists()
    {
        printer.info(&format!(
            "Daten aus {} wiederverwendet (gleiche Größe).",
            dir.display()
        ));
    } else {
        m.stufe("Testdaten erzeugen (sample)", "Dateien", || {
            let exe = std::env::current_exe()?;
            let mut cmd = std::process::Command::new(exe);
            cmd.args(["-q", "sample", "--stadtteile", &n.to_string()])
                .args(["--jahre", &jahre.to_string(), "--seed", "2026", "--out"])
                .arg(dir.join("data-samples"));
            if let Some(k) = kreise {
                cmd.args(["--sozialraeume", &k.to_string()]);
            }
            let status = cmd.status()?;
            if !status.success() {
                bail!("sample schlug fehl ({status})");
            }
            crate::output::atomic::write(
                &config,
                crate::sample::project_config("data-samples", "Benchstadt").as_bytes(),
            )?;
            crate::output::atomic::write(&marker, kennung.as_bytes())?;
            Ok(((), 15.0))
        })?;
    }
    let t_pipeline = Instant::now();
    // 1. read + validate
    let (project, data, mb) = m.stufe(EINLESEN, "Zeilen", || {
        let (project, mut diags) = crate::project::load(&config)
            .map_err(|d| anyhow::anyhow!("Projektdatei: {} Fehler", d.error_count()))?;
        let (data, d2) = crate::ingest::load(&project);
        diags.extend(d2);
        let Some(data) = data.filter(|_| !diags.has_errors()) else {
            bail!("die erzeugten Daten haben Fehler: {}", diags.error_count());
        };
        let rows: usize = data.sources.iter().map(|s| s.rows).sum();
        let bytes: u64 = data.sources.iter().map(|s| s.bytes).sum();
        Ok(((project, data, bytes as f64 / 1e6), rows as f64))
    })?;
    let bis = if args.ohne_pdf {
        BenchBis::Geheimhaltung
    } else {
        args.bis
    };
    // 2. indicators
    let table = (bis >= BenchBis::Kennzahlen)
        .then(|| {
            m.stufe("Kennzahlen (polars)", "Werte", || {
                let t = crate::indicators::compute(&project, &data, &Default::default())?;
                let n = t.zeilen.len() as f64;
                Ok((t, n))
            })
        })
        .transpose()?;
    drop(data);
    // 3. disclosure
    // documents and exports need only the published table: the computed rows become it
    let ergebnis = table
        .filter(|_| bis >= BenchBis::Geheimhaltung)
        .map(|table| {
            m.stufe("Geheimhaltung", "Werte", || {
                let e = crate::disclosure::protect(
                    table,
                    &project.katalog,
                    &project.geheimhaltung,
                    &project.gebiete,
                );
                let n = e.zeilen.len() as f64;
                Ok((e, n))
            })
        })
        .transpose()?;
    let t_daten = t_pipeline.elapsed();
    let mut seiten = 0;
    let mut render_wall = Duration::ZERO;
    if let Some(ergebnis) = ergebnis.as_ref().filter(|_| bis == BenchBis::Alles) {
        let engine = Engine::new(&Vorlagen::eingebaut(), &[])?;
        let flaechen = super::geometrie(&project)?;
        let pdf = PdfEinstellungen::aus(project.stand);
        let ctx = Kontext::new(&project, ergebnis, flaechen.as_ref(), None, None, &pdf);
        // federal scale: one profile per Kreis; a module or a profile per Gemeinde is not
        // what anyone prints
        let mut jobs: Vec<(String, Job)> = if kreise.is_some() {
            Vec::new()
        } else {
            project
                .berichte
                .iter()
                .map(|b| (format!("{}.pdf", b.id), Job::Modul(b)))
                .collect()
        };
        if args.scale == Scale::City {
            jobs.extend(
                project
                    .faktenchecks
                    .iter()
                    .map(|f| (format!("faktencheck-{}.pdf", f.id), Job::Thema(f))),
            );
        }
        if kreise.is_some() {
            jobs.extend(project.gebiete.sozialraeume.iter().map(|s| {
                (
                    format!("profil-{}.pdf", s.nr),
                    Job::Profil(Profilgebiet::Sozialraum(s.nr.clone())),
                )
            }));
        } else {
            jobs.extend(project.gebiete.stadtteile.iter().map(|s| {
                (
                    format!("profil-{}.pdf", s.nr),
                    Job::Profil(Profilgebiet::Stadtteil(s.nr.clone())),
                )
            }));
        }
        let out = dir.join("out");
        let mut batch = OutputBatch::new();
        // in parts, so that documents and PDFs of 400 profiles are not all in memory at once;
        // the stages add up over the parts
        for part in jobs.chunks(TEIL) {
            // 4. charts and texts (the documents' data, including every SVG)
            let docs: Vec<(&String, Dokument)> = m.stufe(DIAGRAMME, "Dokumente", || {
                let docs: Vec<(&String, Dokument)> = part
                    .par_iter()
                    .map(|(name, job)| {
                        let d = match job {
                            Job::Modul(b) => crate::report::modul(&ctx, b)?,
                            Job::Thema(f) => crate::report::faktencheck(&ctx, f)?,
                            Job::Profil(g) => crate::report::profil(&ctx, g)?,
                        };
                        Ok((name, d))
                    })
                    .collect::<Result<_>>()?;
                let n = docs.len() as f64;
                Ok((docs, n))
            })?;
            // 5. Typst: layout + PDF export, in parallel over the documents
            let t_render = Instant::now();
            let pdfs: Vec<(&String, crate::render::Pdf)> = m.stufe(TYPST, "Seiten", || {
                let pdfs: Vec<(&String, crate::render::Pdf)> = docs
                    .par_iter()
                    .map(|(name, d)| {
                        let p =
                            engine.render(&d.vorlage, &d.titel, &d.daten, &d.bilder, None, &pdf)?;
                        Ok((*name, p))
                    })
                    .collect::<Result<_>>()?;
                let pages: usize = pdfs.iter().map(|p| p.1.seiten).sum();
                Ok((pdfs, pages as f64))
            })?;
            render_wall += t_render.elapsed();
            seiten += pdfs.iter().map(|(_, p)| p.seiten).sum::<usize>();
            // 6. write the PDFs (committed with the exports below)
            m.stufe(SCHREIBEN, "Dateien", || {
                for (name, p) in &pdfs {
                    batch.add(&out.join(name), &p.bytes)?;
                }
                Ok(((), pdfs.len() as f64))
            })?;
        }
        // 6. the exports, streamed into their files, and the commit of all files
        m.stufe(SCHREIBEN, "Dateien", || {
            let kctx = crate::export::Kontext {
                kommune: &project.kommune,
                stand: project.stand,
                katalog: &project.katalog,
            };
            use crate::export::Format;
            let ziele: Vec<(std::path::PathBuf, Format)> = [
                ("csv", Format::Csv),
                ("xlsx", Format::Xlsx),
                ("json", Format::Json),
            ]
            .into_iter()
            .map(|(ext, f)| (out.join(format!("kennzahlen.{ext}")), f))
            .collect();
            let ziele: Vec<(&std::path::Path, Format)> =
                ziele.iter().map(|(p, f)| (p.as_path(), *f)).collect();
            for f in crate::export::stage_all(&ziele, ergebnis, &kctx)? {
                batch.keep(f);
            }
            let n = ziele.len() as f64;
            std::mem::take(&mut batch).commit()?;
            Ok(((), n))
        })?;
    }
    let gesamt = t_pipeline.elapsed();
    drop(ergebnis);
    // after the pipeline, so that its peak memory is its own
    let spitze_pipeline = spitze_mb();
    let vergleich = vergleich_polars(&project, &dir)?;
    let ueberhang = gesamt.saturating_sub(render_wall);
    let summary = serde_json::json!({
        "version": 1,
        "skala": name,
        "gebiete": n,
        "kreise": kreise,
        "jahre": jahre,
        "release": !cfg!(debug_assertions),
        "kerne": rayon::current_num_threads(),
        "daten_mb": mb,
        "daten_hash": &daten_hash(&project)[..16],
        "stufen": m.stufen,
        "pipeline_sekunden": gesamt.as_secs_f64(),
        "daten_sekunden": t_daten.as_secs_f64(),
        "typst_wand_sekunden": render_wall.as_secs_f64(),
        "seiten": seiten,
        "verhaeltnis_gesamt_zu_typst": if render_wall > Duration::ZERO { gesamt.as_secs_f64() / render_wall.as_secs_f64() } else { 0.0 },
        "ueberhang_sekunden": ueberhang.as_secs_f64(),
        "einlesen_mb_je_sekunde": m
            .stufen
            .iter()
            .find(|s| s.stufe == EINLESEN)
            .map_or(0.0, |s| mb / s.sekunden.max(1e-9)),
        "einlesen_vergleich": &vergleich,
        "spitze_mb": spitze_pipeline,
        "mit_erzeugung_sekunden": t_gesamt.elapsed().as_secs_f64(),
    });
    if printer.format == OutputFormat::Json {
        printer.json(&summary)?;
        return Ok(ExitStatus::Success);
    }
    let mut t = String::new();
    t.push_str(&format!(
        "bench --scale {name}: {n} Gebiete{} × {jahre} Jahre, {:.1} MB Eingabedaten, {} Kerne{}\n\n",
        kreise.map_or(String::new(), |k| format!(" in {k} Kreisen")),
        mb,
        rayon::current_num_threads(),
        if cfg!(debug_assertions) {
            ", DEBUG-BAU"
        } else {
            ""
        }
    ));
    t.push_str(&format!(
        "{:<34} {:>9} {:>8} {:>12} {:<10} {:>12} {:>10}\n",
        "Stufe", "Sekunden", "CPU s", "Menge", "", "je Sekunde", "Spitze MB"
    ));
    for s in &m.stufen {
        t.push_str(&format!(
            "{:<34} {:>9.3} {:>8.2} {:>12.0} {:<10} {:>12.0} {:>10.0}\n",
            s.stufe, s.sekunden, s.cpu_sekunden, s.menge, s.einheit, s.je_sekunde, s.spitze_mb
        ));
    }
    t.push_str(&format!(
        "\nPipeline ohne Erzeugung: {:.2} s; davon Daten (Einlesen bis Geheimhaltung) {:.2} s, Typst (Wand) {:.2} s, {seiten} Seiten.\nGesamt / Typst = {:.2}; unser Überhang (alles außer Typst) {:.2} s; Einlesen {:.1} MB/s; Spitze {:.0} MB.\n",
        gesamt.as_secs_f64(),
        t_daten.as_secs_f64(),
        render_wall.as_secs_f64(),
        summary["verhaeltnis_gesamt_zu_typst"].as_f64().unwrap_or(0.0),
        ueberhang.as_secs_f64(),
        summary["einlesen_mb_je_sekunde"].as_f64().unwrap_or(0.0),
        spitze_pipeline
    ));
    if let Some(v) = &vergleich {
        t.push_str(&format!(
            "Größte CSV ({}, {:.1} MB): Einlesen + Prüfen auf einem Kern {:.3} s = {:.0} MB/s, mit allen Kernen {:.3} s = {:.0} MB/s; polars read_csv ohne Prüfung {:.3} s = {:.0} MB/s ({} Threads); Verhältnis bei gleichen Kernen {:.2}, ein Kern gegen polars {:.2}.\n",
            v.datei,
            v.mb,
            v.sekunden,
            v.mb / v.sekunden.max(1e-9),
            v.sekunden_alle_kerne,
            v.mb / v.sekunden_alle_kerne.max(1e-9),
            v.polars_sekunden,
            v.mb / v.polars_sekunden.max(1e-9),
            v.polars_threads,
            v.verhaeltnis_gleiche_kerne,
            v.verhaeltnis
        ));
    }
    printer.raw_stdout(t.as_bytes())?;
    Ok(ExitStatus::Success)
}

/// Our read + validate of the largest CSV source alone, on one core and on all cores, next
/// to polars' own CSV read of the same file without any checks (all columns as text, its
/// default threads).
#[derive(Debug, Serialize)]
struct Vergleich {
    datei: String,
    mb: f64,
    zeilen: usize,
    sekunden: f64,
    sekunden_alle_kerne: f64,
    polars_sekunden: f64,
    polars_threads: usize,
    /// One core against polars' threads.
    verhaeltnis: f64,
    /// The same cores for both.
    verhaeltnis_gleiche_kerne: f64,
}

/// The largest CSV source of a project.
fn groesste_csv(project: &crate::project::Project) -> Option<&crate::project::Quelle> {
    project
        .quellen
        .iter()
        .filter(|q| q.format == crate::project::SourceFormat::Csv)
        .max_by_key(|q| std::fs::metadata(&q.path).map_or(0, |m| m.len()))
}

/// Each read runs in a fresh process of its own, as a user's run would: a second read in the
/// same process finds its memory already mapped (polars' read of the federal file went from
/// 2.0 to 1.4 s that way, ours less), and which side profits depends on the order. Best of
/// three rounds for each side.
fn vergleich_polars(
    project: &crate::project::Project,
    dir: &std::path::Path,
) -> Result<Option<Vergleich>> {
    let Some(q) = groesste_csv(project) else {
        return Ok(None);
    };
    let arten = [
        Lesemessung::EinKern,
        Lesemessung::AlleKerne,
        Lesemessung::Polars,
    ];
    let mut best = [f64::MAX; 3];
    let mut zeilen = 0;
    for _ in 0..3 {
        for (b, art) in best.iter_mut().zip(arten) {
            let e = lesemessung_im_kindprozess(dir, art)?;
            *b = b.min(e.sekunden);
            if art != Lesemessung::Polars {
                zeilen = e.zeilen;
            }
        }
    }
    let [ours, ours_all, theirs] = best;
    let mb = std::fs::metadata(&q.path)?.len() as f64 / 1e6;
    Ok(Some(Vergleich {
        datei: q
            .path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
        mb,
        zeilen,
        sekunden: ours,
        sekunden_alle_kerne: ours_all,
        polars_sekunden: theirs,
        // polars sizes its pool from POLARS_MAX_THREADS, else from the cores
        polars_threads: std::env::var("POLARS_MAX_THREADS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        verhaeltnis: ours / theirs.max(1e-9),
        verhaeltnis_gleiche_kerne: ours_all / theirs.max(1e-9),
    }))
}

/// What one read in a child process measured.
#[derive(Debug, Serialize, serde::Deserialize)]
struct Einzelmessung {
    sekunden: f64,
    zeilen: usize,
}

fn lesemessung_im_kindprozess(dir: &std::path::Path, art: Lesemessung) -> Result<Einzelmessung> {
    let exe = std::env::current_exe()?;
    let art = match art {
        Lesemessung::EinKern => "ein-kern",
        Lesemessung::AlleKerne => "alle-kerne",
        Lesemessung::Polars => "polars",
    };
    let out = std::process::Command::new(exe)
        .args(["-q", "bench", "--lesemessung", art, "--dir"])
        .arg(dir)
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !out.status.success() {
        bail!("Lesemessung {art} schlug fehl ({})", out.status);
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// One read of the comparison (this process was started for it): our read + validate of
/// the largest CSV source alone, on one core or on all, or polars' own CSV read of the same
/// file without any checks (all columns as text, its default threads). Prints JSON.
fn lesemessung(dir: &std::path::Path, art: Lesemessung, printer: &Printer) -> Result<ExitStatus> {
    use polars_io::prelude::{CsvParseOptions, CsvReadOptions, SerReader};
    let (project, _) = crate::project::load(&dir.join("bildungsmonitor.toml"))
        .map_err(|d| anyhow::anyhow!("Projektdatei: {} Fehler", d.error_count()))?;
    let Some(q) = groesste_csv(&project) else {
        bail!("das Projekt hat keine CSV-Quelle");
    };
    let mut allein = project.clone();
    allein.quellen = vec![q.clone()];
    let lesen = || {
        let (data, diags) = crate::ingest::load(&allein);
        match data {
            Some(data) if !diags.has_errors() => Ok(data),
            _ => bail!("die erzeugten Daten haben Fehler: {}", diags.error_count()),
        }
    };
    // the thread pools exist before the clock starts; what was read is freed after it stops
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    rayon::current_num_threads();
    let zeilen_von = |d: &crate::ingest::Dataset| d.sources.iter().map(|s| s.rows).sum();
    let t0 = Instant::now();
    let (sekunden, zeilen) = match art {
        Lesemessung::EinKern => {
            let data = pool.install(lesen)?;
            (t0.elapsed().as_secs_f64(), zeilen_von(&data))
        }
        Lesemessung::AlleKerne => {
            let data = lesen()?;
            (t0.elapsed().as_secs_f64(), zeilen_von(&data))
        }
        Lesemessung::Polars => {
            let df = CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .with_parse_options(CsvParseOptions::default().with_separator(q.delimiter))
                .try_into_reader_with_file_path(Some(q.path.clone()))?
                .finish()?;
            (t0.elapsed().as_secs_f64(), df.height())
        }
    };
    let json = serde_json::to_string(&Einzelmessung { sekunden, zeilen })?;
    printer.raw_stdout(json.as_bytes())?;
    Ok(ExitStatus::Success)
}

enum Job<'a> {
    Modul(&'a crate::project::Bericht),
    Thema(&'a crate::project::Faktencheck),
    Profil(Profilgebiet),
}
