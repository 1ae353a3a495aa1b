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
            Cell::Text(t) => super::values::trim(t).is_empty(),
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
    /// About this many more rows will follow (an estimate, to size buffers once).
    fn reserve(&mut self, _rows: usize) {}
}

/// A sink that can be split to read parts of one file in parallel.
pub trait Split: Sink + Send + Sized {
    /// A fresh sink for another part of the same source, after [`Sink::header`].
    fn fork(&self) -> Self;
    /// Takes over what the forks read (rows, statistics, problems), in file order, and
    /// leaves them empty but with their buffers: the next piece reuses them, instead of
    /// fresh memory (page faults) for every piece.
    fn join(&mut self, parts: &mut [Self]);
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
pub fn read_text<S: Split>(
    path: &Path,
    text: &str,
    layout: &TextLayout,
    sink: &mut S,
    diags: &mut Diagnostics,
) {
    let mut body = text;
    if layout.genesis_footer
        && let Some(i) = find_footer(body)
    {
        body = &body[..i];
    }
    let mut state = Progress::default();
    read_piece(path, body, layout, sink, diags, &mut state, &mut Vec::new());
    state.finish(path, diags);
}

/// What reading the pieces of one text so far has shown.
#[derive(Default)]
struct Progress {
    /// The header was read (or there is none); the following pieces hold data rows only.
    started: bool,
    /// Stop reading: the header or quoting was wrong.
    stop: bool,
    /// Fields per row (0 until known).
    expected: usize,
    /// The line the next piece starts at (0 before the first piece: line 1).
    line: usize,
    /// Rows with a wrong field count, and how many of them were reported.
    ragged: usize,
    ragged_shown: usize,
}

impl Progress {
    fn finish(&self, path: &Path, diags: &mut Diagnostics) {
        if self.ragged > MAX_RAGGED {
            diags.push(Diagnostic::error(
                "V006",
                Location::file(path),
                format!(
                    "insgesamt {} Zeilen mit falscher Feldzahl (nur die ersten {MAX_RAGGED} gezeigt)",
                    self.ragged
                ),
            ).summarising(self.ragged, MAX_RAGGED));
        }
    }
}

/// Reads a delimited text file in pieces of about `chunk` bytes, each cut after a line end
/// outside quotes and read like a text of its own (line numbers go on), so that the text in
/// memory stays bounded however large the file is. While one piece is read into rows, the
/// next `chunk` bytes come from the file. Returns the bytes read.
pub fn read_file<S: Split>(
    path: &Path,
    file: &mut (dyn std::io::Read + Send),
    encoding: crate::project::Kodierung,
    layout: &TextLayout,
    sink: &mut S,
    diags: &mut Diagnostics,
    chunk: usize,
) -> u64 {
    let mut state = Progress::default();
    // the sinks of the parallel parts, kept from piece to piece
    let mut forks: Vec<S> = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0;
    let mut eof = false;
    let mut first = true;
    let mut want = chunk.max(1);
    // the bytes read ahead while the last piece was read into rows
    let mut ahead: Vec<u8> = Vec::new();
    let mut ahead_result: Option<std::io::Result<usize>> = None;
    while !state.stop {
        if let Some(r) = ahead_result.take() {
            match r {
                Ok(n) => {
                    total += n as u64;
                    eof = n < chunk.max(1);
                    buf.extend_from_slice(&ahead);
                    ahead.clear();
                }
                Err(e) => {
                    diags.push(super::decode::unreadable(path, &e));
                    return total;
                }
            }
        }
        if !eof && buf.len() < want {
            let before = buf.len();
            match std::io::Read::read_to_end(
                &mut std::io::Read::take(&mut *file, (want - before) as u64),
                &mut buf,
            ) {
                Ok(n) => {
                    total += n as u64;
                    eof = buf.len() < want;
                }
                Err(e) => {
                    diags.push(super::decode::unreadable(path, &e));
                    return total;
                }
            }
        }
        // the first piece holds the skipped lines and the header at least
        let head = if first {
            layout.skip_rows + layout.header_rows
        } else {
            0
        };
        let cut = if eof {
            buf.len()
        } else {
            match piece_end(&buf).filter(|&c| has_filled_lines(&buf[..c], head)) {
                Some(c) => c,
                // no line end outside quotes yet (or not past the header): read on
                None => {
                    want = buf.len() + chunk.max(1);
                    continue;
                }
            }
        };
        if cut == 0 && eof && !first {
            break;
        }
        let Some(text) = super::decode::decode_piece(
            path,
            &buf[..cut],
            encoding,
            first,
            state.line.max(1),
            diags,
        ) else {
            return total;
        };
        let read_ahead = !eof;
        let ((), ahead_read) = rayon::join(
            || read_piece(path, &text, layout, sink, diags, &mut state, &mut forks),
            || {
                read_ahead.then(|| {
                    std::io::Read::read_to_end(
                        &mut std::io::Read::take(&mut *file, chunk.max(1) as u64),
                        &mut ahead,
                    )
                })
            },
        );
        ahead_result = ahead_read;
        drop(text);
        first = false;
        buf.drain(..cut);
        want = chunk.max(1);
        if eof && buf.is_empty() {
            break;
        }
    }
    state.finish(path, diags);
    total
}

/// The end of the longest prefix of `b` that ends with a line end outside quotes.
fn piece_end(b: &[u8]) -> Option<usize> {
    if !b.contains(&b'"') {
        return b.iter().rposition(|&c| c == b'\n').map(|i| i + 1);
    }
    // inside quotes exactly when an odd number of quotes came before ("" counts twice)
    let mut inside = false;
    let mut end = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'"' => inside = !inside,
            b'\n' if !inside => end = Some(i + 1),
            _ => {}
        }
    }
    end
}

/// True if a piece has at least `n` lines with something on them (ending outside quotes);
/// stops at the `n`th, so the header check does not scan a whole piece.
fn has_filled_lines(b: &[u8], n: usize) -> bool {
    let mut inside = false;
    let mut empty = true;
    let mut found = 0;
    for &c in b {
        if found >= n {
            break;
        }
        match c {
            b'"' => {
                inside = !inside;
                empty = false;
            }
            b'\n' if !inside => {
                found += usize::from(!empty);
                empty = true;
            }
            b'\r' => {}
            _ => empty = false,
        }
    }
    found >= n
}

/// Reads one piece of a text: the first with skipped lines and header, the others with
/// data rows only; `state` carries field count, line numbers and counts between pieces,
/// `forks` the sinks of the parallel parts.
fn read_piece<S: Split>(
    path: &Path,
    body: &str,
    layout: &TextLayout,
    sink: &mut S,
    diags: &mut Diagnostics,
    state: &mut Progress,
    forks: &mut Vec<S>,
) {
    let first = !state.started;
    let line0 = state.line.max(1);
    // byte offset after the skipped lines
    let mut offset = 0;
    if first {
        for _ in 0..layout.skip_rows {
            match body[offset..].find('\n') {
                Some(i) => offset += i + 1,
                None => {
                    offset = body.len();
                    break;
                }
            }
        }
    }
    let loc = Locator::Text {
        path,
        text: body,
        delimiter: layout.delimiter,
    };
    // most exports quote nothing: one fast scan saves the byte-by-byte check
    let quoted = body.as_bytes()[offset..].contains(&b'"');
    let problems = if quoted {
        check_quotes(&body[offset..], layout.delimiter)
    } else {
        Vec::new()
    };
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
            diags.push(
                Diagnostic::error(code, Location::text(path, line0 + line - 1, column), msg)
                    .hint(hint),
            );
        }
        if problems.len() > 20 {
            diags.push(
                Diagnostic::error(
                    "V005",
                    Location::file(path),
                    format!(
                        "insgesamt {} Probleme mit Anführungszeichen (nur die ersten 20 gezeigt)",
                        problems.len()
                    ),
                )
                .summarising(problems.len(), 20),
            );
        }
        state.stop = true;
        return;
    }
    let skipped = if first { layout.skip_rows } else { 0 };
    let mut records = Records::new(body, offset, line0 + skipped, layout.delimiter);
    let mut spans: Vec<Span> = Vec::new();
    if first {
        state.started = true;
        if layout.header_rows == 0 {
            let pos = RowPos::Text {
                line: line0 + skipped,
                byte: offset,
            };
            if !sink.header(&[], pos, &loc) {
                state.stop = true;
                return;
            }
        } else {
            let mut header_parts: Vec<Vec<String>> = Vec::new();
            let mut header_pos = None;
            while header_parts.len() < layout.header_rows {
                let Some((line, byte)) = records.next(&mut spans) else {
                    diags.push(
                        Diagnostic::error("V003", Location::file(path), "Datei enthält keine Kopfzeile (leer oder zu kurz)")
                            .hint("Prüfen, ob die richtige Datei angegeben ist und „ueberspringen“/„kopfzeilen“ stimmen."),
                    );
                    state.stop = true;
                    return;
                };
                header_pos.get_or_insert(RowPos::Text { line, byte });
                header_parts.push(
                    spans
                        .iter()
                        .map(|f| f.text(body).trim().to_string())
                        .collect(),
                );
            }
            let header_pos = header_pos.unwrap_or(RowPos::Text { line: 1, byte: 0 });
            let headers = join_headers(&header_parts);
            state.expected = headers.len();
            if state.expected == 1
                && !check_delimiter(&headers[0], layout.delimiter, path, header_pos, diags)
            {
                state.stop = true;
                return;
            }
            if !sink.header(&headers, header_pos, &loc) {
                state.stop = true;
                return;
            }
        }
    }
    // Large pieces without quotes are cut at line ends and read in parallel, each part into
    // its own fork of the sink; parts are joined in file order, so the result is the same.
    let threads = rayon::current_num_threads();
    let rest = body.len() - records.pos;
    let expected = state.expected;
    let parts = if expected > 0 && threads > 1 && rest >= PARALLEL_MIN_BYTES && !quoted {
        split_at_lines(body, records.pos, records.line, threads * 2)
    } else {
        vec![(records.pos, body.len(), records.line)]
    };
    while forks.len() + 1 < parts.len() {
        forks.push(sink.fork());
    }
    let forks = &mut forks[..parts.len() - 1];
    let mut found: Vec<(Vec<Diagnostic>, Rows)> = parts[1..]
        .iter()
        .map(|_| (Vec::new(), Rows::default()))
        .collect();
    let mut own = Vec::new();
    let d = layout.delimiter;
    let first_part = {
        let loc = &loc;
        let (rows, ()) = rayon::join(
            || data_rows(body, parts[0], expected, d, sink, loc, &mut own),
            || {
                use rayon::prelude::*;
                forks
                    .par_iter_mut()
                    .zip(&mut found)
                    .zip(&parts[1..])
                    .for_each(|((fork, (diags, rows)), &part)| {
                        *rows = data_rows(body, part, expected, d, fork, loc, diags);
                    });
            },
        );
        rows
    };
    state.expected = first_part.expected;
    let mut ragged = first_part.ragged;
    let mut end_line = first_part.end_line;
    let mut shown: Vec<Diagnostic> = own;
    for (d, rows) in found {
        ragged += rows.ragged;
        end_line = rows.end_line;
        shown.extend(d);
    }
    sink.join(forks);
    shown.truncate(MAX_RAGGED - state.ragged_shown.min(MAX_RAGGED));
    state.ragged_shown += shown.len();
    state.ragged += ragged;
    state.line = end_line;
    diags.extend(shown.into_iter().collect());
}

/// What [`data_rows`] read in one part.
#[derive(Default)]
struct Rows {
    /// Rows with a wrong field count (the first few are reported).
    ragged: usize,
    /// Fields per row (set by the first row when there is no header).
    expected: usize,
    /// The line after the part.
    end_line: usize,
}

/// Text files are read in pieces of this size: a piece is decoded, checked and read (in
/// parallel parts), then its memory is used for the next one.
pub const PIECE_BYTES: usize = 64 << 20;

/// Files at least this large (after the header) are read in parallel parts.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Rows with a wrong number of fields shown per file.
const MAX_RAGGED: usize = 25;

/// Cuts `body[start..]` into about `n` parts at line ends: (start, end, first line number).
/// Only for texts without quotes, where every line end ends a record.
fn split_at_lines(body: &str, start: usize, line: usize, n: usize) -> Vec<(usize, usize, usize)> {
    let b = body.as_bytes();
    let size = (b.len() - start) / n.max(1) + 1;
    let mut bounds = vec![start];
    let mut at = start;
    while bounds.len() < n {
        let target = (at + size).min(b.len());
        match b[target..].iter().position(|&c| c == b'\n') {
            Some(i) if target + i + 1 < b.len() => {
                at = target + i + 1;
                bounds.push(at);
            }
            _ => break,
        }
    }
    bounds.push(b.len());
    use rayon::prelude::*;
    // the line number each part starts at: count the line ends before it
    let counts: Vec<usize> = bounds
        .windows(2)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|w| b[w[0]..w[1]].iter().filter(|&&c| c == b'\n').count())
        .collect();
    let mut first = line;
    let mut parts = Vec::with_capacity(counts.len());
    for (w, c) in bounds.windows(2).zip(counts) {
        parts.push((w[0], w[1], first));
        first += c;
    }
    parts
}

/// Reads the data rows of `body[part.0..part.1]` (first line `part.2`) into the sink.
/// Rows with a wrong field count are counted (the first few are in `diags`).
fn data_rows<S: Sink>(
    body: &str,
    part: (usize, usize, usize),
    expected: usize,
    delimiter: u8,
    sink: &mut S,
    loc: &Locator,
    diags: &mut Vec<Diagnostic>,
) -> Rows {
    let (start, end, line) = part;
    let mut records = Records::new(&body[..end], start, line, delimiter);
    let mut expected = expected;
    let mut ragged = 0;
    // Reused for every record: no allocation per row or field.
    let mut spans: Vec<Span> = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    let mut reserved = false;
    while let Some((line, byte)) = records.next(&mut spans) {
        let pos = RowPos::Text { line, byte };
        // Quoted fields with doubled quotes are the only ones that need new text (rare).
        let owned: Vec<String>;
        let mut escaped_cells: Vec<Cell>;
        let row: &[Cell] = if spans.iter().any(|f| f.escaped) {
            owned = spans.iter().map(|f| f.text(body).into_owned()).collect();
            escaped_cells = Vec::with_capacity(owned.len());
            escaped_cells.extend(owned.iter().map(|t| Cell::Text(t)));
            &escaped_cells
        } else {
            cells.clear();
            cells.extend(spans.iter().map(|f| Cell::Text(&body[f.start..f.end])));
            &cells
        };
        if row.iter().all(Cell::is_blank) {
            continue;
        }
        if expected == 0 {
            expected = row.len();
        }
        if row.len() != expected {
            ragged += 1;
            if ragged <= MAX_RAGGED {
                let column = if row.len() > expected {
                    expected
                } else {
                    row.len().saturating_sub(1)
                };
                diags.push(
                    Diagnostic::error(
                        "V006",
                        loc.at(pos, column),
                        format!("Zeile hat {} Felder, die Kopfzeile {}", row.len(), expected),
                    )
                    .hint("Fehlende oder überzählige Trennzeichen prüfen; Felder mit Trennzeichen in Anführungszeichen setzen."),
                );
            }
            continue;
        }
        sink.row(row, pos, loc);
        if !reserved {
            // size the columns from the first row's length instead of growing them 20 times
            reserved = true;
            let len = records.pos.saturating_sub(byte).max(1);
            sink.reserve((end - records.pos) / len + 1);
        }
    }
    Rows {
        ragged,
        expected,
        end_line: records.line,
    }
}

/// One field of a record: byte range in the text (inside the quotes for quoted fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    /// Quoted and containing doubled quotes (`""`), which stand for one.
    escaped: bool,
}

impl Span {
    fn text(self, body: &str) -> std::borrow::Cow<'_, str> {
        let t = &body[self.start..self.end];
        if self.escaped {
            std::borrow::Cow::Owned(t.replace("\"\"", "\""))
        } else {
            std::borrow::Cow::Borrowed(t)
        }
    }
}

/// Splits a delimited text whose quoting [`check_quotes`] accepted into records, as the csv
/// crate would (`\n`, `\r\n` or `\r` end a record, empty lines are skipped), but hands out
/// byte ranges of the text itself, so reading allocates nothing per row or field.
struct Records<'a> {
    b: &'a [u8],
    pos: usize,
    line: usize,
    delimiter: u8,
}

impl<'a> Records<'a> {
    fn new(text: &'a str, offset: usize, line: usize, delimiter: u8) -> Self {
        Records {
            b: text.as_bytes(),
            pos: offset,
            line,
            delimiter,
        }
    }

    /// Skips a line end at `self.pos`, if any; true if one was there.
    fn line_end(&mut self) -> bool {
        match self.b.get(self.pos) {
            Some(b'\n') => {
                self.pos += 1;
                self.line += 1;
                true
            }
            Some(b'\r') => {
                self.pos += 1;
                if self.b.get(self.pos) == Some(&b'\n') {
                    self.pos += 1;
                }
                self.line += 1;
                true
            }
            _ => false,
        }
    }

    /// The next record's fields into `spans`; returns its (1-based line, byte offset).
    fn next(&mut self, spans: &mut Vec<Span>) -> Option<(usize, usize)> {
        while self.line_end() {}
        if self.pos >= self.b.len() {
            return None;
        }
        let start = (self.line, self.pos);
        spans.clear();
        let b = self.b;
        loop {
            // one field
            if b.get(self.pos) == Some(&b'"') {
                let s = self.pos + 1;
                let mut i = s;
                let mut escaped = false;
                loop {
                    match b.get(i) {
                        None => break,
                        Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                            escaped = true;
                            i += 2;
                        }
                        Some(b'"') => break,
                        Some(b'\n') => {
                            self.line += 1;
                            i += 1;
                        }
                        Some(_) => i += 1,
                    }
                }
                spans.push(Span {
                    start: s,
                    end: i.min(b.len()),
                    escaped,
                });
                // closing quote; `check_quotes` guarantees a delimiter or line end follows
                self.pos = (i + 1).min(b.len());
                while self.pos < b.len()
                    && !matches!(b[self.pos], b'\n' | b'\r')
                    && b[self.pos] != self.delimiter
                {
                    self.pos += 1;
                }
            } else {
                let s = self.pos;
                let rest = &b[s..];
                let len = rest
                    .iter()
                    .position(|&c| c == self.delimiter || c == b'\n' || c == b'\r')
                    .unwrap_or(rest.len());
                self.pos = s + len;
                spans.push(Span {
                    start: s,
                    end: self.pos,
                    escaped: false,
                });
            }
            match b.get(self.pos) {
                Some(&c) if c == self.delimiter => self.pos += 1,
                _ => {
                    self.line_end();
                    return Some(start);
                }
            }
        }
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

/// Joins stacked header rows per column: non-empty parts with " | ". `init --from` names
/// columns by the same rule, so that its profiles find them.
pub(crate) fn join_headers(rows: &[Vec<String>]) -> Vec<String> {
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

    /// Fields and start lines as the csv crate reads them.
    fn with_csv(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut out = Vec::new();
        let mut rec = csv::StringRecord::new();
        while rdr.read_record(&mut rec).unwrap() {
            let line = rec.position().unwrap().line() as usize;
            out.push((line, rec.iter().map(str::to_string).collect()));
        }
        out
    }

    fn with_records(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut r = Records::new(text, 0, 1, b';');
        let mut spans = Vec::new();
        let mut out = Vec::new();
        while let Some((line, _)) = r.next(&mut spans) {
            out.push((
                line,
                spans.iter().map(|f| f.text(text).into_owned()).collect(),
            ));
        }
        out
    }

    #[test]
    fn records_split_like_the_csv_crate() {
        for text in [
            "a;b;c\n1;2;3\n",
            "a;b\r\n1;2\r\n\r\n3;4",
            "a;;\n;;\n\n\n x ; y \n",
            "\"a;b\";\"c\"\"d\"\n\"multi\nline\";2\n3;\"\"\n",
            "a\rb\rc",
            "",
            "\n\n",
        ] {
            let ours = with_records(text);
            let theirs = with_csv(text);
            let fields =
                |v: &[(usize, Vec<String>)]| v.iter().map(|r| r.1.clone()).collect::<Vec<_>>();
            assert_eq!(fields(&ours), fields(&theirs), "{text:?}");
        }
        // lines count from the record's first line, also after a multi-line field
        assert_eq!(
            with_records("x\n\"a\nb\";1\nz\n")
                .iter()
                .map(|r| r.0)
                .collect::<Vec<_>>(),
            vec![1, 2, 4]
        );
    }

    #[test]
    fn parts_start_at_line_ends_with_their_line_numbers() {
        let text = "h\n".to_string() + &"1;2\n".repeat(100);
        let parts = split_at_lines(&text, 2, 2, 4);
        assert_eq!(parts.first().unwrap().0, 2);
        assert_eq!(parts.last().unwrap().1, text.len());
        for w in parts.windows(2) {
            assert_eq!(w[0].1, w[1].0);
            assert_eq!(&text[w[1].0 - 1..w[1].0], "\n");
            // the line number is 1 + the line ends before the part
            assert_eq!(w[1].2, 1 + text[..w[1].0].matches('\n').count());
        }
    }

    /// Everything a reader hands to its sink, with the places it names.
    #[derive(Default, Debug, PartialEq)]
    struct Recorder {
        header: Vec<String>,
        rows: Vec<(usize, Vec<String>, Location)>,
    }

    impl Sink for Recorder {
        fn header(&mut self, headers: &[String], _: RowPos, _: &Locator) -> bool {
            self.header = headers.to_vec();
            true
        }
        fn row(&mut self, cells: &[Cell], pos: RowPos, loc: &Locator) {
            let RowPos::Text { line, .. } = pos else {
                panic!("text rows")
            };
            let texts = cells
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => t.to_string(),
                    _ => String::new(),
                })
                .collect::<Vec<_>>();
            // the place of the last field: line and column within the piece's text
            self.rows
                .push((line, texts, loc.at(pos, cells.len().saturating_sub(1))));
        }
    }

    impl Split for Recorder {
        fn fork(&self) -> Self {
            Recorder::default()
        }
        fn join(&mut self, parts: &mut [Self]) {
            for p in parts {
                self.rows.append(&mut p.rows);
            }
        }
    }

    fn whole(text: &[u8], layout: &TextLayout) -> (Recorder, Vec<Diagnostic>) {
        let mut r = Recorder::default();
        let mut d = Diagnostics::new();
        let p = Path::new("x.csv");
        if let Some(t) =
            crate::ingest::decode::decode(p, text, crate::project::Kodierung::Utf8, &mut d)
        {
            read_text(p, &t, layout, &mut r, &mut d);
        }
        (r, d.iter().cloned().collect())
    }

    fn in_pieces(text: &[u8], layout: &TextLayout, chunk: usize) -> (Recorder, Vec<Diagnostic>) {
        let mut r = Recorder::default();
        let mut d = Diagnostics::new();
        let n = read_file(
            Path::new("x.csv"),
            &mut &text[..],
            crate::project::Kodierung::Utf8,
            layout,
            &mut r,
            &mut d,
            chunk,
        );
        if d.is_empty() {
            assert_eq!(n, text.len() as u64);
        }
        (r, d.iter().cloned().collect())
    }

    #[test]
    fn pieces_read_like_the_whole_text() {
        let layout = |skip, header| TextLayout {
            delimiter: b';',
            skip_rows: skip,
            header_rows: header,
            genesis_footer: false,
        };
        let mut many = "a;b;c\n".to_string();
        for i in 0..300 {
            many.push_str(&format!("{i};x{i};{}\n", i * 7));
            if i % 37 == 0 {
                many.push_str("1;2\n\n");
            }
        }
        let cases = [
            (
                "\u{feff}a;b\n1;2\n3;4\n".to_string().into_bytes(),
                layout(0, 1),
            ),
            (
                "Titel\nStand\na;b\n1;2\r\n3;4\r\n\r\n5;6"
                    .to_string()
                    .into_bytes(),
                layout(2, 1),
            ),
            (
                "a;b\n\"mehr\nzeilig\";2\n\"x\"\"y\";3\n4;\"\"\n"
                    .to_string()
                    .into_bytes(),
                layout(0, 1),
            ),
            (
                "a;b;c\n1;2\n3;4;5\n6;7;8;9\n".to_string().into_bytes(),
                layout(0, 1),
            ),
            ("1;2\n3;4\n5\n".to_string().into_bytes(), layout(0, 0)),
            (
                "a;b\n1;2\nAlt\"stadt;3\n".to_string().into_bytes(),
                layout(0, 1),
            ),
            (
                "a;b\n1;2\n\"offen;3\n4;5\n".to_string().into_bytes(),
                layout(0, 1),
            ),
            (b"a;b\n1;2\n3;\xfc\n".to_vec(), layout(0, 1)),
            ("a;b\nSüd;1\nÖst;2\n".to_string().into_bytes(), layout(0, 1)),
            ("".to_string().into_bytes(), layout(0, 1)),
            (many.into_bytes(), layout(0, 1)),
            // more rows with a wrong field count than are shown, spread over the pieces
            (
                ("a;b\n".to_string() + &"1\n2;3\n".repeat(40)).into_bytes(),
                layout(0, 1),
            ),
        ];
        for (text, layout) in &cases {
            let expected = whole(text, layout);
            for chunk in [1, 2, 3, 5, 8, 13, 64, 1000, 1 << 20] {
                let got = in_pieces(text, layout, chunk);
                let what = format!(
                    "pieces of {chunk} bytes: {:?}",
                    String::from_utf8_lossy(text)
                );
                assert_eq!(got.1, expected.1, "{what}");
                // Quoting and encoding problems stop the reading; pieces before them may have
                // been read, which is no matter: a source with an error yields no data.
                if !expected
                    .1
                    .iter()
                    .any(|d| ["V002", "V004", "V005"].contains(&d.code))
                {
                    assert_eq!(got.0, expected.0, "{what}");
                }
            }
        }
    }

    #[test]
    fn pieces_end_after_a_line_end_outside_quotes() {
        assert_eq!(piece_end(b"a;b\n1;2\n3"), Some(8));
        assert_eq!(piece_end(b"a;\"x\ny\"\n1"), Some(8));
        assert_eq!(piece_end(b"a;\"x\ny"), None);
        assert_eq!(piece_end(b"\"x\"\"\n\""), None);
        assert_eq!(piece_end(b"abc"), None);
        // lines with something on them, not counting empty ones or breaks inside quotes
        assert!(has_filled_lines(b"", 0));
        assert!(has_filled_lines(b"a\n\r\nb\n", 2));
        assert!(!has_filled_lines(b"a\n\n\n", 2));
        assert!(!has_filled_lines(b"a\n\"x\ny\"", 2));
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
