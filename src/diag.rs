//! Diagnostics: problems in user input as values (never panics, never early returns).
//!
//! Every check that looks at configuration or data pushes [`Diagnostic`]s into a
//! [`Diagnostics`] list so that one run reports *all* problems at once, each with its
//! place in the original file (1-based line and column, or `Blatt!A1` for spreadsheets),
//! a stable code (see `docs/errors.md`), a German message and a hint.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Whether a problem stops the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input cannot be used; later commands write nothing.
    Error,
    /// Suspicious but usable; reported and counted.
    Warning,
}

/// (file, line or row, column, sheet) for ordering.
type SortKey<'a> = (Option<&'a Path>, usize, usize, Option<(&'a str, u32, u32)>);

/// Where a problem is, in terms of the original file the analyst can open.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Location {
    /// Not tied to a file (e.g. a cross-source check).
    None,
    /// A whole file.
    File { path: PathBuf },
    /// A position in a text file: 1-based line and column (characters, not bytes).
    Text {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    /// A cell in a spreadsheet, e.g. `Tabelle1!C7`.
    Cell {
        path: PathBuf,
        sheet: String,
        cell: String,
    },
}

impl Location {
    /// A position in a text file.
    pub fn text(path: &Path, line: usize, column: usize) -> Self {
        Location::Text {
            path: path.to_path_buf(),
            line,
            column,
        }
    }

    /// A whole file.
    pub fn file(path: &Path) -> Self {
        Location::File {
            path: path.to_path_buf(),
        }
    }

    /// A spreadsheet cell given by 0-based row and column.
    pub fn cell(path: &Path, sheet: &str, row: u32, col: u32) -> Self {
        Location::Cell {
            path: path.to_path_buf(),
            sheet: sheet.to_string(),
            cell: cell_name(row, col),
        }
    }

    /// Orders by file, then position; a whole-file location comes after the positions in it.
    fn sort_key(&self) -> SortKey<'_> {
        match self {
            Location::None => (None, 0, 0, None),
            Location::Text { path, line, column } => (Some(path), *line, *column, None),
            Location::Cell { path, sheet, cell } => {
                let split = cell
                    .find(|c: char| c.is_ascii_digit())
                    .unwrap_or(cell.len());
                let row: u32 = cell[split..].parse().unwrap_or(0);
                let col = cell[..split]
                    .bytes()
                    .fold(0u32, |a, b| a * 26 + u32::from(b - b'A' + 1));
                (
                    Some(path),
                    row as usize,
                    col as usize,
                    Some((sheet, row, col)),
                )
            }
            Location::File { path } => (Some(path), usize::MAX, usize::MAX, None),
        }
    }

    /// The file this location is in, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Location::None => None,
            Location::File { path } | Location::Text { path, .. } | Location::Cell { path, .. } => {
                Some(path)
            }
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::None => Ok(()),
            Location::File { path } => write!(f, "{}", path.display()),
            Location::Text { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Location::Cell { path, sheet, cell } => write!(f, "{}:{sheet}!{cell}", path.display()),
        }
    }
}

/// Spreadsheet name of a 0-based (row, column) pair: (6, 2) → `C7`.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col as u64 + 1;
    while c > 0 {
        let rem = ((c - 1) % 26) as u8;
        letters.push((b'A' + rem) as char);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        letters.into_iter().collect::<String>(),
        row as u64 + 1
    )
}

/// One problem found in user input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code such as `C003` or `V104`; listed in `docs/errors.md`.
    pub code: &'static str,
    /// Where the problem is.
    pub location: Location,
    /// What is wrong, in German.
    pub message: String,
    /// What to do about it, in German.
    pub hints: Vec<String>,
    /// For a summary of capped problems ("insgesamt 1.950 Fälle … nur die ersten 25 gezeigt"):
    /// how many problems it stands for that are not shown one by one. The totals count them.
    #[serde(skip_serializing_if = "is_zero")]
    pub weitere: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Diagnostic {
    /// A new error. A message longer than [`MAX_MESSAGE`] characters (a 100 MB cell quoted
    /// in it) is cut, so that no message floods the terminal.
    pub fn error(code: &'static str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            location,
            message: shorten(message.into()),
            hints: Vec::new(),
            weitere: 0,
        }
    }

    /// A new warning.
    pub fn warning(code: &'static str, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, location, message)
        }
    }

    /// Marks a summary of `total` problems of which `shown` were reported one by one.
    pub fn summarising(mut self, total: usize, shown: usize) -> Self {
        self.weitere = total.saturating_sub(shown);
        self
    }

    /// How many problems it counts for: itself, or the unshown ones it summarises.
    pub fn count(&self) -> usize {
        if self.weitere > 0 { self.weitere } else { 1 }
    }

    /// Adds a hint ("Hinweis") telling the analyst what to do.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(shorten(hint.into()));
        self
    }
}

/// Characters of a message at most; values quoted in messages are cut to fit.
pub const MAX_MESSAGE: usize = 500;

fn shorten(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE) {
        Some((cut, _)) => format!(
            "{} … (gekürzt, {} Zeichen)",
            &message[..cut],
            message.chars().count()
        ),
        None => message,
    }
}

/// A list of problems, collected over all files of a run.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one problem.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Moves all problems of `other` into this list.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(Diagnostic::count)
            .sum()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(Diagnostic::count)
            .sum()
    }

    /// True if at least one error was found.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// True if nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All problems in report order: by file, position (whole-file notes last), then code.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.0.iter().collect();
        v.sort_by(|a, b| {
            a.location
                .sort_key()
                .cmp(&b.location.sort_key())
                .then(a.severity.cmp(&b.severity))
                .then(a.code.cmp(b.code))
                .then(a.message.cmp(&b.message))
        });
        v
    }

    /// Iterates in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

/// Line and column (1-based, in characters) of a byte offset in a text.
pub fn line_column(text: &str, byte_offset: usize) -> (usize, usize) {
    let offset = byte_offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Panics (of a library) that [`without_panic`] turns into `None` are not printed.
static QUIET: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs `f`, a call into a library that panics on some damaged input instead of returning an
/// error: a panic becomes `None` (the caller reports the file), and is not printed.
pub fn without_panic<T>(f: impl FnOnce() -> T) -> Option<T> {
    use std::sync::atomic::Ordering;
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.load(Ordering::SeqCst) == 0 {
                default(info);
            }
        }));
    });
    QUIET.fetch_add(1, Ordering::SeqCst);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.fetch_sub(1, Ordering::SeqCst);
    r.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut() {
        let long = format!("Wert „{}“ ist keine Zahl", "x".repeat(10_000_000));
        let d = Diagnostic::error("V101", Location::None, long);
        assert!(
            d.message.chars().count() < MAX_MESSAGE + 40,
            "{}",
            d.message.len()
        );
        assert!(
            d.message.ends_with("(gekürzt, 10000022 Zeichen)"),
            "{}",
            &d.message[480..]
        );
        let short = Diagnostic::error("V101", Location::None, "kurz");
        assert_eq!(short.message, "kurz");
    }

    #[test]
    fn cell_names() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(6, 2), "C7");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(9, 701), "ZZ10");
        assert_eq!(cell_name(0, 702), "AAA1");
    }

    #[test]
    fn line_columns_count_characters() {
        let t = "a;b\nÄü;x\n";
        assert_eq!(line_column(t, 0), (1, 1));
        assert_eq!(line_column(t, 2), (1, 3));
        assert_eq!(line_column(t, 4), (2, 1));
        // 'x' sits after two two-byte umlauts and ';'
        assert_eq!(line_column(t, 9), (2, 4));
    }

    #[test]
    fn sorted_by_file_then_position() {
        let p = Path::new("a.csv");
        let mut d = Diagnostics::new();
        d.push(Diagnostic::error("V2", Location::text(p, 5, 1), "x"));
        d.push(Diagnostic::warning("V1", Location::text(p, 2, 9), "y"));
        let s = d.sorted();
        assert_eq!(s[0].code, "V1");
        assert_eq!(d.error_count(), 1);
        assert_eq!(d.warning_count(), 1);
    }
}
