//! Format readers share one shape: they hand a header and then rows of [`Cell`]s to a
//! [`Sink`], together with a [`Locator`] that turns (row, column) into the place in the
//! original file. CSV and GENESIS table CSV live here; XLSX and Parquet have own files.

use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::domain::Date;
use std::path::Path;

/// One cell as the source holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Text (everything in a CSV).
    Text(&'a str),
    /// A number cell of a spreadsheet or Parquet file.
    Number(f64),
    /// A date cell of a spreadsheet.
    Date(Date),
    /// An Excel error value such as `#DIV/0!`.
    Error,
    /// Nothing.
    Empty,
}

impl Cell<'_> {
    /// True for empty cells and whitespace-only text.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// Where a row starts in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowPos {
    /// A text file: 1-based line and the byte offset of the record.
    Text { line: usize, byte: usize },
    /// A spreadsheet row, 0-based and absolute.
    Sheet { row: u32 },
    /// A record of a columnar file, 0-based.
    Record { row: usize },
}

/// Turns row positions and column indices into [`Location`]s of the original file.
pub enum Locator<'a> {
    /// A delimited text file.
    Text {
        path: &'a Path,
        text: &'a str,
        delimiter: u8,
    },
    /// A spreadsheet; `col0` is the absolute index of the first column read.
    Sheet {
        path: &'a Path,
        sheet: String,
        col0: u32,
    },
    /// A columnar file (Parquet): data row and column number.
    Record { path: &'a Path },
}

impl Locator<'_> {
    /// The location of column `col` (0-based, as handed to the sink) in the row at `pos`.
    pub fn at(&self, pos: RowPos, col: usize) -> Location {
        match (self, pos) {
            (
                Locator::Text {
                    path,
                    text,
                    delimiter,
                },
                RowPos::Text { line, byte },
            ) => {
                let (dl, column) = field_start(&text[byte.min(text.len())..], col, *delimiter);
                Location::text(path, line + dl, column)
            }
            (Locator::Sheet { path, sheet, col0 }, RowPos::Sheet { row }) => {
                Location::cell(path, sheet, row, col0 + col as u32)
            }
            (Locator::Record { path }, RowPos::Record { row }) => {
                Location::text(path, row + 1, col + 1)
            }
            (l, _) => Location::file(l.path()),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        match self {
            Locator::Text { path, .. } | Locator::Sheet { path, .. } | Locator::Record { path } => {
                path
            }
        }
    }
}

/// (extra lines, 1-based column in characters) of field `col` in a record starting at `rec`.
fn field_start(rec: &str, col: usize, delimiter: u8) -> (usize, usize) {
    let mut field = 0;
    let mut in_quotes = false;
    let mut lines = 0;
    let mut column = 1;
    if col == 0 {
        return (0, 1);
    }
    let mut chars = rec.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    column += 1;
                } else {
                    in_quotes = false;
                }
            } else if c == '\n' {
                lines += 1;
                column = 0;
            }
        } else if c == '"' {
            in_quotes = true;
        } else if c as u32 == u32::from(delimiter) {
            field += 1;
            if field == col {
                return (lines, column + 1);
            }
        } else if c == '\n' {
            break;
        }
        column += 1;
    }
    (lines, column)
}

/// Receives what a reader reads.
pub trait Sink {
    /// The (joined) header texts; returns false if the source cannot be used.
    fn header(&mut self, headers: &[String], line: RowPos, loc: &Locator) -> bool;
    /// One data row.
    fn row(&mut self, cells: &[Cell], pos: RowPos, loc: &Locator);
}

/// How a delimited text is laid out.
pub struct TextLayout {
    /// Field delimiter.
    pub delimiter: u8,
    /// Lines before the header.
    pub skip_rows: usize,
    /// Header rows (stacked headers are joined with " | ").
    pub header_rows: usize,
    /// GENESIS table: cut the footer at the `__________` line.
    pub genesis_footer: bool,
}

/// Reads a delimited text (CSV, GENESIS table CSV, ffcsv) into the sink.
pub fn read_text(
    path: &Path,
    text: &str,
    layout: &TextLayout,
    sink: &mut dyn Sink,
    diags: &mut Diagnostics,
) {
    let mut body = text;
    if layout.genesis_footer
        && let Some(i) = find_footer(body)
    {
        body = &body[..i];
    }
    // byte offset after the skipped lines
    let mut offset = 0;
    for _ in 0..layout.skip_rows {
        match body[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => {
                offset = body.len();
                break;
            }
        }
    }
    let loc = Locator::Text {
        path,
        text: body,
        delimiter: layout.delimiter,
    };
    let problems = check_quotes(&body[offset..], layout.delimiter);
    if !problems.is_empty() {
        for (byte, problem) in problems.iter().take(20) {
            let (line, column) = crate::diag::line_column(body, offset + byte);
            let (code, msg, hint) = match problem {
                QuoteProblem::Unterminated => (
                    "V004",
                    "Anführungszeichen wird nicht geschlossen; der Rest der Datei wäre ein einziges Feld",
                    "Das fehlende schließende \" ergänzen oder das öffnende entfernen.",
                ),
                QuoteProblem::Stray => (
                    "V005",
                    "Anführungszeichen mitten im Feld",
                    "Felder mit \" ganz in Anführungszeichen setzen und innere \" verdoppeln (\"\"), oder das Zeichen entfernen.",
                ),
                QuoteProblem::AfterClosing => (
                    "V005",
                    "Text nach dem schließenden Anführungszeichen",
                    "Nach dem schließenden \" muss das Trennzeichen oder das Zeilenende folgen; innere \" verdoppeln (\"\").",
                ),
            };
            diags.push(Diagnostic::error(code, Location::text(path, line, column), msg).hint(hint));
        }
        if problems.len() > 20 {
            diags.push(Diagnostic::error(
                "V005",
                Location::file(path),
                format!(
                    "insgesamt {} Probleme mit Anführungszeichen (nur die ersten 20 gezeigt)",
                    problems.len()
                ),
            ));
        }
        return;
    }
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(layout.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(&body.as_bytes()[offset..]);
    let mut record = csv::ByteRecord::new();
    let mut header_parts: Vec<Vec<String>> = Vec::new();
    let mut header_pos = RowPos::Text {
        line: layout.skip_rows + 1,
        byte: offset,
    };
    let mut expected = 0;
    let mut header_done = layout.header_rows == 0;
    let mut ragged = 0usize;
    if header_done && !sink.header(&[], header_pos, &loc) {
        return;
    }
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // Text is valid UTF-8 and quotes were checked, so this is an I/O-level surprise.
                diags.push(Diagnostic::error(
                    "V003",
                    Location::file(path),
                    format!("CSV nicht lesbar: {e}"),
                ));
                return;
            }
        }
        let p = record
            .position()
            .cloned()
            .unwrap_or_else(csv::Position::new);
        let mut line = p.line() as usize + layout.skip_rows;
        let mut byte = offset + p.byte() as usize;
        // With CRLF endings csv reports a record as starting at the previous line's `\n`.
        while let Some(&c) = body.as_bytes().get(byte) {
            match c {
                b'\n' => line += 1,
                b'\r' => {}
                _ => break,
            }
            byte += 1;
        }
        let pos = RowPos::Text { line, byte };
        if !header_done {
            if header_parts.is_empty() {
                header_pos = pos;
            }
            header_parts.push(
                record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).trim().to_string())
                    .collect(),
            );
            if header_parts.len() == layout.header_rows {
                header_done = true;
                let headers = join_headers(&header_parts);
                expected = headers.len();
                if expected == 1
                    && !check_delimiter(&headers[0], layout.delimiter, path, header_pos, diags)
                {
                    return;
                }
                if !sink.header(&headers, header_pos, &loc) {
                    return;
                }
            }
            continue;
        }
        let cells: Vec<Cell> = record
            .iter()
            .map(|f| Cell::Text(std::str::from_utf8(f).unwrap_or("")))
            .collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        if expected == 0 {
            expected = cells.len();
        }
        if cells.len() != expected {
            ragged += 1;
            if ragged <= 25 {
                let column = if cells.len() > expected {
                    expected
                } else {
                    cells.len().saturating_sub(1)
                };
                diags.push(
                    Diagnostic::error(
                        "V006",
                        loc.at(pos, column),
                        format!("Zeile hat {} Felder, die Kopfzeile {}", cells.len(), expected),
                    )
                    .hint("Fehlende oder überzählige Trennzeichen prüfen; Felder mit Trennzeichen in Anführungszeichen setzen."),
                );
            }
            continue;
        }
        sink.row(&cells, pos, &loc);
    }
    if ragged > 25 {
        diags.push(Diagnostic::error(
            "V006",
            Location::file(path),
            format!("insgesamt {ragged} Zeilen mit falscher Feldzahl (nur die ersten 25 gezeigt)"),
        ));
    }
    if !header_done {
        diags.push(
            Diagnostic::error("V003", Location::file(path), "Datei enthält keine Kopfzeile (leer oder zu kurz)")
                .hint("Prüfen, ob die richtige Datei angegeben ist und „ueberspringen“/„kopfzeilen“ stimmen."),
        );
    }
}

/// Byte offset of a GENESIS footer line (`__________`).
fn find_footer(text: &str) -> Option<usize> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("_____") {
            return Some(start);
        }
        start += line.len();
    }
    None
}

/// Joins stacked header rows per column: non-empty parts with " | ".
fn join_headers(rows: &[Vec<String>]) -> Vec<String> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..width)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

/// A header with one field that contains another common delimiter means the delimiter is wrong.
fn check_delimiter(
    header: &str,
    delimiter: u8,
    path: &Path,
    pos: RowPos,
    diags: &mut Diagnostics,
) -> bool {
    let candidates = [
        (b';', "\";\""),
        (b',', "\",\""),
        (b'\t', "\"\\t\""),
        (b'|', "\"|\""),
    ];
    for (c, name) in candidates {
        if c != delimiter && header.as_bytes().contains(&c) {
            let line = match pos {
                RowPos::Text { line, .. } => line,
                _ => 1,
            };
            diags.push(
                Diagnostic::error(
                    "V007",
                    Location::text(path, line, 1),
                    format!(
                        "die Kopfzeile enthält nur ein Feld, aber das Zeichen {name}: das Trennzeichen „{}“ passt vermutlich nicht",
                        delimiter as char
                    ),
                )
                .hint(format!("Im Quellprofil trennzeichen = {name} setzen.")),
            );
            return false;
        }
    }
    true
}

/// A quoting problem in a delimited text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteProblem {
    /// A quoted field that never ends (offset of the opening quote).
    Unterminated,
    /// A quote inside an unquoted field.
    Stray,
    /// Text after a closing quote.
    AfterClosing,
}

/// Checks RFC 4180 quoting; the csv crate accepts all of these silently.
pub fn check_quotes(text: &str, delimiter: u8) -> Vec<(usize, QuoteProblem)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut field_start = true;
    while i < b.len() {
        let c = b[i];
        if field_start && c == b'"' {
            let open = i;
            i += 1;
            loop {
                match b.get(i) {
                    None => {
                        out.push((open, QuoteProblem::Unterminated));
                        return out;
                    }
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            match b.get(i) {
                None => {}
                Some(&d) if d == delimiter || d == b'\n' || d == b'\r' => {}
                Some(_) => {
                    out.push((i, QuoteProblem::AfterClosing));
                    while i < b.len() && b[i] != delimiter && b[i] != b'\n' {
                        i += 1;
                    }
                }
            }
            field_start = false;
            continue;
        }
        if c == delimiter || c == b'\n' {
            field_start = true;
        } else if c == b'"' {
            out.push((i, QuoteProblem::Stray));
            while i + 1 < b.len() && b[i + 1] != delimiter && b[i + 1] != b'\n' {
                i += 1;
            }
        } else if c != b'\r' {
            field_start = false;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        assert!(check_quotes("a;\"b;c\";d\n1;\"x\"\"y\";2\n", b';').is_empty());
        assert_eq!(
            check_quotes("a;b\nAlt\"stadt;12\n", b';'),
            vec![(7, QuoteProblem::Stray)]
        );
        assert_eq!(
            check_quotes("a;b\n\"Altstadt;12\nNeu;7\n", b';'),
            vec![(4, QuoteProblem::Unterminated)]
        );
        assert_eq!(
            check_quotes("\"a\"b;c\n", b';'),
            vec![(3, QuoteProblem::AfterClosing)]
        );
        assert!(check_quotes("\"multi\nline\";1\r\n", b';').is_empty());
    }

    #[test]
    fn field_columns() {
        assert_eq!(field_start("ab;cd;ef", 2, b';'), (0, 7));
        assert_eq!(field_start("\"a;b\";Ü;x", 2, b';'), (0, 9));
        assert_eq!(field_start("\"a\nbc\";x", 1, b';'), (1, 5));
    }

    #[test]
    fn stacked_headers() {
        let rows = vec![
            vec!["".into(), "Abgänger".into(), "Abgänger".into()],
            vec!["".into(), "Insgesamt".into(), "weiblich".into()],
        ];
        assert_eq!(
            join_headers(&rows),
            vec!["", "Abgänger | Insgesamt", "Abgänger | weiblich"]
        );
    }
}
