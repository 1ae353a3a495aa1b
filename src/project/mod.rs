//! Reads `bildungsmonitor.toml`, resolves paths next to it and checks everything that can
//! be checked without reading the data: the result is a [`Project`] or a list of
//! diagnostics with file:line:column in the configuration file.

pub mod config;
mod gebiete;

pub use config::{AreaKey, Kodierung, SourceFormat, Unbekannte, Verfahren};
pub use gebiete::{GESAMTSTADT_STANDARD, Gebietsgliederung, Sozialraum, Stadtteil};

use crate::diag::{Diagnostic, Diagnostics, Location, line_column};
use crate::domain::{Bezug, Date, MissingReason, PeriodKind};
use crate::schema::{self, FieldType, Role, TableKind};
use crate::suggest::did_you_mean;
use config::ConfigFile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A resolved, checked project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The configuration file as given.
    pub config_path: PathBuf,
    /// Folder of the configuration file; relative paths start here.
    pub root: PathBuf,
    /// Name of the Kommune.
    pub kommune: String,
    /// Data vintage; also the PDF date.
    pub stand: Date,
    /// Publisher for the Impressum.
    pub herausgeber: Option<String>,
    /// Logo file.
    pub logo: Option<PathBuf>,
    /// Own template folder.
    pub vorlagen: Option<PathBuf>,
    /// The Gebietsgliederung.
    pub gebiete: Gebietsgliederung,
    /// Disclosure settings.
    pub geheimhaltung: Geheimhaltung,
    /// Source profiles in configuration order (sorted by name).
    pub quellen: Vec<Quelle>,
    /// Report modules.
    pub berichte: Vec<Bericht>,
    /// Faktenchecks.
    pub faktenchecks: Vec<Faktencheck>,
    /// Indicators of the Stadtteilprofile.
    pub profil: Vec<String>,
    /// Corporate design.
    pub gestaltung: Gestaltung,
    /// The indicator catalogue (built-in plus the project's own).
    pub katalog: crate::catalogue::Catalogue,
}

/// An id becomes a file name and a CSV cell: letters, digits, `_` and `-` only, at most 40,
/// so that `[berichte."../../x"]` cannot write outside `--out` and `X;=2+2` cannot split a
/// CSV row or start a formula.
fn bad_id(id: &str, was: &str, at: Location) -> Option<Diagnostic> {
    let ok = !id.is_empty()
        && id.len() <= 40
        && !id.starts_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (!ok).then(|| {
        Diagnostic::error(
            "C004",
            at,
            format!("unzulässige Kennung „{id}“ für {was}"),
        )
        .hint("Kennungen bestehen aus Buchstaben A–Z, Ziffern, _ und - (höchstens 40 Zeichen), z. B. fruehkindliche_bildung oder KN01.")
    })
}

impl Project {
    /// The indicators the project's reports, sheets and profiles show.
    pub fn used_indicators(&self) -> std::collections::BTreeSet<&str> {
        // the built-in profile list is no choice of the project: a profile leaves out what
        // has no data
        let eigenes_profil = self.profil != PROFIL_STANDARD;
        self.berichte
            .iter()
            .flat_map(|b| b.indikatoren.iter())
            .chain(self.faktenchecks.iter().flat_map(|f| f.indikatoren.iter()))
            .chain(self.profil.iter().filter(|_| eigenes_profil))
            .map(String::as_str)
            .collect()
    }

    /// Reads every source from `ordner` under its file name (`--daten daten/2026-10`): a
    /// monthly delivery with the same file names needs no copy of the project. A file missing
    /// there is an error (C005).
    pub fn sources_from(&mut self, ordner: &Path, diags: &mut Diagnostics) {
        if !ordner.is_dir() {
            diags.push(
                Diagnostic::error(
                    "C005",
                    Location::file(ordner),
                    "Datenordner (--daten) nicht gefunden",
                )
                .hint("Den Ordner der Lieferung angeben, z. B. --daten daten/2026-10."),
            );
            return;
        }
        for q in &mut self.quellen {
            let Some(name) = q.path.file_name() else {
                continue;
            };
            let path = ordner.join(name);
            if path.is_file() {
                q.path = path;
            } else {
                diags.push(
                    Diagnostic::error(
                        "C005",
                        Location::file(&path),
                        format!(
                            "Datei der Quelle „{}“ fehlt im Datenordner (--daten)",
                            q.name
                        ),
                    )
                    .hint(format!(
                        "Im Ordner {} muss eine Datei „{}“ liegen, wie in der Projektdatei.",
                        ordner.display(),
                        name.to_string_lossy()
                    )),
                );
            }
        }
    }

    /// Where an indicator counts: at the place of residence, of the school or of the facility
    /// (the Bezug of the sources of its numerator's table; a school counted where it stands
    /// makes the whole indicator a Schulort one).
    pub fn bezug(&self, def: &crate::catalogue::Definition) -> Bezug {
        let table = def.zaehler.tabelle;
        let bezuege: Vec<Bezug> = self
            .quellen
            .iter()
            .filter(|q| q.table == table)
            .map(|q| q.bezug)
            .collect();
        if bezuege.is_empty() {
            crate::schema::schema(table).default_bezug
        } else if bezuege.contains(&Bezug::Schulort) {
            Bezug::Schulort
        } else if bezuege.contains(&Bezug::Einrichtungsort) {
            Bezug::Einrichtungsort
        } else {
            Bezug::Wohnort
        }
    }
}

/// Disclosure settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Geheimhaltung {
    /// Suppression or rounding.
    pub verfahren: Verfahren,
    /// Minimum count that may be published.
    pub mindestfallzahl: u32,
    /// Minimum base of a published share.
    pub mindestbasis: u32,
    /// Rounding base for `rundung`.
    pub rundung_auf: u32,
}

/// A Faktencheck sheet.
#[derive(Debug, Clone)]
pub struct Faktencheck {
    /// Id (`kita`).
    pub id: String,
    /// Title.
    pub titel: String,
    /// 2–6 indicator ids.
    pub indikatoren: Vec<String>,
    /// The analyst's text file.
    pub text: Option<PathBuf>,
}

/// Corporate design.
#[derive(Debug, Clone)]
pub struct Gestaltung {
    /// Main colour `#rrggbb`.
    pub farbe: String,
    /// Font family.
    pub schrift: String,
    /// Additional font files.
    pub schriftdateien: Vec<PathBuf>,
}

/// The indicators of a Stadtteilprofil unless the project says otherwise.
pub const PROFIL_STANDARD: &[&str] = &[
    "KX03", "FK01", "FK02", "FK12", "FK11", "AS03", "UE01G", "AS10",
];

/// A report module.
#[derive(Debug, Clone)]
pub struct Bericht {
    /// Id (`fruehkindliche_bildung`).
    pub id: String,
    /// Title.
    pub titel: String,
    /// Indicator ids.
    pub indikatoren: Vec<String>,
    /// Template file name, if not the built-in one.
    pub vorlage: Option<String>,
}

/// What a bare year means in a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BareYear {
    /// For Stichtag sources: this day and month of the year.
    Tag { day: u8, month: u8 },
    /// For Schuljahr sources: the year the school year starts in (2023 = 2023/24).
    Beginn,
    /// For Schuljahr sources: the year the school year ends in (2023 = 2022/23).
    Ende,
}

/// Where a canonical field comes from in a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// A column with this header text.
    Header(String),
    /// The n-th column (1-based).
    Position(usize),
}

/// Wide-to-long reshaping of a source.
#[derive(Debug, Clone)]
pub struct Unpivot {
    /// Measure receiving the values.
    pub measure: String,
    /// Source header → canonical key values, and the measures the column adds to.
    pub columns: Vec<(String, BTreeMap<String, String>, Vec<String>)>,
}

/// A resolved source profile.
#[derive(Debug, Clone)]
pub struct Quelle {
    /// Name of the profile (`[quellen.<name>]`).
    pub name: String,
    /// Canonical table.
    pub table: TableKind,
    /// The file.
    pub path: PathBuf,
    /// File format.
    pub format: SourceFormat,
    /// Encoding.
    pub encoding: Kodierung,
    /// Field delimiter.
    pub delimiter: u8,
    /// Decimal separator.
    pub decimal: char,
    /// Thousands separator.
    pub thousands: Option<char>,
    /// Lines skipped before the header.
    pub skip_rows: usize,
    /// Number of header rows.
    pub header_rows: usize,
    /// XLSX sheet.
    pub sheet: Option<String>,
    /// XLSX top-left cell (0-based row, column).
    pub start: (u32, u32),
    /// Canonical field → source column.
    pub columns: BTreeMap<String, ColumnRef>,
    /// Canonical field → constant.
    pub constants: BTreeMap<String, String>,
    /// Wide-to-long reshaping.
    pub unpivot: Option<Unpivot>,
    /// Row filter: header → accepted values.
    pub filter: Vec<(ColumnRef, Vec<String>)>,
    /// Row exclusion: header → rejected values.
    pub exclude: Vec<(ColumnRef, Vec<String>)>,
    /// Int fields read from their leading number.
    pub leading_number: Vec<String>,
    /// Int field offsets.
    pub offsets: BTreeMap<String, i64>,
    /// Canonical field → (source value → canonical value).
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Meaning of an empty number cell.
    pub empty: Option<MissingReason>,
    /// Symbol → reason (defaults plus the profile's own).
    pub symbols: Vec<(String, MissingReason)>,
    /// Period kind of the time key.
    pub period_kind: PeriodKind,
    /// What a bare year means.
    pub bare_year: Option<BareYear>,
    /// How areas are identified.
    pub area_key: AreaKey,
    /// Bezug.
    pub bezug: Bezug,
    /// Handling of unknown areas.
    pub unknown_areas: Unbekannte,
    /// Counts already rounded to this base.
    pub rounded_to: Option<u32>,
    /// Source note.
    pub note: Option<String>,
}

/// Reads and checks the configuration file. I/O problems and configuration errors are
/// diagnostics (exit status 1), so the caller can print them like data problems.
pub fn load(config_path: &Path) -> Result<(Project, Diagnostics), Diagnostics> {
    let mut diags = Diagnostics::new();
    let text = match std::fs::read(config_path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let (line, column) = line_column(
                    &String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]),
                    usize::MAX,
                );
                diags.push(
                    Diagnostic::error(
                        "C002",
                        Location::text(config_path, line, column),
                        "die Konfigurationsdatei ist nicht in UTF-8 gespeichert",
                    )
                    .hint("Datei im Editor mit der Kodierung UTF-8 speichern."),
                );
                return Err(diags);
            }
        },
        Err(e) => {
            let msg = if e.kind() == std::io::ErrorKind::NotFound {
                "Konfigurationsdatei nicht gefunden".to_string()
            } else {
                format!("Konfigurationsdatei kann nicht gelesen werden: {e}")
            };
            diags.push(
                Diagnostic::error("C001", Location::file(config_path), msg).hint(
                    "Mit --config DATEI eine andere Datei angeben oder mit `bildungsmonitor init ORDNER` ein Projekt anlegen.",
                ),
            );
            return Err(diags);
        }
    };
    let raw: ConfigFile = match toml::from_str(&text) {
        Ok(c) => c,
        Err(e) => {
            diags.push(toml_error(config_path, &text, &e));
            return Err(diags);
        }
    };
    let root = config_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let ctx = Ctx {
        path: config_path,
        text: &text,
        root: &root,
    };
    let project = resolve(&ctx, raw, &mut diags);
    match project {
        Some(p) if !diags.has_errors() => Ok((p, diags)),
        _ => Err(diags),
    }
}

/// Everything needed to turn spans into locations and relative paths into real ones.
struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
    root: &'a Path,
}

impl Ctx<'_> {
    fn at<T>(&self, s: &Spanned<T>) -> Location {
        self.at_offset(s.span().start)
    }

    fn at_offset(&self, offset: usize) -> Location {
        let (line, column) = line_column(self.text, offset);
        Location::text(self.path, line, column)
    }

    fn file(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// A referenced file must exist and be a regular file.
    fn check_file(&self, rel: &Spanned<String>, what: &str, diags: &mut Diagnostics) -> PathBuf {
        let path = self.file(rel.get_ref());
        if !path.is_file() {
            let msg = if path.exists() {
                format!("{what} „{}“ ist keine Datei", rel.get_ref())
            } else {
                format!("{what} „{}“ nicht gefunden", path.display())
            };
            diags.push(Diagnostic::error("C005", self.at(rel), msg).hint(
                "Pfade sind relativ zum Ordner der Konfigurationsdatei; Schreibweise und Ordner prüfen.",
            ));
        }
        path
    }
}

/// Turns a TOML/serde error into a German diagnostic at the right place.
fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> Diagnostic {
    let (line, column) = e
        .span()
        .map(|s| line_column(text, s.start))
        .unwrap_or((1, 1));
    let loc = Location::text(path, line, column);
    let msg = e.message().trim();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<&str> = tail
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|s| !s.is_empty())
            .collect();
        let mut d = Diagnostic::error("C003", loc, format!("unbekannter Schlüssel „{name}“"));
        if let Some(s) = did_you_mean(name, expected.iter().copied()) {
            d = d.hint(format!("Meinten Sie „{s}“?"));
        }
        if !expected.is_empty() {
            d = d.hint(format!(
                "Erlaubt sind an dieser Stelle: {}.",
                expected.join(", ")
            ));
        }
        return d.hint("Die Schlüssel sind in docs/config.md beschrieben.");
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return Diagnostic::error("C004", loc, format!("Pflichtschlüssel „{name}“ fehlt"))
            .hint("Den Schlüssel in diesem Abschnitt ergänzen; siehe docs/config.md.");
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
        let mut d = Diagnostic::error("C004", loc, format!("unbekannter Wert „{name}“"));
        if let Some(s) = did_you_mean(name, expected.iter().copied()) {
            d = d.hint(format!("Meinten Sie „{s}“?"));
        }
        return d.hint(format!("Erlaubt sind: {}.", expected.join(", ")));
    }
    if msg.starts_with("invalid type") {
        let detail = msg
            .replace("invalid type: ", "")
            .replace(", expected", ", erwartet:")
            .replace("a string", "Text in Anführungszeichen")
            .replace("string", "Text")
            .replace("integer", "ganze Zahl")
            .replace("a sequence", "eine Liste [ … ]")
            .replace("a map", "ein Abschnitt { … }")
            .replace("a boolean", "true/false")
            .replace("a TOML datetime", "ein Datum wie 2026-11-01");
        return Diagnostic::error("C004", loc, format!("falscher Typ: {detail}"))
            .hint("Den Wert in der Form angeben, die docs/config.md für diesen Schlüssel zeigt.");
    }
    Diagnostic::error("C002", loc, format!("TOML-Syntaxfehler: {msg}"))
        .hint("Die Zeile mit der Syntax aus docs/config.md vergleichen (Anführungszeichen, = und [Abschnitte]).")
}

/// `[geheimhaltung]`, its numbers checked (C004).
fn geheimhaltung(
    ctx: &Ctx,
    g: &config::GeheimhaltungConfig,
    diags: &mut Diagnostics,
) -> Geheimhaltung {
    if g.mindestfallzahl < 1 {
        diags.push(Diagnostic::error(
            "C004",
            ctx.at_offset(find_section(ctx.text, "geheimhaltung")),
            "„mindestfallzahl“ muss mindestens 1 sein",
        ));
    }
    if g.rundung_auf < 2 {
        diags.push(Diagnostic::error(
            "C004",
            ctx.at_offset(find_section(ctx.text, "geheimhaltung")),
            "„rundung_auf“ muss mindestens 2 sein (üblich: 3 oder 5)",
        ));
    }
    Geheimhaltung {
        verfahren: g.verfahren,
        mindestfallzahl: g.mindestfallzahl,
        mindestbasis: g.mindestbasis,
        rundung_auf: g.rundung_auf,
    }
}

/// A project-wide `[werte]` map must serve a field some source has (C006) and name allowed codes.
fn check_project_maps(
    ctx: &Ctx,
    werte: &BTreeMap<Spanned<String>, BTreeMap<String, String>>,
    quellen: &[Quelle],
    diags: &mut Diagnostics,
) {
    // a project-wide map for a field no source has would be accepted and do nothing
    for (field, map) in werte {
        let ty = quellen
            .iter()
            .find_map(|q| crate::schema::schema(q.table).field(field.get_ref()))
            .map(|f| f.ty);
        if let Some(FieldType::Code(allowed)) = ty {
            check_targets(ctx, field, map, allowed, diags);
        }
        if ty.is_none() {
            diags.push(
                Diagnostic::error(
                    "C006",
                    ctx.at(field),
                    format!("[werte] ordnet „{}“ zu, aber keine Quelle hat dieses Feld", field.get_ref()),
                )
                .hint("Feldnamen aus docs/data-format.md verwenden, z. B. gebiet, schulform, geschlecht."),
            );
        }
    }
}

/// The catalogue with the project's own indicators, each checked.
fn catalogue(
    ctx: &Ctx,
    eigene: &BTreeMap<String, crate::catalogue::Definition>,
    diags: &mut Diagnostics,
) -> crate::catalogue::Catalogue {
    let katalog = crate::catalogue::Catalogue::with_project(eigene);
    for i in katalog.indicators.iter().filter(|i| i.projekt) {
        let at = ctx.at_offset(
            ctx.text
                .find(&format!("[indikatoren.{}", i.id))
                .unwrap_or(0),
        );
        if let Some(d) = bad_id(&i.id, "Kennzahl", at.clone()) {
            diags.push(d);
        }
        diags.extend(crate::catalogue::check(&i.id, &i.def, &at));
    }
    katalog
}

/// Indicator ids of a module, sheet or profile: each once (C004) and in the catalogue (C011).
fn known_ids(
    ctx: &Ctx,
    katalog: &crate::catalogue::Catalogue,
    ids: &[Spanned<String>],
    diags: &mut Diagnostics,
) -> Vec<String> {
    for (k, id) in ids.iter().enumerate() {
        if ids[..k].iter().any(|x| x.get_ref() == id.get_ref()) {
            diags.push(
                Diagnostic::error(
                    "C004",
                    ctx.at(id),
                    format!("Kennzahl „{}“ steht zweimal in der Liste", id.get_ref()),
                )
                .hint("Jede Kennzahl nur einmal nennen."),
            );
        }
        if katalog.get(id.get_ref()).is_none() {
            let mut d = Diagnostic::error(
                "C011",
                ctx.at(id),
                format!("unbekannte Kennzahl „{}“", id.get_ref()),
            );
            if let Some(s) = did_you_mean(id.get_ref(), katalog.ids()) {
                d = d.hint(format!("Meinten Sie „{s}“?"));
            }
            diags.push(
                d.hint("Die Kennungen listet `bildungsmonitor catalogue` (docs/indicators.md)."),
            );
        }
    }
    ids.iter().map(|i| i.get_ref().clone()).collect()
}

/// `[faktenchecks.ID]`: 2 to 6 indicators (C004), known ones, an existing text file.
fn faktenchecks(
    ctx: &Ctx,
    katalog: &crate::catalogue::Catalogue,
    raw: &BTreeMap<Spanned<String>, config::FaktencheckConfig>,
    diags: &mut Diagnostics,
) -> Vec<Faktencheck> {
    let mut faktenchecks = Vec::new();
    for (id, f) in raw {
        if !(2..=6).contains(&f.indikatoren.len()) {
            diags.push(
                Diagnostic::error(
                    "C004",
                    ctx.at(id),
                    format!(
                        "Faktencheck „{}“ hat {} Kennzahlen; ein Faktencheck zeigt 2 bis 6",
                        id.get_ref(),
                        f.indikatoren.len()
                    ),
                )
                .hint("Für mehr Kennzahlen ein Berichtsmodul unter [berichte.<id>] anlegen."),
            );
        }
        faktenchecks.push(Faktencheck {
            id: id.get_ref().clone(),
            titel: f.titel.clone(),
            indikatoren: known_ids(ctx, katalog, &f.indikatoren, diags),
            text: f
                .text
                .as_ref()
                .map(|t| ctx.check_file(t, "Textdatei", diags)),
        });
    }
    faktenchecks
}

/// `[gestaltung]`: the colour as #rrggbb (C004), the font files present.
fn gestaltung(ctx: &Ctx, g: &config::GestaltungConfig, diags: &mut Diagnostics) -> Gestaltung {
    Gestaltung {
        farbe: match &g.farbe {
            Some(f) => {
                let ok = f.get_ref().len() == 7
                    && f.get_ref().starts_with('#')
                    && f.get_ref()[1..].bytes().all(|b| b.is_ascii_hexdigit());
                if !ok {
                    diags.push(
                        Diagnostic::error(
                            "C004",
                            ctx.at(f),
                            format!("„{}“ ist keine Farbe", f.get_ref()),
                        )
                        .hint("Als Hex-Wert mit sechs Stellen angeben, z. B. farbe = \"#1f4e79\"."),
                    );
                }
                f.get_ref().clone()
            }
            None => "#1f4e79".into(),
        },
        schrift: g.schrift.clone().unwrap_or_else(|| "Source Sans 3".into()),
        schriftdateien: g
            .schriftdateien
            .iter()
            .map(|f| ctx.check_file(f, "Schriftdatei", diags))
            .collect(),
    }
}

fn resolve(ctx: &Ctx, raw: ConfigFile, diags: &mut Diagnostics) -> Option<Project> {
    if raw.projekt.kommune.trim().is_empty() {
        diags.push(Diagnostic::error(
            "C004",
            ctx.at_offset(0),
            "„projekt.kommune“ ist leer",
        ));
    }
    let stand = toml_date(raw.projekt.stand.get_ref());
    if stand.is_none() {
        diags.push(
            Diagnostic::error("C004", ctx.at(&raw.projekt.stand), "„stand“ ist kein Datum")
                .hint("Als TOML-Datum ohne Anführungszeichen schreiben, z. B. stand = 2026-11-01."),
        );
    }
    let logo = raw
        .projekt
        .logo
        .as_ref()
        .map(|l| ctx.check_file(l, "Logo", diags));
    let vorlagen = raw.projekt.vorlagen.as_ref().map(|v| {
        let p = ctx.file(v.get_ref());
        if !p.is_dir() {
            diags.push(
                Diagnostic::error(
                    "C005",
                    ctx.at(v),
                    format!("Vorlagenordner „{}“ nicht gefunden", p.display()),
                )
                .hint("Den Schlüssel entfernen, um die eingebauten Vorlagen zu nutzen."),
            );
        }
        p
    });

    let gebiete = gebiete::resolve(ctx, &raw.gebiete, diags);

    let geheimhaltung = geheimhaltung(ctx, &raw.geheimhaltung, diags);

    let quellen: Vec<Quelle> = raw
        .quellen
        .iter()
        .filter_map(|(name, q)| resolve_source(ctx, name, q, &raw.werte, diags))
        .collect();
    check_project_maps(ctx, &raw.werte, &quellen, diags);

    let katalog = catalogue(ctx, &raw.indikatoren, diags);
    let known_ids =
        |ids: &[Spanned<String>], diags: &mut Diagnostics| known_ids(ctx, &katalog, ids, diags);
    for id in raw.berichte.keys().chain(raw.faktenchecks.keys()) {
        if let Some(d) = bad_id(id.get_ref(), "Bericht oder Faktencheck", ctx.at(id)) {
            diags.push(d);
        }
    }
    let berichte = raw
        .berichte
        .iter()
        .map(|(id, b)| Bericht {
            id: id.get_ref().clone(),
            titel: b.titel.clone(),
            indikatoren: known_ids(&b.indikatoren, diags),
            vorlage: b.vorlage.clone(),
        })
        .collect();

    let faktenchecks = faktenchecks(ctx, &katalog, &raw.faktenchecks, diags);
    let profil = match &raw.profil {
        Some(p) => known_ids(&p.indikatoren, diags),
        None => PROFIL_STANDARD.iter().map(|s| (*s).to_string()).collect(),
    };
    let gestaltung = gestaltung(ctx, &raw.gestaltung, diags);

    Some(Project {
        config_path: ctx.path.to_path_buf(),
        root: ctx.root.to_path_buf(),
        kommune: raw.projekt.kommune.clone(),
        stand: stand?,
        herausgeber: raw.projekt.herausgeber.clone(),
        logo,
        vorlagen,
        gebiete: gebiete?,
        geheimhaltung,
        quellen,
        berichte,
        faktenchecks,
        profil,
        gestaltung,
        katalog,
    })
}

/// Byte offset of a `[section]` header, for messages about defaulted keys.
fn find_section(text: &str, section: &str) -> usize {
    let needle = format!("[{section}]");
    text.find(&needle).unwrap_or(0)
}

/// A TOML date (`2026-11-01`) as [`Date`].
pub(crate) fn toml_date(d: &toml::value::Datetime) -> Option<Date> {
    match (d.date, d.time) {
        (Some(date), _) => Date::new(i32::from(date.year), date.month, date.day),
        _ => None,
    }
}

fn single_char(s: &str) -> Option<char> {
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(ch), None) => Some(ch),
        _ => None,
    }
}

/// C006 for each target of a value map that is not one of the code field's values.
fn check_targets(
    ctx: &Ctx,
    field: &Spanned<String>,
    map: &BTreeMap<String, String>,
    allowed: &[&str],
    diags: &mut Diagnostics,
) {
    for target in map.values().filter(|t| !allowed.contains(&t.as_str())) {
        diags.push(
            Diagnostic::error(
                "C006",
                ctx.at(field),
                format!(
                    "„{target}“ ist kein erlaubter Wert für „{}“",
                    field.get_ref()
                ),
            )
            .hint(format!("Erlaubt sind: {}.", allowed.join(", "))),
        );
    }
}

/// How the source's text is laid out: delimiter, decimal and thousands marks, and (Excel) the
/// header's first cell.
struct Layout {
    delimiter: u8,
    decimal: char,
    thousands: Option<char>,
    start: (u32, u32),
}

/// The layout keys of a source profile, each checked (C004, C008).
fn layout(
    ctx: &Ctx,
    name: &Spanned<String>,
    q: &config::QuelleConfig,
    diags: &mut Diagnostics,
) -> Layout {
    let delimiter = match &q.trennzeichen {
        None => b';',
        Some(s) if s.get_ref() == "\\t" || s.get_ref() == "tab" => b'\t',
        Some(s) => match single_char(s.get_ref()) {
            Some(c) if c.is_ascii() && !c.is_ascii_alphanumeric() && c != '"' => c as u8,
            _ => {
                diags.push(
                    Diagnostic::error(
                        "C004",
                        ctx.at(s),
                        format!("ungültiges Trennzeichen „{}“", s.get_ref()),
                    )
                    .hint("Ein einzelnes Zeichen angeben: \";\", \",\", \"|\" oder \"\\t\" für Tabulator."),
                );
                b';'
            }
        },
    };
    let decimal = match single_char(q.dezimalzeichen.get_ref()) {
        Some(c @ (',' | '.')) => c,
        _ => {
            diags.push(
                Diagnostic::error(
                    "C004",
                    ctx.at(&q.dezimalzeichen),
                    format!("ungültiges Dezimalzeichen „{}“", q.dezimalzeichen.get_ref()),
                )
                .hint("Erlaubt sind \",\" (deutsch) und \".\"."),
            );
            ','
        }
    };
    let thousands = q.tausenderzeichen.as_ref().and_then(|t| {
        match single_char(t.get_ref()) {
            Some(c @ ('.' | ' ' | '\'' | '\u{202f}' | '\u{a0}' | ',')) if c != decimal => Some(c),
            _ => {
                diags.push(
                    Diagnostic::error(
                        "C004",
                        ctx.at(t),
                        format!("ungültiges Tausendertrennzeichen „{}“", t.get_ref()),
                    )
                    .hint("Erlaubt sind \".\", \" \" oder \"'\", und es muss sich vom Dezimalzeichen unterscheiden."),
                );
                None
            }
        }
    });
    if q.kopfzeilen == 0 && q.spalten.values().any(|c| parse_column_ref(c).is_header()) {
        diags.push(
            Diagnostic::error(
                "C004",
                ctx.at(name),
                "ohne Kopfzeilen (kopfzeilen = 0) können Spalten nur über ihre Position (\"#3\") zugeordnet werden",
            ),
        );
    }
    let start = match &q.start {
        None => (0, 0),
        Some(s) => match parse_cell(s.get_ref()) {
            Some(rc) => rc,
            None => {
                diags.push(
                    Diagnostic::error(
                        "C004",
                        ctx.at(s),
                        format!("ungültige Zelle „{}“", s.get_ref()),
                    )
                    .hint("Die linke obere Zelle der Kopfzeile angeben, z. B. \"A3\"."),
                );
                (0, 0)
            }
        },
    };
    if q.format != SourceFormat::Xlsx && (q.blatt.is_some() || q.start.is_some()) {
        diags.push(Diagnostic::warning(
            "C008",
            ctx.at(name),
            "„blatt“ und „start“ gelten nur für format = \"xlsx\" und werden hier ignoriert",
        ));
    }
    Layout {
        delimiter,
        decimal,
        thousands,
        start,
    }
}

/// The value maps of a source: the project's `[werte]` for the fields its table has, then the
/// source's own, entry by entry.
fn value_maps(
    ctx: &Ctx,
    schema: &'static schema::TableSchema,
    q: &config::QuelleConfig,
    project_maps: &BTreeMap<Spanned<String>, BTreeMap<String, String>>,
    diags: &mut Diagnostics,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut values: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    // the project's maps first, for the fields this table has; the source's own replace
    // single entries
    for (field, map) in project_maps {
        if schema.field(field.get_ref()).is_some() {
            values.insert(field.get_ref().clone(), map.clone());
        }
    }
    for (field, map) in &q.werte {
        if field_of(ctx, schema, field, diags, "werte") {
            if let Some(FieldType::Code(allowed)) = schema.field(field.get_ref()).map(|f| f.ty) {
                check_targets(ctx, field, map, allowed, diags);
            }
            values
                .entry(field.get_ref().clone())
                .or_default()
                .extend(map.clone());
        }
    }
    values
}

/// `zeit`: the kind must suit the table (C006), and what a bare year means must suit the
/// kind (C004); the bare-year rule.
fn time_options(
    ctx: &Ctx,
    name: &Spanned<String>,
    schema: &'static schema::TableSchema,
    q: &config::QuelleConfig,
    diags: &mut Diagnostics,
) -> Option<BareYear> {
    let period_kind = q.zeit.art;
    if !schema.period_kinds.contains(&period_kind) {
        diags.push(
            Diagnostic::error(
                "C006",
                ctx.at(name),
                format!(
                    "Zeitart „{}“ passt nicht zur Tabelle „{}“",
                    period_kind.label(),
                    schema.id
                ),
            )
            .hint(format!(
                "Erlaubt: {}.",
                schema
                    .period_kinds
                    .iter()
                    .map(|k| format!("{k:?}").to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    }
    q.zeit.nacktes_jahr.as_ref().and_then(|b| {
        let parsed = parse_bare_year(period_kind, b.get_ref());
        if parsed.is_none() {
            let hint = match period_kind {
                PeriodKind::Schuljahr => "Für Schuljahre \"beginn\" (2023 = 2023/24) oder \"ende\" (2023 = 2022/23) angeben.",
                PeriodKind::Stichtag => "Für Stichtage Tag und Monat angeben, z. B. \"31.12.\" oder \"01.03.\".",
                _ => "Bei Kalenderjahr und Monat ist „nacktes_jahr“ nicht nötig.",
            };
            diags.push(
                Diagnostic::error(
                    "C004",
                    ctx.at(b),
                    format!("„nacktes_jahr = \"{}\"“ passt nicht zur Zeitart „{}“", b.get_ref(), period_kind.label()),
                )
                .hint(hint),
            );
        }
        parsed
    })
}

/// `spalten` and `feste_werte`: fields of the table, and not both for one field (C006).
fn columns_and_constants(
    ctx: &Ctx,
    schema: &'static schema::TableSchema,
    q: &config::QuelleConfig,
    diags: &mut Diagnostics,
) -> (BTreeMap<String, ColumnRef>, BTreeMap<String, String>) {
    let mut columns = BTreeMap::new();
    for (field, col) in &q.spalten {
        if field_of(ctx, schema, field, diags, "spalten") {
            columns.insert(field.get_ref().clone(), parse_column_ref(col));
        }
    }
    let mut constants = BTreeMap::new();
    for (field, value) in &q.feste_werte {
        if field_of(ctx, schema, field, diags, "feste_werte") {
            constants.insert(field.get_ref().clone(), value.clone());
            if columns.contains_key(field.get_ref()) {
                diags.push(Diagnostic::error(
                    "C006",
                    ctx.at(field),
                    format!(
                        "„{}“ steht in „spalten“ und in „feste_werte“",
                        field.get_ref()
                    ),
                ));
            }
        }
    }
    (columns, constants)
}

/// The statistical offices' symbols, with the source's own (`symbole`) in their place.
fn symbols(q: &config::QuelleConfig) -> Vec<(String, MissingReason)> {
    let mut symbols: Vec<(String, MissingReason)> = MissingReason::default_symbols()
        .into_iter()
        .filter(|(s, _)| !q.symbole.contains_key(*s))
        .map(|(s, r)| (s.to_string(), r))
        .collect();
    symbols.extend(q.symbole.iter().map(|(s, r)| (s.clone(), *r)));
    symbols
}

/// `gerundet_auf`: at least 2 (C004).
fn rounded_to(ctx: &Ctx, q: &config::QuelleConfig, diags: &mut Diagnostics) -> Option<u32> {
    q.gerundet_auf.as_ref().and_then(|r| {
        if *r.get_ref() < 2 {
            diags.push(Diagnostic::error(
                "C004",
                ctx.at(r),
                "„gerundet_auf“ muss mindestens 2 sein (üblich: 3, 5 oder 10)",
            ));
            None
        } else {
            Some(*r.get_ref())
        }
    })
}

/// Whether `key` is a field of the table; C006 with the fields there if not.
fn field_of(
    ctx: &Ctx,
    schema: &'static schema::TableSchema,
    key: &Spanned<String>,
    diags: &mut Diagnostics,
    what: &str,
) -> bool {
    if schema.field(key.get_ref()).is_some() {
        return true;
    }
    let mut d = Diagnostic::error(
        "C006",
        ctx.at(key),
        format!(
            "„{}“ ist kein Feld der Tabelle „{}“ ({what})",
            key.get_ref(),
            schema.id
        ),
    );
    if let Some(s) = did_you_mean(key.get_ref(), schema.field_names()) {
        d = d.hint(format!("Meinten Sie „{s}“?"));
    }
    diags.push(d.hint(format!(
        "Felder von „{}“: {} (siehe docs/data-format.md).",
        schema.id,
        schema.field_names().join(", ")
    )));
    false
}

/// `[quellen.X.entpivotieren]`: the measure and, per column, its key values and measures.
fn resolve_unpivot(
    ctx: &Ctx,
    schema: &'static schema::TableSchema,
    u: &config::EntpivotierenConfig,
    diags: &mut Diagnostics,
) -> Option<Unpivot> {
    let is_measure = |name: &str| schema.field(name).is_some_and(|f| f.role == Role::Measure);
    if !field_of(ctx, schema, &u.wert, diags, "entpivotieren.wert") {
        return None;
    }
    if !is_measure(u.wert.get_ref()) {
        diags.push(Diagnostic::error(
            "C006",
            ctx.at(&u.wert),
            format!(
                "„{}“ ist keine Zählgröße und kann nicht Ziel von „entpivotieren“ sein",
                u.wert.get_ref()
            ),
        ));
        return None;
    }
    let mut columns = Vec::new();
    let mut ok = true;
    for (header, entry) in &u.spalten {
        let mut keys = BTreeMap::new();
        let mut measures = vec![u.wert.get_ref().clone()];
        for (k, v) in entry {
            if k == "wert" {
                measures = v.to_vec();
                for m in &measures {
                    if !is_measure(m) {
                        ok = false;
                        diags.push(Diagnostic::error(
                            "C006",
                            ctx.at(&u.wert),
                            format!("„{m}“ (entpivotieren.spalten.\"{header}\".wert) ist keine Zählgröße der Tabelle „{}“", schema.id),
                        ));
                    }
                }
                continue;
            }
            let field = schema.field(k);
            if field.is_none_or(|f| f.role == Role::Measure) {
                ok = false;
                diags.push(Diagnostic::error(
                    "C006",
                    ctx.at(&u.wert),
                    format!("„{k}“ in entpivotieren.spalten ist kein Schlüsselfeld der Tabelle „{}“", schema.id),
                ).hint(format!("Felder von „{}“: {}.", schema.id, schema.field_names().join(", "))));
                continue;
            }
            match v {
                config::OneOrMany::One(s) => {
                    keys.insert(k.clone(), s.clone());
                }
                config::OneOrMany::Many(_) => {
                    ok = false;
                    diags.push(Diagnostic::error(
                        "C004",
                        ctx.at(&u.wert),
                        format!("„{k}“ in entpivotieren.spalten braucht einen einzelnen Wert, keine Liste"),
                    ));
                }
            }
        }
        columns.push((header.clone(), keys, measures));
    }
    ok.then(|| Unpivot {
        measure: u.wert.get_ref().clone(),
        columns,
    })
}

/// `fuehrende_zahl` and `versatz`: only on whole-number fields (and `gebiet` for the first).
fn int_options(
    ctx: &Ctx,
    schema: &'static schema::TableSchema,
    q: &config::QuelleConfig,
    diags: &mut Diagnostics,
) -> (Vec<String>, BTreeMap<String, i64>) {
    let mut leading_number = Vec::new();
    for f in &q.fuehrende_zahl {
        if field_of(ctx, schema, f, diags, "fuehrende_zahl") {
            if !matches!(
                schema.field(f.get_ref()).map(|x| x.ty),
                Some(FieldType::Int { .. } | FieldType::Area)
            ) {
                diags.push(Diagnostic::error(
                    "C006",
                    ctx.at(f),
                    format!(
                        "„fuehrende_zahl“ gilt nur für ganzzahlige Felder wie „alter“ und für „gebiet“, nicht für „{}“",
                        f.get_ref()
                    ),
                ).hint("Andere Ausprägungen unter [quellen.….werte] abbilden."));
            }
            leading_number.push(f.get_ref().clone());
        }
    }
    let mut offsets = BTreeMap::new();
    for (f, v) in &q.versatz {
        if field_of(ctx, schema, f, diags, "versatz") {
            if !matches!(
                schema.field(f.get_ref()).map(|x| x.ty),
                Some(FieldType::Int { .. })
            ) {
                diags.push(Diagnostic::error(
                    "C006",
                    ctx.at(f),
                    format!(
                        "„versatz“ gilt nur für ganzzahlige Felder wie „alter“, nicht für „{}“",
                        f.get_ref()
                    ),
                ));
            }
            offsets.insert(f.get_ref().clone(), *v);
        }
    }
    (leading_number, offsets)
}

fn resolve_source(
    ctx: &Ctx,
    name: &Spanned<String>,
    q: &config::QuelleConfig,
    project_maps: &BTreeMap<Spanned<String>, BTreeMap<String, String>>,
    diags: &mut Diagnostics,
) -> Option<Quelle> {
    let Some(table) = TableKind::from_id(q.tabelle.get_ref()) else {
        let mut d = Diagnostic::error(
            "C006",
            ctx.at(&q.tabelle),
            format!("unbekannte Tabelle „{}“", q.tabelle.get_ref()),
        );
        let ids = TableKind::ALL.map(TableKind::id);
        if let Some(s) = did_you_mean(q.tabelle.get_ref(), ids) {
            d = d.hint(format!("Meinten Sie „{s}“?"));
        }
        diags.push(d.hint(format!("Erlaubt sind: {}.", ids.join(", "))));
        return None;
    };
    let schema = schema::schema(table);
    let path = ctx.check_file(&q.datei, "Datei", diags);

    let Layout {
        delimiter,
        decimal,
        thousands,
        start,
    } = layout(ctx, name, q, diags);

    let (columns, constants) = columns_and_constants(ctx, schema, q, diags);
    let values = value_maps(ctx, schema, q, project_maps, diags);
    let unpivot = q
        .entpivotieren
        .as_ref()
        .and_then(|u| resolve_unpivot(ctx, schema, u, diags));
    let (leading_number, offsets) = int_options(ctx, schema, q, diags);

    let symbols = symbols(q);

    let period_kind = q.zeit.art;
    let bare_year = time_options(ctx, name, schema, q, diags);
    let rounded_to = rounded_to(ctx, q, diags);

    Some(Quelle {
        name: name.get_ref().clone(),
        table,
        path,
        format: q.format,
        encoding: q.kodierung.unwrap_or(if q.format == SourceFormat::Genesis {
            Kodierung::Windows1252
        } else {
            Kodierung::Utf8
        }),
        delimiter,
        decimal,
        thousands,
        skip_rows: q.ueberspringen,
        header_rows: q.kopfzeilen,
        sheet: q.blatt.clone(),
        start,
        columns,
        constants,
        unpivot,
        filter: q
            .filter
            .iter()
            .map(|(h, v)| (parse_column_ref(h), v.clone()))
            .collect(),
        exclude: q
            .ausschliessen
            .iter()
            .map(|(h, v)| (parse_column_ref(h), v.clone()))
            .collect(),
        leading_number,
        offsets,
        values,
        symbols,
        empty: q.leer,
        period_kind,
        bare_year,
        area_key: q.gebiet.schluessel,
        bezug: q.gebiet.bezug.unwrap_or(schema.default_bezug),
        unknown_areas: q.gebiet.unbekannte,
        rounded_to,
        note: q.quelle.clone(),
    })
}

impl ColumnRef {
    fn is_header(&self) -> bool {
        matches!(self, ColumnRef::Header(_))
    }
}

/// `"#3"` is the third column; anything else is a header text.
fn parse_column_ref(s: &str) -> ColumnRef {
    match s.strip_prefix('#').and_then(|n| n.parse::<usize>().ok()) {
        Some(n) if n >= 1 => ColumnRef::Position(n),
        _ => ColumnRef::Header(s.to_string()),
    }
}

/// `C7` → (6, 2), 0-based.
pub fn parse_cell(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let row: u32 = digits.parse().ok()?;
    if row == 0 {
        return None;
    }
    let mut col: u32 = 0;
    for c in letters.chars() {
        col = col * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1);
    }
    Some((row - 1, col - 1))
}

fn parse_bare_year(kind: PeriodKind, s: &str) -> Option<BareYear> {
    match kind {
        PeriodKind::Schuljahr => match s.trim() {
            "beginn" | "schuljahresbeginn" => Some(BareYear::Beginn),
            "ende" | "schuljahresende" | "abgangsjahr" => Some(BareYear::Ende),
            _ => None,
        },
        PeriodKind::Stichtag => {
            let t = s.trim().trim_end_matches('.');
            let (d, m) = t.split_once('.')?;
            let (day, month) = (d.parse().ok()?, m.parse().ok()?);
            Date::new(2000, month, day)?;
            Some(BareYear::Tag { day, month })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_columns() {
        assert_eq!(parse_cell("A1"), Some((0, 0)));
        assert_eq!(parse_cell("c7"), Some((6, 2)));
        assert_eq!(parse_cell("AA10"), Some((9, 26)));
        assert_eq!(parse_cell("A0"), None);
        assert_eq!(parse_cell("7C"), None);
        assert_eq!(parse_column_ref("#3"), ColumnRef::Position(3));
        assert_eq!(parse_column_ref("#x"), ColumnRef::Header("#x".into()));
    }

    #[test]
    fn bare_years() {
        assert_eq!(
            parse_bare_year(PeriodKind::Stichtag, "31.12."),
            Some(BareYear::Tag { day: 31, month: 12 })
        );
        assert_eq!(parse_bare_year(PeriodKind::Stichtag, "31.02."), None);
        assert_eq!(
            parse_bare_year(PeriodKind::Schuljahr, "ende"),
            Some(BareYear::Ende)
        );
        assert_eq!(parse_bare_year(PeriodKind::Schuljahr, "31.12."), None);
    }
}
