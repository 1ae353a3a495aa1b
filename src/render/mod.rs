//! Typst rendering in a sandbox: the template folder is read into memory by our code
//! (regular files only; symlinks and paths leaving the folder are refused), and Typst sees
//! only those files, the embedded fonts and the data we hand it as `sys.inputs`:
//! `daten` (JSON bytes), `bilder` (SVG bytes) and `logo`. No package download, no system
//! fonts, no file system access. Data never becomes markup.
//!
//! PDFs are PDF/A-2b and PDF/UA-1 at once, dated from `SOURCE_DATE_EPOCH` or the project's
//! Stand, never the clock – the same input gives the same bytes.

use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Dict, IntoValue, Smart, Value};
use typst::syntax::{DiagSpanKind, Source, VirtualPath};
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// The built-in templates (`report-templates/`), compiled into the binary so that a project
/// made with `init` renders without the repository.
const BUILTIN: &[(&str, &str)] = &[
    ("stil.typ", include_str!("../../report-templates/stil.typ")),
    (
        "modul.typ",
        include_str!("../../report-templates/modul.typ"),
    ),
    (
        "faktencheck.typ",
        include_str!("../../report-templates/faktencheck.typ"),
    ),
    (
        "profil.typ",
        include_str!("../../report-templates/profil.typ"),
    ),
];

/// The report font (Source Sans 3, SIL Open Font License, `report-templates/fonts/`).
const FONTS: &[&[u8]] = &[
    include_bytes!("../../report-templates/fonts/SourceSans3-Regular.ttf"),
    include_bytes!("../../report-templates/fonts/SourceSans3-It.ttf"),
    include_bytes!("../../report-templates/fonts/SourceSans3-Semibold.ttf"),
    include_bytes!("../../report-templates/fonts/SourceSans3-Bold.ttf"),
    include_bytes!("../../report-templates/fonts/SourceSans3-BoldIt.ttf"),
];

/// Largest template file we read (templates are text; images and fonts a few MB).
const MAX_FILE: u64 = 32 * 1024 * 1024;

/// The files of a template folder, in memory.
#[derive(Debug, Clone)]
pub struct Vorlagen {
    /// Relative path (with `/`) → content.
    dateien: BTreeMap<String, Vec<u8>>,
    /// Folder on disk, for messages (`None`: built in).
    ordner: Option<PathBuf>,
}

impl Vorlagen {
    /// The templates that ship with the program.
    pub fn eingebaut() -> Vorlagen {
        Vorlagen {
            dateien: BUILTIN
                .iter()
                .map(|(n, s)| ((*n).to_string(), s.as_bytes().to_vec()))
                .collect(),
            ordner: None,
        }
    }

    /// Reads a template folder. Built-in templates the folder does not replace stay
    /// available, so a project can override only `stil.typ`.
    pub fn laden(ordner: &Path) -> anyhow::Result<Vorlagen> {
        let meta = std::fs::symlink_metadata(ordner)
            .with_context(|| format!("Vorlagenordner {} nicht lesbar", ordner.display()))?;
        if meta.file_type().is_symlink() || !meta.is_dir() {
            bail!(
                "Vorlagenordner {} ist kein Ordner (symbolische Verknüpfungen sind nicht erlaubt)",
                ordner.display()
            );
        }
        let mut v = Vorlagen::eingebaut();
        v.ordner = Some(ordner.to_path_buf());
        let mut stack = vec![(ordner.to_path_buf(), String::new())];
        while let Some((dir, prefix)) = stack.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&dir)
                .with_context(|| format!("{} nicht lesbar", dir.display()))?
                .collect::<Result<_, _>>()?;
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let name = e.file_name();
                let Some(name) = name.to_str() else {
                    bail!("{}: Dateiname ist kein gültiges UTF-8", e.path().display());
                };
                if name.starts_with('.') {
                    continue;
                }
                let rel = format!("{prefix}{name}");
                let ft = e.file_type()?;
                if ft.is_symlink() {
                    bail!(
                        "{}: symbolische Verknüpfung im Vorlagenordner – nicht erlaubt, weil sie auf Dateien außerhalb zeigen kann. Die Datei in den Ordner kopieren.",
                        e.path().display()
                    );
                }
                if ft.is_dir() {
                    stack.push((e.path(), format!("{rel}/")));
                } else if ft.is_file() {
                    let meta = e.metadata()?;
                    if meta.len() > MAX_FILE {
                        bail!("{}: größer als 32 MB", e.path().display());
                    }
                    if links(&meta) > 1 {
                        bail!(
                            "{}: harte Verknüpfung im Vorlagenordner – nicht erlaubt, weil ihr Inhalt auch an anderer Stelle steht (etwa außerhalb des Ordners). Die Datei in den Ordner kopieren.",
                            e.path().display()
                        );
                    }
                    if VirtualPath::new(&rel).is_err() {
                        bail!("{}: ungültiger Dateiname", e.path().display());
                    }
                    v.dateien.insert(rel, std::fs::read(e.path())?);
                }
            }
        }
        Ok(v)
    }

    /// Whether a main template exists.
    pub fn hat(&self, name: &str) -> bool {
        self.dateien.contains_key(name)
    }

    /// Where the templates come from, for messages.
    pub fn herkunft(&self) -> String {
        self.ordner
            .as_ref()
            .map_or_else(|| "eingebaute Vorlagen".into(), |p| p.display().to_string())
    }

    /// The templates' text, for linting (`.typ` files only).
    pub fn quelltexte(&self) -> impl Iterator<Item = (&str, &str)> {
        self.dateien.iter().filter_map(|(n, b)| {
            n.ends_with(".typ")
                .then(|| std::str::from_utf8(b).ok().map(|s| (n.as_str(), s)))
                .flatten()
        })
    }
}

/// PDF settings of a run.
#[derive(Debug, Clone)]
pub struct PdfEinstellungen {
    /// Date written into the PDF (XMP, Info): UTC seconds since 1970.
    pub datum: i64,
}

impl PdfEinstellungen {
    /// `SOURCE_DATE_EPOCH` if set (reproducible builds), else the project's Stand at 00:00 UTC.
    pub fn aus(stand: crate::domain::Date) -> PdfEinstellungen {
        let datum = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or_else(|| stand.days_since_epoch() * 86_400);
        PdfEinstellungen { datum }
    }

    fn ymd_hms(&self) -> (i32, u8, u8, u8, u8, u8) {
        let secs = self.datum.rem_euclid(86_400);
        let d = crate::domain::Date::from_days_since_epoch(self.datum.div_euclid(86_400))
            .unwrap_or(crate::domain::Date {
                year: 1970,
                month: 1,
                day: 1,
            });
        (
            d.year,
            d.month,
            d.day,
            (secs / 3600) as u8,
            (secs / 60 % 60) as u8,
            (secs % 60) as u8,
        )
    }

    /// The date for templates (`set document(date: …)`).
    pub fn json(&self) -> serde_json::Value {
        let (y, m, d, ..) = self.ymd_hms();
        serde_json::json!({ "jahr": y, "monat": m, "tag": d })
    }
}

/// A rendered PDF.
#[derive(Debug, Clone)]
pub struct Pdf {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Number of pages.
    pub seiten: usize,
    /// Typst warnings (e.g. unknown font), with location.
    pub warnungen: Vec<String>,
    /// Time spent in Typst: layout.
    pub layout: Duration,
    /// Time spent in Typst: PDF export.
    pub export: Duration,
}

/// The Typst engine with the templates and fonts of a project, built once per run and
/// shared by all documents (also across threads).
pub struct Engine {
    engine: TypstEngine,
    quellen: BTreeMap<String, String>,
    herkunft: String,
}

impl Engine {
    /// Builds the engine from templates and additional font files (corporate design).
    pub fn new(vorlagen: &Vorlagen, schriften: &[Vec<u8>]) -> anyhow::Result<Engine> {
        let mut quellen = BTreeMap::new();
        let mut binaer: Vec<(String, Vec<u8>)> = Vec::new();
        let mut fonts: Vec<Vec<u8>> = FONTS.iter().map(|f| f.to_vec()).collect();
        for (name, bytes) in &vorlagen.dateien {
            let lower = name.to_lowercase();
            if lower.ends_with(".typ") {
                let text = String::from_utf8(bytes.clone())
                    .with_context(|| format!("Vorlage {name} ist kein UTF-8-Text"))?;
                quellen.insert(name.clone(), text);
            } else if lower.ends_with(".ttf") || lower.ends_with(".otf") {
                fonts.push(bytes.clone());
            } else {
                binaer.push((name.clone(), bytes.clone()));
            }
        }
        fonts.extend(schriften.iter().cloned());
        let sources: Vec<(&str, String)> = quellen
            .iter()
            .map(|(n, t)| (n.as_str(), t.clone()))
            .collect();
        let files: Vec<(&str, Vec<u8>)> = binaer
            .iter()
            .map(|(n, b)| (n.as_str(), b.clone()))
            .collect();
        let engine = TypstEngine::builder()
            .fonts(fonts)
            .with_static_source_file_resolver(sources)
            .with_static_file_resolver(files)
            .build();
        Ok(Engine {
            engine,
            quellen,
            herkunft: vorlagen.herkunft(),
        })
    }

    /// Renders `main` with the data; template errors name file:line:column.
    pub fn render(
        &self,
        main: &str,
        titel: &str,
        daten: &serde_json::Value,
        bilder: &[Vec<u8>],
        logo: Option<&[u8]>,
        pdf: &PdfEinstellungen,
    ) -> anyhow::Result<Pdf> {
        if !self.quellen.contains_key(main) {
            return Err(vorlagenfehler(anyhow::anyhow!(
                "Vorlage {main} fehlt in {}",
                self.herkunft
            )));
        }
        let mut inputs = Dict::new();
        inputs.insert(
            "daten".into(),
            Value::Bytes(Bytes::new(serde_json::to_vec(daten)?)),
        );
        inputs.insert(
            "bilder".into(),
            Value::Array(
                bilder
                    .iter()
                    .map(|b| Value::Bytes(Bytes::new(b.clone())))
                    .collect(),
            ),
        );
        if let Some(l) = logo {
            inputs.insert("logo".into(), Value::Bytes(Bytes::new(l.to_vec())));
        }
        inputs.insert("titel".into(), titel.into_value());
        let (y, mo, d, h, mi, s) = pdf.ymd_hms();
        let t0 = Instant::now();
        // the standard library with the accessibility extras (row header cells, table
        // summaries) and the data as `sys.inputs`
        let library = <typst::Library as typst::LibraryExt>::builder()
            .with_inputs(inputs.clone())
            .with_features([typst::Feature::A11yExtras].into_iter().collect())
            .build();
        let world = FesteUhr {
            library: typst::utils::LazyHash::new(library),
            world: match self.engine.world_builder(main).with_inputs(inputs).build() {
                Ok(w) => w,
                Err(e) => return Err(vorlagenfehler(anyhow::anyhow!("Vorlagenfehler: {e}"))),
            },
            heute: typst::foundations::Datetime::from_ymd(y, mo, d)
                .context("ungültiges PDF-Datum")?,
        };
        let warned = typst::compile::<PagedDocument>(&world);
        drop(world);
        typst::comemo::evict(0);
        let layout = t0.elapsed();
        let warnungen: Vec<String> = warned.warnings.iter().map(|w| self.describe(w)).collect();
        let doc = match warned.output {
            Ok(doc) => doc,
            Err(diags) => {
                let msgs: Vec<String> = diags
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .map(|d| self.describe(d))
                    .collect();
                return Err(vorlagenfehler(anyhow::anyhow!(
                    "Vorlagenfehler:\n{}",
                    msgs.join("\n")
                )));
            }
        };
        let datetime = typst::foundations::Datetime::from_ymd_hms(y, mo, d, h, mi, s)
            .context("ungültiges PDF-Datum")?;
        let options = PdfOptions {
            ident: Smart::Custom(format!("bildungsmonitor:{main}:{titel}")),
            timestamp: Some(Timestamp::new_utc(datetime)),
            standards: PdfStandards::new(&[PdfStandard::A_2b, PdfStandard::Ua_1])
                .map_err(|e| anyhow::anyhow!("PDF-Standards: {}", e.message()))?,
            ..PdfOptions::default()
        };
        let t1 = Instant::now();
        let bytes = typst_pdf::pdf(&doc, &options).map_err(|diags| {
            let msgs: Vec<String> = diags
                .iter()
                .map(|d| {
                    let hints: Vec<String> = d.hints.iter().map(|h| h.v.to_string()).collect();
                    format!("{} {}", self.describe(d), hints.join(" "))
                })
                .collect();
            vorlagenfehler(anyhow::anyhow!(
                "PDF/A bzw. PDF/UA nicht erfüllt:\n{}",
                msgs.join("\n")
            ))
        })?;
        Ok(Pdf {
            seiten: doc.pages().len(),
            bytes,
            warnungen,
            layout,
            export: t1.elapsed(),
        })
    }

    /// `datei:zeile:spalte: Meldung (Hinweise)` for a Typst diagnostic.
    fn describe(&self, d: &SourceDiagnostic) -> String {
        let mut at = String::new();
        let located = match d.span.get() {
            DiagSpanKind::Number { id, num, sub_range } => Some((id, Some((num, sub_range)), None)),
            DiagSpanKind::Range { id, range } => Some((id, None, Some(range))),
            DiagSpanKind::Detached => None,
        };
        if let Some((id, num, range)) = located {
            let name = id.vpath().get_without_slash().to_string();
            at = name.clone();
            if let Some(text) = self.quellen.get(&name) {
                let source = Source::new(id, text.clone());
                let range = match num {
                    Some((n, sub)) => source.range(n, sub),
                    None => range,
                };
                if let Some((line, col)) =
                    range.and_then(|r| source.lines().byte_to_line_column(r.start))
                {
                    at = format!("{name}:{}:{}", line + 1, col + 1);
                }
            }
            if let Some(dir) = self.herkunft_ordner() {
                at = format!("{dir}/{at}");
            }
        }
        let mut msg = d.message.to_string();
        for h in &d.hints {
            msg.push_str(&format!(" (Hinweis: {})", h.v));
        }
        if at.is_empty() {
            msg
        } else {
            format!("{at}: {msg}")
        }
    }

    fn herkunft_ordner(&self) -> Option<&str> {
        (self.herkunft != "eingebaute Vorlagen").then_some(self.herkunft.as_str())
    }
}

/// The world Typst compiles in: typst-as-lib's (the template files, the embedded fonts, the
/// data) with the clock fixed at the publication date, so that `datetime.today()`, however a
/// template reaches it, gives the same PDF on every run.
struct FesteUhr<'a> {
    world: typst_as_lib::TypstWorld<'a>,
    heute: typst::foundations::Datetime,
    library: typst::utils::LazyHash<typst::Library>,
}

impl typst::World for FesteUhr<'_> {
    fn library(&self) -> &typst::utils::LazyHash<typst::Library> {
        &self.library
    }

    fn book(&self) -> &typst::utils::LazyHash<typst::text::FontBook> {
        self.world.book()
    }

    fn main(&self) -> typst::syntax::FileId {
        self.world.main()
    }

    fn source(&self, id: typst::syntax::FileId) -> typst::diag::FileResult<Source> {
        self.world.source(id)
    }

    fn file(&self, id: typst::syntax::FileId) -> typst::diag::FileResult<Bytes> {
        self.world.file(id)
    }

    fn font(&self, index: usize) -> Option<typst::text::Font> {
        self.world.font(index)
    }

    fn today(
        &self,
        _offset: Option<typst::foundations::Duration>,
    ) -> Option<typst::foundations::Datetime> {
        Some(self.heute)
    }
}

/// A problem of the templates (a user input like the data): the run ends with status 1.
#[derive(Debug)]
pub struct Vorlagenfehler(pub String);

impl std::fmt::Display for Vorlagenfehler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Vorlagenfehler {}

/// Marks an error of the templates as [`Vorlagenfehler`].
pub fn vorlagenfehler(e: anyhow::Error) -> anyhow::Error {
    anyhow::Error::new(Vorlagenfehler(format!("{e:#}")))
}

/// How many names a file has (a hard link is a second name, possibly outside the folder).
#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
}

/// Templates must be deterministic and must not interpret text as code.
pub fn lint(vorlagen: &Vorlagen) -> Vec<String> {
    let mut out = Vec::new();
    for (name, text) in vorlagen.quelltexte() {
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for (needle, why) in [
                (
                    "datetime.today",
                    "das Datum der Uhr macht die PDF nicht reproduzierbar",
                ),
                ("eval(", "eval würde Daten als Typst-Code ausführen"),
                ("read(", "Vorlagen bekommen Daten nur über sys.inputs"),
            ] {
                if let Some(col) = code.find(needle) {
                    out.push(format!("{name}:{}:{}: {needle} – {why}", i + 1, col + 1));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_date_from_stand() {
        let stand = crate::domain::Date::new(2026, 11, 1).unwrap();
        let e = PdfEinstellungen {
            datum: stand.days_since_epoch() * 86_400 + 3661,
        };
        assert_eq!(e.ymd_hms(), (2026, 11, 1, 1, 1, 1));
    }

    #[test]
    fn builtin_templates_pass_the_lint() {
        assert_eq!(lint(&Vorlagen::eingebaut()), Vec::<String>::new());
    }
}
