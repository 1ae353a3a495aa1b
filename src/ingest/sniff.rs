//! Reading an unknown delivery far enough to describe it (for `init --from`): encoding,
//! delimiter, title lines, stacked headers (GENESIS), decimal mark, and the first rows as text.

use std::path::Path;

/// How many data rows are looked at per file.
const ROWS: usize = 5000;
/// Files above this size are looked at by their first bytes only.
const HEAD_BYTES: usize = 8 << 20;

/// A file as read for inspection.
#[derive(Debug, Clone)]
pub struct Roh {
    /// `csv`, `genesis` or `xlsx`.
    pub format: &'static str,
    /// `utf-8` or `windows-1252`.
    pub kodierung: &'static str,
    /// Field delimiter.
    pub trennzeichen: char,
    /// Lines before the header.
    pub ueberspringen: usize,
    /// Header rows (stacked headers joined with " | ", as the reader does).
    pub kopfzeilen: usize,
    /// Column headers.
    pub koepfe: Vec<String>,
    /// The first data rows.
    pub zeilen: Vec<Vec<String>>,
    /// Decimal mark seen in numbers (`,` unless only `.` decimals occur).
    pub dezimalzeichen: char,
    /// Excel: the header's first cell (`B3`) where it is not A1.
    pub start: Option<String>,
}

/// Reads a CSV or GENESIS text file; `None` if it is no delimited text.
pub fn text(path: &Path) -> Option<Roh> {
    let bytes = read_head(path)?;
    let (text, kodierung) = match std::str::from_utf8(&bytes) {
        Ok(t) => (t.trim_start_matches('\u{feff}').to_string(), "utf-8"),
        // a cut at the head limit may split a character: decode what is whole
        Err(e) if e.error_len().is_none() && bytes.len() >= HEAD_BYTES => (
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned(),
            "utf-8",
        ),
        Err(_) => {
            let (t, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
            (t.into_owned(), "windows-1252")
        }
    };
    if text.contains('\0') {
        return None;
    }
    let lines: Vec<&str> = text.lines().take(ROWS + 50).collect();
    let genesis = lines
        .iter()
        .take(3)
        .any(|l| l.starts_with("GENESIS-Tabelle") || l.contains("Regionaldatenbank"));
    let trennzeichen = if genesis { ';' } else { delimiter(&lines)? };
    let rows: Vec<Vec<String>> = lines
        .iter()
        .take_while(|l| !l.trim_start().starts_with("_____"))
        .map(|l| split(l, trennzeichen))
        .collect();
    let (ueberspringen, kopfzeilen) = if genesis {
        genesis_header(&rows)?
    } else {
        (plain_header(&rows), 1)
    };
    // header cells trimmed and joined as the reader does, so that profiles find them
    let kopf: Vec<Vec<String>> = rows[ueberspringen..ueberspringen + kopfzeilen]
        .iter()
        .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
        .collect();
    let koepfe = super::join_headers(&kopf);
    let zeilen: Vec<Vec<String>> = rows[ueberspringen + kopfzeilen..]
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .take(ROWS)
        .cloned()
        .collect();
    Some(Roh {
        format: if genesis { "genesis" } else { "csv" },
        kodierung,
        trennzeichen,
        ueberspringen,
        kopfzeilen,
        dezimalzeichen: decimal(&zeilen),
        start: None,
        koepfe,
        zeilen,
    })
}

/// Reads the first sheet of an Excel workbook; `None` if it is none.
pub fn xlsx(path: &Path) -> Option<Roh> {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = crate::diag::without_panic(|| calamine::open_workbook(path).ok())??;
    let name = wb.sheet_names().first()?.clone();
    let range = crate::diag::without_panic(|| wb.worksheet_range(&name).ok())??;
    let cell = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    };
    let rows: Vec<Vec<String>> = range
        .rows()
        .take(ROWS + 50)
        .map(|r| r.iter().map(cell).collect())
        .collect();
    let skip = plain_header(&rows);
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let start = (r0 as usize + skip, c0 as usize);
    let start = (start != (0, 0)).then(|| format!("{}{}", column_letters(start.1), start.0 + 1));
    let koepfe = rows
        .get(skip)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let zeilen: Vec<Vec<String>> = rows[skip + 1..]
        .iter()
        .take_while(|r| r.iter().any(|c| !c.trim().is_empty()))
        .cloned()
        .collect();
    Some(Roh {
        format: "xlsx",
        kodierung: "utf-8",
        trennzeichen: ';',
        ueberspringen: 0,
        start,
        kopfzeilen: 1,
        dezimalzeichen: ',',
        koepfe,
        zeilen,
    })
}

/// `0` → `A`, `27` → `AB`.
fn column_letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn read_head(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = Vec::new();
    f.by_ref()
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut buf)
        .ok()?;
    Some(buf)
}

fn split(line: &str, d: char) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(d as u8)
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    rdr.records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The delimiter that splits the most lines into the same number of fields (at least two).
fn delimiter(lines: &[&str]) -> Option<char> {
    let sample: Vec<&str> = lines
        .iter()
        .take(60)
        .copied()
        .filter(|l| !l.is_empty())
        .collect();
    [';', '\t', ',', '|']
        .into_iter()
        .filter_map(|d| {
            let counts: Vec<usize> = sample.iter().map(|l| split(l, d).len()).collect();
            let widest = *counts.iter().max()?;
            let same = counts.iter().filter(|&&c| c == widest).count();
            (widest >= 2).then_some((same, widest, d))
        })
        .max_by_key(|&(same, widest, _)| (same, widest))
        .map(|(_, _, d)| d)
}

/// Title lines before the header: the header is the first row as wide as the widest row
/// with text in more than half of its cells.
fn plain_header(rows: &[Vec<String>]) -> usize {
    let widest = rows.iter().map(Vec::len).max().unwrap_or(0);
    rows.iter()
        .position(|r| {
            let filled = r.iter().filter(|c| !c.trim().is_empty()).count();
            r.len() == widest && 2 * filled > widest
        })
        .unwrap_or(0)
}

/// GENESIS tables: title lines start with text, the stacked header rows with an empty first
/// cell, data rows with a year again.
fn genesis_header(rows: &[Vec<String>]) -> Option<(usize, usize)> {
    let first = |r: &Vec<String>| r.first().map(|c| c.trim().to_string()).unwrap_or_default();
    let start = rows
        .iter()
        .position(|r| r.len() > 2 && first(r).is_empty())?;
    let data = rows[start..].iter().position(|r| !first(r).is_empty())?;
    Some((start, data))
}

/// `.` when numbers use it as decimal mark and no number has a decimal comma.
fn decimal(rows: &[Vec<String>]) -> char {
    let mut comma = 0;
    let mut point = 0;
    for c in rows.iter().flatten().take(50_000) {
        let t = c.trim();
        let marks = t.chars().filter(|&ch| ch == ',' || ch == '.').count();
        if marks != 1
            || !t
                .chars()
                .all(|ch| ch.is_ascii_digit() || ch == ',' || ch == '.')
        {
            continue;
        }
        match (t.rsplit_once(','), t.rsplit_once('.')) {
            (Some((i, f)), None) if !i.is_empty() && !f.is_empty() && f.len() != 3 => comma += 1,
            (None, Some((i, f))) if !i.is_empty() && !f.is_empty() && f.len() != 3 => point += 1,
            _ => {}
        }
    }
    if point > 0 && comma == 0 { '.' } else { ',' }
}
