//! The command line, as clap derive structs only: no logic lives here. Doc comments are the
//! `--help` texts (German for analysts, like the messages).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Kommunales Bildungsmonitoring: aus Statistikdaten geprüfte Kennzahlen, barrierefreie
/// Berichte (PDF/UA, PDF/A) und Exporte – reproduzierbar und mit Geheimhaltung.
#[derive(Debug, Parser)]
#[command(
    name = "bildungsmonitor",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Dokumentation: docs/README.md · Beispielprojekt: bildungsmonitor init ORDNER"
)]
pub struct Cli {
    /// Options that every subcommand understands.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by all subcommands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Projektdatei (Konfiguration des Bildungsmonitorings).
    #[arg(
        long,
        global = true,
        value_name = "DATEI",
        default_value = "bildungsmonitor.toml",
        env = "BILDUNGSMONITOR_CONFIG"
    )]
    pub config: PathBuf,
    /// Ausgabeform: `human` (Text), `json`, `csv` (indicators) oder `markdown` (catalogue); Daten auf stdout.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Farbige Ausgabe; `auto` beachtet NO_COLOR und ob ein Terminal angeschlossen ist.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WANN")]
    pub color: ColorChoice,
    /// Mehr Details ausgeben (mehrfach für noch mehr).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Nur Fehler ausgeben.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Die geschützte Veröffentlichung neu berechnen, statt sie aus `.bildungsmonitor-cache/` zu lesen (und dort nichts ablegen).
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// Die Lieferungen aus diesem Ordner lesen, ohne die Projektdatei zu ändern: jede Quelle unter
    /// ihrem Dateinamen dort (z. B. `--daten daten/2026-10` für die Oktoberlieferung).
    #[arg(
        long,
        global = true,
        value_name = "ORDNER",
        env = "BILDUNGSMONITOR_DATEN"
    )]
    pub daten: Option<PathBuf>,
}

/// Machine or human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Text für Menschen auf stderr.
    Human,
    /// JSON auf stdout (für Skripte und CI).
    Json,
    /// CSV auf stdout (Semikolon, Dezimalkomma; nur `indicators`).
    Csv,
    /// Markdown auf stdout (nur `catalogue`).
    Markdown,
    /// Excel-Arbeitsmappe (nur `export`).
    Xlsx,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Farbe nur im Terminal und ohne NO_COLOR.
    Auto,
    /// Immer Farbe.
    Always,
    /// Nie Farbe.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Projekt und Daten prüfen: Konfiguration, Dateien, Spalten, Werte, Plausibilität.
    Validate(ValidateArgs),
    /// Kennzahlen berechnen und als Tabelle ausgeben (Stadtteile, Sozialräume, Stadt).
    Indicators(IndicatorsArgs),
    /// Alle veröffentlichten Zahlen (nach der Geheimhaltung) als CSV, XLSX oder JSON schreiben.
    Export(ExportArgs),
    /// Den Indikatorenkatalog ausgeben (Definitionen, Formeln, Einheiten).
    Catalogue(CatalogueArgs),
    /// Berichtsmodule als barrierefreie PDF (PDF/A-2b + PDF/UA-1) erzeugen.
    Report(ReportArgs),
    /// Faktenchecks zu Themen und Stadtteil-/Sozialraumprofile als PDF, auch im Stapel.
    Faktencheck(FaktencheckArgs),
    /// Messen, wo die Zeit bleibt: erzeugt Testdaten und misst jede Stufe der Pipeline.
    Bench(BenchArgs),
    /// Ein neues Projekt mit kommentierter Konfiguration und Beispieldaten anlegen.
    Init(InitArgs),
    /// Synthetische Beispieldaten einer Stadt erzeugen (deterministisch).
    Sample(SampleArgs),
    /// Shell-Vervollständigung ausgeben (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Handbuchseite (man page, roff) ausgeben.
    Man(ManArgs),
}

/// `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {}

/// `indicators`.
#[derive(Debug, Args)]
pub struct IndicatorsArgs {
    /// Nur diese Kennzahl(en), z. B. `--indicator FK01 --indicator UE01`.
    #[arg(long = "indicator", value_name = "ID")]
    pub indicator: Vec<String>,
    /// Nur diese(r) Stadtteil(e) (Nr.), dazu Sozialraum und Stadt zum Vergleich.
    #[arg(long = "stadtteil", value_name = "NR")]
    pub stadtteil: Vec<String>,
    /// Nur dieser Zeitpunkt: `2025`, `2025/26`, `2026-10` (Monat) oder `01.03.2026`.
    #[arg(long, value_name = "ZEIT")]
    pub period: Option<String>,
    /// Nur diese Ebene.
    #[arg(long, value_enum, value_name = "EBENE")]
    pub ebene: Option<EbeneArg>,
    /// Prüfprotokoll der Geheimhaltung (jede gesperrte Zahl mit Grund) als JSON schreiben.
    #[arg(long, value_name = "DATEI")]
    pub audit: Option<std::path::PathBuf>,
}

/// Spatial level on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EbeneArg {
    /// Stadtteile.
    Stadtteil,
    /// Sozialräume.
    Sozialraum,
    /// Bezirke (dritte Ebene, `bezirk` in der Gebietsdatei).
    Bezirk,
    /// Gesamtstadt.
    Stadt,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Zieldatei(en); das Format ergibt sich aus der Endung (.csv, .xlsx, .json) oder aus
    /// --format. Mehrfach angegeben entstehen alle Dateien aus einem Lauf (gemeinsam oder keine).
    #[arg(long, short = 'o', value_name = "DATEI", required = true)]
    pub output: Vec<std::path::PathBuf>,
    /// Nur diese Kennzahl(en).
    #[arg(long = "indicator", value_name = "ID")]
    pub indicator: Vec<String>,
}

/// `catalogue`.
#[derive(Debug, Args)]
pub struct CatalogueArgs {}

/// Options shared by everything that writes PDFs.
#[derive(Debug, Args, Clone)]
pub struct PdfArgs {
    /// Stand der Daten: neuester Zeitpunkt bis einschließlich `2025`, `2025/26`, `01.03.2026`
    /// oder `2026-10` (Monat). Ohne Angabe: der neueste Zeitpunkt jeder Kennzahl.
    #[arg(long, value_name = "ZEIT")]
    pub period: Option<String>,
    /// Zielordner der PDF-Dateien.
    #[arg(long, value_name = "ORDNER", default_value = "out")]
    pub out: std::path::PathBuf,
    /// Entwurf: Wasserzeichen „ENTWURF“ und eine Zeile mit Datenprüfsumme und Programmversion.
    #[arg(long)]
    pub draft: bool,
}

/// Size of the benchmark data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// Eine Stadt: 40 Stadtteile, 10 Jahre; 3 Module, 40 Profile, 4 Faktenchecks, Exporte.
    City,
    /// Ein Land: 220 Gemeinden, 10 Jahre; 3 Module, 220 Profile.
    Land,
    /// Bund: 11.000 Gemeinden in 400 Kreisen, 10 Jahre (≈ 28 Mio. Zeilen, 1 GB); 400 Kreisprofile.
    Bund,
}

/// Last stage a benchmark runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum BenchBis {
    /// Nur Einlesen und Prüfen.
    Einlesen,
    /// Bis zu den Kennzahlen.
    Kennzahlen,
    /// Bis zur Geheimhaltung (alle Datenstufen, keine PDFs).
    Geheimhaltung,
    /// Alles, auch Diagramme, PDFs und Exporte.
    Alles,
}

/// `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Größe der erzeugten Daten.
    #[arg(long, value_enum, default_value = "city")]
    pub scale: Scale,
    /// Arbeitsordner für Daten und PDFs (Vorgabe: ein temporärer Ordner, danach gelöscht).
    /// Liegen dort schon Daten derselben Größe aus einem früheren Lauf, werden sie wiederverwendet.
    #[arg(long, value_name = "ORDNER")]
    pub dir: Option<PathBuf>,
    /// Bis zu welcher Stufe gemessen wird (große Skalen stufenweise messen).
    #[arg(long, value_enum, default_value = "alles")]
    pub bis: BenchBis,
    /// Nur Daten: Einlesen, Prüfen, Kennzahlen, Geheimhaltung (wie --bis geheimhaltung).
    #[arg(long, conflicts_with = "bis")]
    pub ohne_pdf: bool,
    /// Intern: eine Lesemessung des Vergleichs mit polars in einem frischen Prozess (die
    /// größte CSV-Quelle des Projekts in --dir); gibt JSON aus.
    #[arg(long, value_enum, hide = true, requires = "dir")]
    pub lesemessung: Option<Lesemessung>,
}

/// One read of the comparison with polars, each in a process of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lesemessung {
    /// Our read + validate on one core.
    EinKern,
    /// Our read + validate on all cores.
    AlleKerne,
    /// polars' read_csv without checks, all cores.
    Polars,
}

/// `faktencheck`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("auswahl").required(true).multiple(true).args(["topic", "all_topics", "stadtteil", "all_stadtteile", "sozialraum", "all_sozialraeume"])))]
pub struct FaktencheckArgs {
    /// Faktencheck zu diesem Thema (Kennung aus [faktenchecks.<id>]); mehrfach möglich.
    #[arg(long, value_name = "ID")]
    pub topic: Vec<String>,
    /// Alle konfigurierten Themen.
    #[arg(long)]
    pub all_topics: bool,
    /// Profil dieses Stadtteils (Nr.); mehrfach möglich.
    #[arg(long, value_name = "NR")]
    pub stadtteil: Vec<String>,
    /// Ein Profil je Stadtteil.
    #[arg(long)]
    pub all_stadtteile: bool,
    /// Profil dieses Sozialraums (Kennung); mehrfach möglich.
    #[arg(long, value_name = "ID")]
    pub sozialraum: Vec<String>,
    /// Ein Profil je Sozialraum.
    #[arg(long)]
    pub all_sozialraeume: bool,
    #[command(flatten)]
    pub pdf: PdfArgs,
}

/// `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Nur dieses Modul (Kennung aus [berichte.<id>]); mehrfach möglich. Ohne Angabe: alle.
    #[arg(long = "module", value_name = "ID")]
    pub module: Vec<String>,
    #[command(flatten)]
    pub pdf: PdfArgs,
    /// Beobachten: bei jeder Änderung an Konfiguration, Daten oder Vorlagen neu erzeugen
    /// (beenden mit Strg+C).
    #[arg(long)]
    pub watch: bool,
}

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Ordner für das neue Projekt (wird angelegt; ohne --from muss er leer sein oder fehlen,
    /// mit --from darf er nur noch keine bildungsmonitor.toml haben).
    #[arg(value_name = "ORDNER")]
    pub dir: PathBuf,
    /// Name der Kommune in der Konfiguration (Vorgabe: Musterstadt, mit --from der Name aus
    /// den Lieferungen, sonst „Meine Kommune“).
    #[arg(long)]
    pub kommune: Option<String>,
    /// Ordner mit Lieferungen (CSV, XLSX, GENESIS, GeoJSON): statt der Beispieldaten ein Projekt,
    /// das genau diese Dateien liest; Offenes steht als „FRAGE“ in der Projektdatei.
    #[arg(long, value_name = "ORDNER")]
    pub from: Option<PathBuf>,
}

/// `sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Anzahl der Stadtteile (bis 12.000: so viele Gemeinden hat Deutschland).
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u16).range(4..=12000))]
    pub stadtteile: u16,
    /// Anzahl der Sozialräume, in die benachbarte Stadtteile gleichmäßig gruppiert werden
    /// (z. B. 400 Kreise für 11.000 Gemeinden); ohne Angabe acht nach Lage.
    #[arg(long, value_parser = clap::value_parser!(u16).range(2..=1000))]
    pub sozialraeume: Option<u16>,
    /// Anzahl der Jahre (Stichtage bzw. Schuljahre).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(2..=30))]
    pub jahre: u16,
    /// Zielordner (wird angelegt; vorhandene Beispieldateien werden ersetzt).
    #[arg(long, value_name = "ORDNER", default_value = "data-samples")]
    pub out: PathBuf,
    /// Startwert des Zufallsgenerators (gleicher Wert → gleiche Dateien).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Die Shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `man`.
#[derive(Debug, Args)]
pub struct ManArgs {}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
