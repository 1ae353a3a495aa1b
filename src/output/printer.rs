//! The only code that prints. Human messages go to stderr, data and JSON to stdout, so
//! `bildungsmonitor … --format json > x.json` always yields clean JSON.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::cli::{ColorChoice, OutputFormat};
use crate::diag::{Diagnostics, Severity};
use anstyle::{AnsiColor, Style};
use std::io::{IsTerminal, Write};

/// How and what to print.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// Human or JSON.
    pub format: OutputFormat,
    color: bool,
    verbosity: i8,
}

const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

impl Printer {
    /// A printer for the given options; `auto` colour honours `NO_COLOR` and whether stderr is a terminal.
    pub fn new(format: OutputFormat, color: ColorChoice, verbose: u8, quiet: bool) -> Self {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        };
        let verbosity = if quiet { -1 } else { verbose.min(3) as i8 };
        Printer {
            format,
            color,
            verbosity,
        }
    }

    /// True when stderr is an interactive terminal (for progress bars).
    pub fn is_interactive(&self) -> bool {
        self.verbosity >= 0 && std::io::stderr().is_terminal()
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    /// A progress or status line (suppressed by `-q`).
    pub fn info(&self, msg: &str) {
        if self.verbosity >= 0 {
            eprintln!("{msg}");
        }
    }

    /// Extra detail shown with `-v`.
    pub fn detail(&self, msg: &str) {
        if self.verbosity >= 1 {
            eprintln!("{}", self.paint(DIM, msg));
        }
    }

    /// A final success line.
    pub fn success(&self, msg: &str) {
        if self.verbosity >= 0 {
            eprintln!("{} {msg}", self.paint(GREEN, "Fertig:"));
        }
    }

    /// A tool failure with its cause chain.
    pub fn failure(&self, err: &anyhow::Error) {
        eprintln!("{} {err}", self.paint(RED, "bildungsmonitor: Fehler:"));
        for cause in err.chain().skip(1) {
            eprintln!("  Ursache: {cause}");
        }
    }

    /// Prints diagnostics in the concise `datei:zeile:spalte: Fehler[CODE] …` form, then a summary.
    /// Warnings are hidden with `-q`.
    pub fn diagnostics(&self, diags: &Diagnostics) {
        let mut err = std::io::stderr().lock();
        // A hint is shown once per code and file; repeating it 25 times helps nobody.
        let mut hinted = std::collections::BTreeSet::new();
        for d in diags.sorted() {
            if d.severity == Severity::Warning && self.verbosity < 0 {
                continue;
            }
            let (label, style) = match d.severity {
                Severity::Error => ("Fehler", RED),
                Severity::Warning => ("Warnung", YELLOW),
            };
            let loc = d.location.to_string();
            let prefix = if loc.is_empty() {
                String::new()
            } else {
                format!("{}: ", self.paint(BOLD, &loc))
            };
            let _ = writeln!(
                err,
                "{prefix}{}[{}] {}",
                self.paint(style, label),
                d.code,
                d.message
            );
            for h in &d.hints {
                if hinted.insert((
                    d.code,
                    d.location.path().map(|p| p.to_path_buf()),
                    h.clone(),
                )) {
                    let _ = writeln!(err, "  Hinweis: {h}");
                }
            }
        }
        if self.verbosity >= 0 || diags.has_errors() {
            let style = if diags.has_errors() {
                RED
            } else if diags.warning_count() > 0 {
                YELLOW
            } else {
                GREEN
            };
            let _ = writeln!(err, "{}", self.paint(style, &summary_line(diags)));
        }
    }

    /// Writes a JSON value to stdout (anything serialisable: large tables can stream). A
    /// failed write (a full disk behind a redirection) is an error of the run.
    pub fn json<T: serde::Serialize + ?Sized>(&self, value: &T) -> std::io::Result<()> {
        // buffered: stdout alone writes line by line, one system call per line of JSON
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::other)?;
        writeln!(out)?;
        out.flush()
    }

    /// Writes raw bytes to stdout (completions, man page).
    pub fn raw_stdout(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }
}

/// "2 Fehler und 1 Warnung in 3 Dateien" or "Keine Probleme gefunden."
pub fn summary_line(diags: &Diagnostics) -> String {
    let e = diags.error_count();
    let w = diags.warning_count();
    if e == 0 && w == 0 {
        return "Keine Probleme gefunden.".into();
    }
    let files: std::collections::BTreeSet<_> =
        diags.iter().filter_map(|d| d.location.path()).collect();
    let mut parts = Vec::new();
    if e > 0 {
        parts.push(format!("{e} Fehler"));
    }
    if w > 0 {
        parts.push(format!(
            "{w} {}",
            if w == 1 { "Warnung" } else { "Warnungen" }
        ));
    }
    let n = files.len();
    let in_files = match n {
        0 => String::new(),
        1 => " in 1 Datei".into(),
        _ => format!(" in {n} Dateien"),
    };
    format!("{}{in_files}.", parts.join(" und "))
}
