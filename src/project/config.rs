//! The raw shape of `bildungsmonitor.toml` as serde reads it (documented key by key in
//! `docs/config.md`). Unknown keys are errors; [`super::Project`] resolves and checks it.

use crate::domain::{Bezug, MissingReason, PeriodKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `[projekt]`: who publishes what, and the data vintage.
    pub projekt: ProjektConfig,
    /// `[gebiete]`: the Gebietsgliederung.
    pub gebiete: GebieteConfig,
    /// `[geheimhaltung]`: disclosure control.
    #[serde(default)]
    pub geheimhaltung: GeheimhaltungConfig,
    /// `[quellen.<name>]`: one source profile per input file.
    #[serde(default)]
    pub quellen: BTreeMap<Spanned<String>, QuelleConfig>,
    /// `[berichte.<id>]`: report modules.
    #[serde(default)]
    pub berichte: BTreeMap<Spanned<String>, BerichtConfig>,
    /// `[indikatoren.<ID>]`: own indicators or overrides of the built-in catalogue.
    #[serde(default)]
    pub indikatoren: BTreeMap<String, crate::catalogue::Definition>,
    /// `[faktenchecks.<id>]`: short sheets on one topic.
    #[serde(default)]
    pub faktenchecks: BTreeMap<Spanned<String>, FaktencheckConfig>,
    /// `[profil]`: the indicators of the Stadtteilprofile.
    #[serde(default)]
    pub profil: Option<ProfilConfig>,
    /// `[gestaltung]`: corporate design of the PDFs.
    #[serde(default)]
    pub gestaltung: GestaltungConfig,
    /// `[werte]`: value maps for every source (a source's own `werte` take precedence).
    #[serde(default)]
    pub werte: BTreeMap<Spanned<String>, BTreeMap<String, String>>,
}

/// `[faktenchecks.<id>]`: a one- or two-page sheet on a topic.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaktencheckConfig {
    /// Title of the sheet.
    pub titel: String,
    /// 2 to 6 indicator ids; the first is shown as chart and map.
    pub indikatoren: Vec<Spanned<String>>,
    /// Optional text file (plain text or Markdown-like paragraphs) written by the analyst.
    #[serde(default)]
    pub text: Option<Spanned<String>>,
}

/// `[profil]`: what a Stadtteilprofil shows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilConfig {
    /// Indicator ids (default: a set across all topics).
    pub indikatoren: Vec<Spanned<String>>,
}

/// `[gestaltung]`: colours, font and font files.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GestaltungConfig {
    /// Main colour as `#rrggbb` (headings, lines).
    #[serde(default)]
    pub farbe: Option<Spanned<String>>,
    /// Font family for text and charts (must be among the embedded or given fonts).
    #[serde(default)]
    pub schrift: Option<String>,
    /// Font files (TTF/OTF) of the corporate design.
    #[serde(default)]
    pub schriftdateien: Vec<Spanned<String>>,
}

/// `[projekt]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjektConfig {
    /// Name of the Kommune as printed on reports ("Landeshauptstadt Magdeburg").
    pub kommune: String,
    /// Data vintage ("Stand"); also the date written into PDFs.
    pub stand: Spanned<toml::value::Datetime>,
    /// Publisher for the Impressum.
    #[serde(default)]
    pub herausgeber: Option<String>,
    /// Optional logo (SVG or PNG) for title pages.
    #[serde(default)]
    pub logo: Option<Spanned<String>>,
    /// Own template folder instead of the built-in templates.
    #[serde(default)]
    pub vorlagen: Option<Spanned<String>>,
}

/// `[gebiete]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GebieteConfig {
    /// CSV with the Stadtteile (nr, name, sozialraum, sozialraum_name, ags, gueltig_ab, gueltig_bis).
    #[serde(default)]
    pub datei: Option<Spanned<String>>,
    /// Inline Stadtteile (instead of or in addition to `datei`).
    #[serde(default)]
    pub stadtteil: Vec<StadtteilConfig>,
    /// Inline Sozialräume (names of the ids used by the Stadtteile).
    #[serde(default)]
    pub sozialraum: Vec<SozialraumConfig>,
    /// Inline Bezirke above the Sozialräume (names of the ids used by the Stadtteile).
    #[serde(default)]
    pub bezirk: Vec<SozialraumConfig>,
    /// GeoJSON with one polygon per Stadtteil.
    #[serde(default)]
    pub geojson: Option<Spanned<String>>,
    /// GeoJSON property holding the Stadtteil number.
    #[serde(default = "default_geojson_key")]
    pub geojson_schluessel: String,
    /// Name of the lowest level in texts ("Stadtteil", "Gemeinde", "Kreis").
    #[serde(default = "default_ebene1")]
    pub ebene1: String,
    /// Name of the middle level in texts ("Sozialraum", "Stadtbezirk").
    #[serde(default = "default_ebene2")]
    pub ebene2: String,
    /// Name of the level above the Sozialräume in texts ("Stadtbezirk").
    #[serde(default = "default_ebene3")]
    pub ebene3: String,
    /// Area keys that stand for the whole city in deliveries (a Gesamtstadt row, the AGS of
    /// the city); without the setting the usual labels (see `GESAMTSTADT_STANDARD`).
    #[serde(default)]
    pub gesamtstadt: Option<Vec<Spanned<String>>>,
}

fn default_geojson_key() -> String {
    "nr".into()
}
fn default_ebene1() -> String {
    "Stadtteil".into()
}
fn default_ebene2() -> String {
    "Sozialraum".into()
}
fn default_ebene3() -> String {
    "Stadtbezirk".into()
}

/// One `[[gebiete.stadtteil]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StadtteilConfig {
    /// Number as used in the data ("01").
    pub nr: String,
    /// Name.
    pub name: String,
    /// Id of the Sozialraum it belongs to (none: a Gliederung without a middle level).
    #[serde(default)]
    pub sozialraum: String,
    /// Id of the Bezirk its Sozialraum belongs to (none: no third level).
    #[serde(default)]
    pub bezirk: String,
    /// Amtlicher Gemeindeschlüssel, if the unit has one.
    #[serde(default)]
    pub ags: Option<String>,
    /// First day the unit exists in this form.
    #[serde(default)]
    pub gueltig_ab: Option<toml::value::Datetime>,
    /// Last day the unit exists in this form.
    #[serde(default)]
    pub gueltig_bis: Option<toml::value::Datetime>,
}

/// One `[[gebiete.sozialraum]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SozialraumConfig {
    /// Id used by the Stadtteile.
    pub nr: String,
    /// Name.
    pub name: String,
}

/// `[geheimhaltung]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeheimhaltungConfig {
    /// `sperrung` (suppress with `.`) or `rundung` (round every count).
    #[serde(default)]
    pub verfahren: Verfahren,
    /// Counts 1..mindestfallzahl-1 are suppressed.
    #[serde(default = "default_min_count")]
    pub mindestfallzahl: u32,
    /// Shares whose base is below this are suppressed.
    #[serde(default = "default_min_base")]
    pub mindestbasis: u32,
    /// Base of the rounding method (3 or 5).
    #[serde(default = "default_round_to")]
    pub rundung_auf: u32,
}

impl Default for GeheimhaltungConfig {
    fn default() -> Self {
        GeheimhaltungConfig {
            verfahren: Verfahren::default(),
            mindestfallzahl: default_min_count(),
            mindestbasis: default_min_base(),
            rundung_auf: default_round_to(),
        }
    }
}

fn default_min_count() -> u32 {
    3
}
fn default_min_base() -> u32 {
    10
}
fn default_round_to() -> u32 {
    3
}

/// Disclosure-control method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verfahren {
    /// Primary and secondary suppression (`.`).
    #[default]
    Sperrung,
    /// Every count rounded to a multiple of `rundung_auf`.
    Rundung,
}

/// File formats a source can have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// A tidy CSV (any delimiter, quoting, encoding).
    #[default]
    Csv,
    /// A sheet of an Excel workbook.
    Xlsx,
    /// A GENESIS / Regionalstatistik table CSV (header block, stacked headers, footer).
    Genesis,
    /// A GENESIS flat file (long, UTF-8, `_q` quality columns).
    Ffcsv,
    /// Apache Parquet, for very large sets.
    Parquet,
}

/// Character encodings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Kodierung {
    /// UTF-8, with or without BOM; a file that is not valid UTF-8 is an error naming the byte.
    #[default]
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    /// Windows-1252 (also for files labelled Latin-1 / ISO-8859-1, as browsers do).
    #[serde(
        rename = "windows-1252",
        alias = "latin-1",
        alias = "iso-8859-1",
        alias = "cp1252"
    )]
    Windows1252,
}

/// `[quellen.<name>]`: a source profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuelleConfig {
    /// Canonical table this source feeds (`bevoelkerung`, `kita_kinder` …).
    pub tabelle: Spanned<String>,
    /// The file, relative to the configuration file.
    pub datei: Spanned<String>,
    /// File format.
    #[serde(default)]
    pub format: SourceFormat,
    /// Character encoding; default UTF-8, for `genesis` Windows-1252.
    #[serde(default)]
    pub kodierung: Option<Kodierung>,
    /// Field delimiter, one character; default `;` (`,` for ffcsv files written in English).
    #[serde(default)]
    pub trennzeichen: Option<Spanned<String>>,
    /// Decimal separator: `,` (default) or `.`.
    #[serde(default = "default_decimal")]
    pub dezimalzeichen: Spanned<String>,
    /// Thousands separator, if the file uses one (`.` or a space); otherwise `1.234` is ambiguous.
    #[serde(default)]
    pub tausenderzeichen: Option<Spanned<String>>,
    /// Lines to skip before the header (title lines).
    #[serde(default)]
    pub ueberspringen: usize,
    /// Number of header rows; stacked headers are joined with ` | `.
    #[serde(default = "default_header_rows")]
    pub kopfzeilen: usize,
    /// XLSX: sheet name.
    #[serde(default)]
    pub blatt: Option<String>,
    /// XLSX: top-left cell of the table (header), e.g. `A3`.
    #[serde(default)]
    pub start: Option<Spanned<String>>,
    /// Canonical field → column header in the source (or `#3` for the third column).
    #[serde(default)]
    pub spalten: BTreeMap<Spanned<String>, String>,
    /// Canonical field → a constant for every row (e.g. `betreuungsart = "kita"`).
    #[serde(default)]
    pub feste_werte: BTreeMap<Spanned<String>, String>,
    /// Keep only rows whose column (header) holds one of the listed values.
    #[serde(default)]
    pub filter: BTreeMap<String, Vec<String>>,
    /// Drop rows whose column (header) holds one of the listed values (total rows, notes).
    #[serde(default)]
    pub ausschliessen: BTreeMap<String, Vec<String>>,
    /// Whole-number fields read from the number at the start of the text (`0_bis_unter_1` → 0).
    #[serde(default)]
    pub fuehrende_zahl: Vec<Spanned<String>>,
    /// Whole-number fields shifted by a constant (`alter = -1` when the source counts the year of life).
    #[serde(default)]
    pub versatz: BTreeMap<Spanned<String>, i64>,
    /// Wide tables: which columns become rows.
    #[serde(default)]
    pub entpivotieren: Option<EntpivotierenConfig>,
    /// Canonical field → (source value → canonical value), e.g. `"Gymn." = "gymnasium"`.
    #[serde(default)]
    pub werte: BTreeMap<Spanned<String>, BTreeMap<String, String>>,
    /// What an empty cell in a number column means (default: an error in required columns).
    #[serde(default)]
    pub leer: Option<MissingReason>,
    /// Extra or changed symbols: `"*" = "geheim"`.
    #[serde(default)]
    pub symbole: BTreeMap<String, MissingReason>,
    /// Time-key semantics.
    pub zeit: ZeitConfig,
    /// Area key and Bezug.
    #[serde(default)]
    pub gebiet: GebietConfig,
    /// Counts in this source are already rounded to this base (3, 5 or 10).
    #[serde(default)]
    pub gerundet_auf: Option<Spanned<u32>>,
    /// Source note for footnotes and the Datenquellen chapter.
    #[serde(default)]
    pub quelle: Option<String>,
}

fn default_decimal() -> Spanned<String> {
    Spanned::new(0..0, ",".to_string())
}
fn default_header_rows() -> usize {
    1
}

/// `[quellen.<name>.zeit]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZeitConfig {
    /// What the time key means.
    pub art: PeriodKind,
    /// What a bare year (`2023`) means: for `stichtag` a day (`"31.12."`), for
    /// `schuljahr` `"beginn"` (2023 = 2023/24) or `"ende"` (2023 = 2022/23).
    #[serde(default)]
    pub nacktes_jahr: Option<Spanned<String>>,
}

/// `[quellen.<name>.gebiet]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct GebietConfig {
    /// How the area column identifies a Stadtteil.
    #[serde(default)]
    pub schluessel: AreaKey,
    /// Wohnort, Einrichtungsort or Schulort; default from the table.
    #[serde(default)]
    pub bezug: Option<Bezug>,
    /// What to do with areas that are not in the Gebietsgliederung.
    #[serde(default)]
    pub unbekannte: Unbekannte,
}

/// Handling of area keys missing from the Gebietsgliederung.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unbekannte {
    /// An error per row (the default: a typo must not silently drop data).
    #[default]
    Fehler,
    /// One warning with the count, rows skipped (for national tables with all of Germany).
    Warnung,
    /// Rows skipped silently.
    Ignorieren,
}

/// How an area is identified in a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaKey {
    /// The Stadtteil number of the Gebietsgliederung.
    #[default]
    Nr,
    /// The Stadtteil name.
    Name,
    /// The AGS (Amtlicher Gemeindeschlüssel).
    Ags,
}

/// `[quellen.<name>.entpivotieren]`: turn columns into rows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntpivotierenConfig {
    /// Canonical measure that receives the cell values (e.g. `anzahl`).
    pub wert: Spanned<String>,
    /// Source header → canonical key values for that column; the reserved key `wert`
    /// names other measure(s) the column adds to (columns with equal keys are summed).
    pub spalten: BTreeMap<String, BTreeMap<String, OneOrMany>>,
}

/// A string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// `[berichte.<id>]`: a report module.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BerichtConfig {
    /// Title on the cover.
    pub titel: String,
    /// Indicator ids in the order they appear.
    #[serde(default)]
    pub indikatoren: Vec<Spanned<String>>,
    /// Template file inside the template folder (default: the built-in module template).
    #[serde(default)]
    pub vorlage: Option<String>,
}
